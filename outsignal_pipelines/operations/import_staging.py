"""Where a big import waits and is planned before one short transaction applies it to the store.

Normalised rows go, batch by batch, into a DuckDB file of their own in the data folder
(`import-staging/<pid>-<random>/`), never into Python objects for the whole file; DuckDB works there
under a memory limit and spills to disk. Planning which rows are new people, which fill empty fields of
known ones and which are duplicates is the same sequential rule as before (`imports._plan_people`), but
run on each group of rows that share a key (email, LinkedIn URL, name + company domain) with each other
or with people in the store, so only one such group is in Python at a time; rows that share no key with
anything are new people, decided in SQL. The plan leaves as Parquet files that the store's transaction
reads directly. A process killed at any point leaves the store as it was and a staging folder that the
next import removes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from outsignal_pipelines import settings
from outsignal_pipelines.store.scratch import open_scratch

PERSON_COLUMNS = (
    "email", "first_name", "last_name", "job_title", "seniority", "company_name", "company_domain",
    "linkedin_url", "phone", "location", "country", "vertical",
)
STAGED_SCHEMA: dict[str, Any] = {
    "seq": pl.Int64, "line": pl.Int64, **{c: pl.String for c in PERSON_COLUMNS}, "name_key": pl.String,
    "headcount": pl.Int64, "company_linkedin": pl.String, "unmapped_industry": pl.String,
    "unmapped_title": pl.String,
}
MEMORY_LIMIT = "128MB"
# While an import applies its plan and commits, the store's DuckDB works within the first of these
# (spilling beyond it where it can), and the store's own limit comes back after. The indexes of the new
# rows cannot spill: ~220 bytes per new person with a list, so a file of a million new people needs
# ~250 MB. An apply that runs out of memory is rolled back and run again under the next limit; None is
# the store's own.
APPLY_MEMORY_LIMITS: tuple[str | None, ...] = ("128MB", "256MB", "512MB", None)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staging_root() -> Path:
    return settings.data_dir() / "import-staging"


def remove_stale() -> list[Path]:
    """Staging folders of imports whose process is gone (killed mid-import) are removed."""
    removed = []
    root = staging_root()
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class Staging:
    """One import's staging folder and DuckDB file (see the module docstring)."""

    def __init__(self) -> None:
        remove_stale()
        self.folder = staging_root() / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.folder.mkdir(parents=True)
        self.con = open_scratch(self.folder, memory_limit=MEMORY_LIMIT, threads=2)
        cols = ", ".join(f"{name} {'BIGINT' if dtype == pl.Int64 else 'TEXT'}" for name, dtype in STAGED_SCHEMA.items())
        self.con.execute(f"CREATE TABLE staged ({cols})")
        self.rows = 0
        self._cursors: list[duckdb.DuckDBPyConnection] = []

    def close(self) -> None:
        try:
            for cursor in self._cursors:
                cursor.close()
            self.con.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def release_memory(self) -> None:
        """Staging's data is on disk by now: DuckDB gives its cached pages back before the store
        needs memory for the transaction."""
        self.con.execute("SET memory_limit = '8MB'")

    def path(self, name: str) -> str:
        """A file in the staging folder, quoted for a SQL string literal."""
        return str(self.folder / name).replace("'", "''")

    def append(self, columns: dict[str, list]) -> None:
        """One batch of normalised rows (column lists in STAGED_SCHEMA order)."""
        batch = pl.DataFrame(columns, schema=STAGED_SCHEMA)  # noqa: F841 - read by DuckDB
        self.con.execute("INSERT INTO staged SELECT * FROM batch")
        self.rows += len(columns["seq"])

    # -------------------------------------------------------------- what the store is asked about

    def export_keys(self) -> dict[str, str]:
        """The file's emails, LinkedIn URLs and company domains, as Parquet for the store to read."""
        files = {}
        for name, column in (("emails", "email"), ("linkedins", "linkedin_url"), ("domains", "company_domain")):
            files[name] = self.path(f"{name}.parquet")
            self.con.execute(f"COPY (SELECT DISTINCT {column} AS value FROM staged WHERE {column} IS NOT NULL) "
                             f"TO '{files[name]}' (FORMAT parquet)")
        return files

    def load_existing(self, existing_parquet: str, name_key: Callable[..., Any]) -> None:
        """The store's people these rows could be (written by the store as Parquet), with their name keys."""
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")  # again, after release_memory
        self.con.execute("DROP TABLE IF EXISTS existing")
        self.con.execute(f"CREATE TABLE existing AS SELECT *, CAST(NULL AS TEXT) AS name_key "
                         f"FROM read_parquet('{existing_parquet}')")
        # Name keys fold accents the Python way (identity.name_key), computed in batches.
        self.con.execute("CREATE OR REPLACE TABLE name_keys (id BIGINT, k TEXT)")
        reader = self._reader("SELECT id, first_name, last_name, company_domain FROM existing "
                              "WHERE first_name IS NOT NULL AND last_name IS NOT NULL "
                              "AND company_domain IS NOT NULL")
        for batch in reader:
            keys = [(pid, key) for pid, first, last, domain in zip(*(batch.column(i).to_pylist() for i in range(4)))
                    if (key := name_key(first, last, domain))]
            if keys:
                chunk = pl.DataFrame(keys, schema={"id": pl.Int64, "k": pl.String}, orient="row")  # noqa: F841
                self.con.execute("INSERT INTO name_keys SELECT * FROM chunk")
        self.con.execute("UPDATE existing SET name_key = name_keys.k FROM name_keys WHERE existing.id = name_keys.id")

    def _reader(self, sql: str, batch_rows: int = 50_000):
        """Batches of a query read on a cursor of its own, so that writes while reading do not end it."""
        cursor = self.con.cursor()
        self._cursors.append(cursor)
        return cursor.sql(sql).to_arrow_reader(batch_rows)

    # -------------------------------------------------------------- groups of rows that share a key

    def group(self, extra_edges: list[tuple[int, str]] | None = None) -> None:
        """comp(node): the smallest node of each set of rows and store people linked by shared keys.
        Rows are nodes seq > 0, store people -id < 0."""
        con = self.con
        if extra_edges is None:
            con.execute("DROP TABLE IF EXISTS k")
            con.execute("""CREATE TABLE k AS
                SELECT seq AS node, 'e' || email AS key FROM staged WHERE email IS NOT NULL
                UNION ALL SELECT seq, 'l' || linkedin_url FROM staged WHERE linkedin_url IS NOT NULL
                UNION ALL SELECT seq, 'n' || name_key FROM staged WHERE name_key IS NOT NULL
                UNION ALL SELECT -id, 'e' || email FROM existing WHERE email IS NOT NULL AND email <> ''
                UNION ALL SELECT -id, 'l' || linkedin_url FROM existing WHERE linkedin_url IS NOT NULL
                                                                      AND linkedin_url <> ''
                UNION ALL SELECT -id, 'n' || name_key FROM existing WHERE name_key IS NOT NULL""")
        else:
            edges = pl.DataFrame(extra_edges, schema={"node": pl.Int64, "key": pl.String}, orient="row")  # noqa: F841
            con.execute("INSERT INTO k SELECT node, key FROM edges")
        con.execute("CREATE OR REPLACE TABLE lab AS SELECT node, min(node) AS comp FROM k GROUP BY node")
        while True:
            con.execute("""CREATE OR REPLACE TABLE keymin AS
                SELECT k.key, min(lab.comp) AS comp FROM k JOIN lab USING (node) GROUP BY k.key""")
            con.execute("""CREATE OR REPLACE TABLE lab2 AS
                SELECT k.node, min(keymin.comp) AS comp FROM k JOIN keymin USING (key) GROUP BY k.node""")
            changed = con.execute("SELECT count(*) FROM lab2 JOIN lab USING (node) WHERE lab2.comp <> lab.comp"
                                  ).fetchone()[0]
            con.execute("CREATE OR REPLACE TABLE lab AS SELECT * FROM lab2")
            if not changed:
                break
        con.execute("""CREATE OR REPLACE TABLE comps AS
            SELECT comp, count(*) FILTER (WHERE node > 0) AS rows, count(*) FILTER (WHERE node < 0) AS known
            FROM lab GROUP BY comp""")

    def singles(self) -> int:
        """Rows that share no key with anything: each a new person as it stands."""
        return self.con.execute("SELECT count(*) FROM lab JOIN comps USING (comp) WHERE rows = 1 AND known = 0"
                                ).fetchone()[0]

    def groups(self, batch_rows: int = 50_000) -> Iterator[tuple[list[dict], list[tuple[int, dict]]]]:
        """(store people, [(seq, row)]) of each group that needs the sequential rule, store people
        by id, rows in file order; one group in memory at a time."""
        reader = self._reader(f"""
            SELECT l.comp, 0 AS kind, -l.node AS ord, e.id, {', '.join('e.' + c for c in PERSON_COLUMNS)}
              FROM lab l JOIN comps c USING (comp) JOIN existing e ON e.id = -l.node
             WHERE l.node < 0 AND c.rows > 0 AND NOT (c.rows = 1 AND c.known = 0)
            UNION ALL
            SELECT l.comp, 1, s.seq, s.seq, {', '.join('s.' + c for c in PERSON_COLUMNS)}
              FROM lab l JOIN comps c USING (comp) JOIN staged s ON s.seq = l.node
             WHERE l.node > 0 AND NOT (c.rows = 1 AND c.known = 0)
            ORDER BY 1, 2, 3""", batch_rows)
        names = ["comp", "kind", "ord", "id", *PERSON_COLUMNS]
        current, known, rows = None, [], []
        for batch in reader:
            data = {n: batch.column(i).to_pylist() for i, n in enumerate(names)}
            for i in range(batch.num_rows):
                comp = data["comp"][i]
                if comp != current:
                    if current is not None:
                        yield known, rows
                    current, known, rows = comp, [], []
                values = {c: data[c][i] for c in PERSON_COLUMNS}
                if data["kind"][i] == 0:
                    known.append({"id": data["id"][i], **values})
                else:
                    rows.append((data["id"][i], {"person": values}))
        if current is not None:
            yield known, rows

    def crossing(self, registered: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Name keys a group's merged person registered (node, key) that belong to another group: the
        edges that make those groups one."""
        if not registered:
            return []
        reg = pl.DataFrame([(node, "n" + key) for node, key in registered],  # noqa: F841 - keys as in k
                           schema={"node": pl.Int64, "key": pl.String}, orient="row")
        return self.con.execute("""
            SELECT DISTINCT reg.node, reg.key FROM reg
              JOIN lab mine ON mine.node = reg.node
              JOIN k ON k.key = reg.key JOIN lab theirs ON theirs.node = k.node
             WHERE theirs.comp <> mine.comp""").fetchall()

    # -------------------------------------------------------------- the plan

    def start_plan(self) -> None:
        cols = ", ".join(f"{c} TEXT" for c in PERSON_COLUMNS)
        self.con.execute(f"CREATE OR REPLACE TABLE plan_new (first_seq BIGINT, {cols})")
        self.con.execute(f"CREATE OR REPLACE TABLE plan_upd (pid BIGINT, {cols})")
        self.con.execute("CREATE OR REPLACE TABLE plan_matched (pid BIGINT)")
        # Rows that share no key with anything are new people as they stand. Such a group is its one row,
        # so its comp is that row's seq: one semi-join, not two joins of every row, whose hash tables
        # together came within a few MB of the staging limit at a million rows (out of memory at times).
        self.con.execute(f"""INSERT INTO plan_new SELECT s.seq, {', '.join('s.' + c for c in PERSON_COLUMNS)}
            FROM staged s WHERE s.seq IN (SELECT comp FROM comps WHERE rows = 1 AND known = 0)""")

    def add_plan(self, new: list[tuple[int, dict]], updates: dict[int, dict], matched: list[int]) -> None:
        schema = {c: pl.String for c in PERSON_COLUMNS}
        if new:
            frame = pl.DataFrame([{"first_seq": seq, **{c: rec.get(c) for c in PERSON_COLUMNS}} for seq, rec in new],  # noqa: F841
                                 schema={"first_seq": pl.Int64, **schema})
            self.con.execute("INSERT INTO plan_new SELECT * FROM frame")
        if updates:
            upd = pl.DataFrame([{"pid": pid, **{c: values.get(c) for c in PERSON_COLUMNS}}  # noqa: F841
                                for pid, values in updates.items()], schema={"pid": pl.Int64, **schema})
            self.con.execute("INSERT INTO plan_upd SELECT * FROM upd")
        if matched:
            ids = pl.DataFrame({"pid": matched}, schema={"pid": pl.Int64})  # noqa: F841
            self.con.execute("INSERT INTO plan_matched SELECT pid FROM ids")

    def export_plan(self) -> dict[str, str]:
        """Parquet files the store's transaction reads: new people in file order, field fills of known
        people, the known people the file named, and the companies (first non-empty value per field)."""
        files = {name: self.path(f"plan_{name}.parquet") for name in ("new", "upd", "matched", "companies")}
        self.con.execute(f"COPY (SELECT * FROM plan_new ORDER BY first_seq) TO '{files['new']}' (FORMAT parquet)")
        self.con.execute(f"COPY plan_upd TO '{files['upd']}' (FORMAT parquet)")
        self.con.execute(f"COPY (SELECT DISTINCT pid FROM plan_matched) TO '{files['matched']}' (FORMAT parquet)")

        def first(column: str, text: bool = True) -> str:
            empty = f"{column} IS NOT NULL" + (f" AND {column} <> ''" if text else "")
            return f"arg_min({column}, seq) FILTER (WHERE {empty})"

        self.con.execute(f"""COPY (
            SELECT company_domain AS domain, {first('company_name')} AS name, {first('vertical')} AS industry,
                   {first('headcount', text=False)} AS headcount, CAST(NULL AS TEXT) AS location,
                   CAST(NULL AS TEXT) AS country, 'https://' || company_domain AS website,
                   {first('company_linkedin')} AS linkedin_url, min(seq) AS first_seq
              FROM staged WHERE company_domain IS NOT NULL AND company_domain <> ''
             GROUP BY company_domain ORDER BY first_seq) TO '{files['companies']}' (FORMAT parquet)""")
        return files

    def unmapped(self, kind: str) -> tuple[int, list[str]]:
        """How many rows have an industry (or title) the normalisers could not map, and the five
        commonest such values (most rows first, then alphabetically)."""
        column = "unmapped_industry" if kind == "industry" else "unmapped_title"
        total = self.con.execute(f"SELECT count(*) FROM staged WHERE {column} IS NOT NULL AND {column} <> ''"
                                 ).fetchone()[0]
        common = [r[0] for r in self.con.execute(
            f"""SELECT {column}, count(*) AS n FROM staged WHERE {column} IS NOT NULL AND {column} <> ''
                GROUP BY {column} ORDER BY n DESC, {column} LIMIT 5""").fetchall()]
        return total, common


class StoreMemoryLimit:
    """The store's DuckDB memory limit lowered while a plan is applied and committed, then restored.
    DuckDB settings are not transactional, and an aborted transaction refuses SET, so the limit comes
    back on a fresh connection after the commit or the rollback (`restore_after`)."""

    def __init__(self) -> None:
        self.before: str | None = None

    def lower(self, con: duckdb.DuckDBPyConnection, limit: str) -> None:
        self.before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        con.execute(f"SET memory_limit = '{limit}'")

    def restore(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.before is not None:
            con.execute(f"SET memory_limit = '{self.before}'")
            self.before = None

    def restore_after(self, connect: Callable[[], Any]) -> None:
        if self.before is not None:
            with connect() as con:
                self.restore(con)


def out_of_memory(exc: BaseException) -> bool:
    """Whether DuckDB gave up for want of memory: in a statement, or in the commit (which it reports
    as a failed commit; the transaction is rolled back either way)."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return True
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) and any(
        words in text for words in ("failed to allocate", "could not allocate", "failed to pin", "out of memory"))


@contextmanager
def staging() -> Iterator[Staging]:
    stage = Staging()
    try:
        yield stage
    finally:
        stage.close()
