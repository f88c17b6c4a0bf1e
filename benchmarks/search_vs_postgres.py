"""People search, ours against PostgreSQL 15 on the same rows, in the same run (issue 19).

One store is seeded with N people (benchmarks/seed.py's `seed_demo`, rise's people listed and
ICP-scored). Its tables are exported to Parquet and loaded (COPY) into a PostgreSQL 15 that this
script starts in a temporary folder on a free port and always stops, also on error. Postgres gets
pg_trgm GIN indexes on every searched text column and a b-tree on every key, then ANALYZE.

Every search is a count plus one page of 50 joined to companies and the workspace's score. Ours is
the product's own operation (`search_people`) through the app server's read path (its warm read copy,
OUTSIGNAL_SEARCH_LAG_SECONDS > 0); Postgres gets the same filters written as plain SQL, same
semantics (word-prefix free text, whole-word title), count and page as two statements on one warm
connection. Each shape runs --warmup times first on both sides, then --runs times; p50/p95 in ms.

Usage: python benchmarks/search_vs_postgres.py [--people 200000] [--runs 20] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_NOT_WORD_PG = "[^[:alnum:]]"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))], 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -------------------------------------------------------------------------------------------- Postgres
@contextmanager
def postgres():
    """A throwaway PostgreSQL 15 cluster in its own temporary folder; stopped and removed on any exit."""
    folder = Path(tempfile.mkdtemp(prefix="outsignal-pg-"))
    try:
        with _cluster(folder) as dsn:
            yield dsn
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-400:]}")


@contextmanager
def _cluster(folder: Path):
    data, sock = folder / "pgdata", folder / "pgsock"
    data.mkdir()
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(folder, "postgres")
        for path in (data, sock):
            shutil.chown(path, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    _run([*as_user, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
          "-E", "UTF8", "--locale=C.UTF-8"])
    options = (f"-p {port} -k {sock} -c listen_addresses='' -c shared_buffers=512MB -c work_mem=64MB "
               "-c max_parallel_workers_per_gather=2 -c fsync=off -c synchronous_commit=off")
    _run([*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "pg.log"),
          "-w", "start"])
    try:
        yield f"host={sock} port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run([*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)


PG_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE people (person_id BIGINT PRIMARY KEY, email TEXT, first_name TEXT, last_name TEXT,
    full_name TEXT, job_title TEXT, seniority TEXT, company_name TEXT, company_domain TEXT,
    linkedin_url TEXT, location TEXT, country TEXT, vertical TEXT, email_status TEXT,
    has_verified_email BOOLEAN, enrichment_status TEXT);
CREATE TABLE companies (id BIGINT PRIMARY KEY, domain TEXT UNIQUE, name TEXT, headcount INTEGER);
CREATE TABLE person_workspaces (person_id BIGINT, workspace_slug TEXT, PRIMARY KEY (person_id, workspace_slug));
CREATE TABLE icp_scores (person_id BIGINT, workspace_slug TEXT, score INTEGER, PRIMARY KEY (person_id, workspace_slug));
CREATE TABLE target_list_members (list_id TEXT, person_id BIGINT, PRIMARY KEY (list_id, person_id));
"""
PG_INDEXES = """
CREATE INDEX ON people USING gin (first_name gin_trgm_ops);
CREATE INDEX ON people USING gin (last_name gin_trgm_ops);
CREATE INDEX ON people USING gin (full_name gin_trgm_ops);
CREATE INDEX ON people USING gin (email gin_trgm_ops);
CREATE INDEX ON people USING gin (company_name gin_trgm_ops);
CREATE INDEX ON people USING gin (job_title gin_trgm_ops);
CREATE INDEX ON people USING gin (location gin_trgm_ops);
CREATE INDEX ON people (company_domain);
CREATE INDEX ON people (vertical);
CREATE INDEX ON people (seniority);
CREATE INDEX ON people (has_verified_email);
CREATE INDEX ON companies (headcount);
CREATE INDEX ON person_workspaces (workspace_slug, person_id);
CREATE INDEX ON icp_scores (workspace_slug, score);
CREATE INDEX ON target_list_members (person_id);
ANALYZE;
"""
EXPORTS = {
    "people": """SELECT person_id, email, first_name, last_name, full_name, job_title, seniority, company_name,
                        company_domain, linkedin_url, location, country, vertical, email_status,
                        has_verified_email, enrichment_status FROM stg_people""",
    "companies": "SELECT id, domain, name, headcount FROM companies",
    "person_workspaces": "SELECT person_id, workspace_slug FROM person_workspaces",
    "icp_scores": "SELECT person_id, workspace_slug, score FROM icp_scores",
    "target_list_members": "SELECT list_id, person_id FROM target_list_members",
}


def load_postgres(dsn: str, db: Path, folder: Path) -> None:
    import duckdb
    import psycopg

    src = duckdb.connect(str(db), read_only=True)
    try:
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute(PG_SCHEMA)
            for table, select in EXPORTS.items():
                path = folder / f"{table}.csv"
                src.execute(f"COPY ({select}) TO '{path}' (FORMAT csv, HEADER false)")
                with pg.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy, open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
                path.unlink()
            pg.execute(PG_INDEXES)
    finally:
        src.close()


def _pg_pattern(pattern: str) -> str:
    return pattern.replace(r"[^\pL\pN]", _NOT_WORD_PG)


def _pg_title(term: str) -> tuple[str, list]:
    from outsignal_pipelines.domain.titles import title_prefilter_words, title_word_pattern

    words = title_prefilter_words([term])
    prefilter = " OR ".join("p.job_title ILIKE %s" for _ in words)
    return (f"(({prefilter}) AND lower(p.job_title) ~ %s)",
            [f"%{w}%" for w in words] + [_pg_pattern(title_word_pattern([term]))])


def _pg_text(needle: str) -> tuple[str, list]:
    from outsignal_pipelines.domain.titles import word_prefix_pattern

    columns = ["p.first_name", "p.last_name", "p.email", "p.company_name"] + (["p.full_name"] if " " in needle else [])
    parts, params = [], []
    for c in columns:
        parts.append(f"({c} ILIKE %s AND lower({c}) ~ %s)")
        params += [f"%{needle}%", _pg_pattern(word_prefix_pattern(needle))]
    title, title_params = _pg_title(needle)
    return "(" + " OR ".join(parts + [title]) + ")", params + title_params


def pg_query(q) -> tuple[str, list, str, list]:
    """(count sql, params, page sql, params) for a PeopleQuery, the same filters in plain Postgres SQL."""
    clauses, params = [], []
    if q.text:
        clause, p = _pg_text(q.text.strip().lower())
        clauses.append(clause)
        params += p
    if q.workspace:
        clauses.append("p.person_id IN (SELECT person_id FROM person_workspaces WHERE workspace_slug = %s)")
        params.append(q.workspace)
    if q.verticals:
        clauses.append("p.vertical = ANY(%s)")
        params.append(q.verticals)
    if q.seniorities:
        clauses.append("p.seniority = ANY(%s)")
        params.append(q.seniorities)
    if q.has_verified_email is not None:
        clauses.append("p.has_verified_email = %s")
        params.append(q.has_verified_email)
    if q.location:
        clauses.append("p.location ILIKE %s")
        params.append(f"%{q.location}%")
    if q.title_contains:
        clause, p = _pg_title(q.title_contains)
        clauses.append(clause)
        params += p
    if q.headcount_min is not None:
        clauses.append("p.company_domain IN (SELECT domain FROM companies WHERE headcount BETWEEN %s AND %s)")
        params += [q.headcount_min, q.headcount_max if q.headcount_max is not None else 2**31 - 1]
    if q.min_icp_score is not None:
        clauses.append("p.person_id IN (SELECT person_id FROM icp_scores WHERE workspace_slug = %s AND score >= %s)")
        params += [q.workspace, q.min_icp_score]
    if q.in_list:
        clauses.append("p.person_id IN (SELECT person_id FROM target_list_members WHERE list_id = %s)")
        params.append(q.in_list)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    order = "s.score DESC NULLS LAST, p.person_id" if q.sort == "icp" else "p.person_id DESC"
    page = f"""SELECT p.person_id, p.full_name, p.email, p.email_status, p.job_title, p.seniority, p.company_name,
                      p.company_domain, p.vertical, c.headcount, p.location, p.country, p.linkedin_url,
                      p.enrichment_status, s.score AS icp_score
               FROM people p LEFT JOIN icp_scores s ON s.person_id = p.person_id AND s.workspace_slug = %s
               LEFT JOIN companies c ON c.domain = p.company_domain{where}
               ORDER BY {order} LIMIT {q.page_size} OFFSET {(q.page - 1) * q.page_size}"""
    return f"SELECT count(*) FROM people p{where}", params, page, [q.workspace] + params


# -------------------------------------------------------------------------------------------- shapes
def shapes(list_id: str):
    from outsignal_pipelines.operations.search import PeopleQuery

    return {
        'free text "smith"': PeopleQuery(text="smith"),
        'two words "james smith"': PeopleQuery(text="james smith"),
        'list membership + text "a"': PeopleQuery(in_list=list_id, text="a"),
        "multi-filter (workspace, verticals, seniorities, location, headcount)": PeopleQuery(
            workspace="rise", verticals=["B2B SaaS", "Accounting & Finance"], seniorities=["C-Suite", "VP"],
            location="london", headcount_min=50),
        "ICP >= 70, sorted by score": PeopleQuery(workspace="rise", min_icp_score=70, sort="icp"),
        "deep page (page 1,500 of a workspace)": PeopleQuery(workspace="outsignal", page=1500),
        "verified + title in a workspace": PeopleQuery(workspace="myacq", has_verified_email=True,
                                                       title_contains="director"),
        'prefix "smi"': PeopleQuery(text="smi"),
        'typo "smiht" (nearest words when nothing matches)': PeopleQuery(text="smiht", typo_tolerant=True),
    }


def _pg_typo(pg, q) -> tuple[int, list]:
    """Postgres's own typo tolerance: pg_trgm similarity on names (the % operator, GIN-indexed)."""
    needle = q.text.strip().lower()
    where = " WHERE (p.last_name %% %s OR p.first_name %% %s)"
    total = pg.execute(f"SELECT count(*) FROM people p{where}", [needle, needle]).fetchone()[0]
    rows = pg.execute(f"""SELECT p.*, c.headcount FROM people p LEFT JOIN companies c ON c.domain = p.company_domain
                          {where} ORDER BY p.person_id DESC LIMIT 50""", [needle, needle]).fetchall()
    return total, rows


def _measure(list_id: str, pg, runs: int, warmup: int) -> dict:
    """p50/p95 of every shape, ours and (with a Postgres connection) Postgres's, interleaved."""
    from outsignal_pipelines.operations.search import search_people

    results = {}
    for name, q in shapes(list_id).items():
        def ours(q=q):
            page = search_people(q)
            return page.total, page.rows.height

        def theirs(q=q):
            if getattr(q, "typo_tolerant", False):
                total, rows = _pg_typo(pg, q)
                return total, len(rows)
            count_sql, count_params, page_sql, page_params = pg_query(q)
            total = pg.execute(count_sql, count_params).fetchone()[0]
            rows = pg.execute(page_sql, page_params).fetchall()
            return total, len(rows)

        sides = (("ours", ours),) if pg is None else (("ours", ours), ("postgres", theirs))
        totals, first = {}, {}
        for _ in range(warmup):   # the first of them is each side's cold run (ours: nothing kept yet)
            for side, fn in sides:
                t = time.perf_counter()
                totals[side] = fn()[0]
                first.setdefault(side, round((time.perf_counter() - t) * 1000, 1))
        times: dict[str, list[float]] = {side: [] for side, _ in sides}
        for _ in range(runs):   # interleaved, so both sides see the same machine
            for side, fn in sides:
                t = time.perf_counter()
                totals[side] = fn()[0]
                times[side].append((time.perf_counter() - t) * 1000)
        row = {"matches_ours": totals["ours"], "matches_postgres": totals.get("postgres"),
               "ours_first_ms": first.get("ours"), "postgres_first_ms": first.get("postgres")}
        for side, values in times.items():
            row[f"{side}_p50_ms"] = round(statistics.median(values), 1)
            row[f"{side}_p95_ms"] = _percentile(values, 0.95)
        if pg is not None:
            row["ratio_p95"] = round(row["ours_p95_ms"] / max(row["postgres_p95_ms"], 0.01), 2)
        results[name] = row
    return results


def run(people: int, runs: int, warmup: int, store: Path | None = None, ours_only: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        db = folder / "bench.duckdb"
        os.environ["OUTSIGNAL_DB"] = str(db)
        os.environ.setdefault("OUTSIGNAL_SEARCH_LAG_SECONDS", "3")   # the app server's read path
        os.environ.setdefault("OUTSIGNAL_DB_LINGER_SECONDS", "1")
        os.environ["OUTSIGNAL_READ_COPY_DIR"] = str(folder / "copies")
        import psycopg

        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.lists import add_search_results, create_list, resolve_list
        from outsignal_pipelines.operations.scoring import score_list
        from outsignal_pipelines.operations.search import PeopleQuery
        from outsignal_pipelines.operations.setup import init_store
        from outsignal_pipelines.store import ReadView, connect

        # Postgres keeps no answers between statements, so neither do we here: every search of ours is
        # computed, never taken from the read copy's memo (which would answer runs 2..N of a shape).
        # What stays warm is what Postgres keeps warm too: the data, here the copy's columns in memory
        # (operations/search_columns.py), built by the first run of a shape that needs them.
        ReadView.remember_with_time = lambda view, key, recipe: (recipe(view.con), view.as_of)
        started = time.perf_counter()
        if store is not None and store.exists():
            shutil.copyfile(store, db)
            init_store()   # brings a store seeded by an older tree up to this tree's migrations
        else:
            init_store()
            seed_demo(people=people, seed=7)
            create_list("rise", "All Rise")
            add_search_results("rise", "All Rise", PeopleQuery(workspace="rise"))
            score_list("rise", "All Rise")
        list_id = resolve_list("rise", "Rise Q1").id
        with connect() as con:
            con.execute("CHECKPOINT")
        seed_seconds = time.perf_counter() - started
        if store is not None and not store.exists():
            shutil.copyfile(db, store)
        people = connect_count()
        pg_load_seconds = None
        if ours_only:
            results = _measure(list_id, None, runs, warmup)
        else:
            with postgres() as dsn:
                started = time.perf_counter()
                load_postgres(dsn, db, folder)
                pg_load_seconds = round(time.perf_counter() - started, 1)
                with psycopg.connect(dsn, autocommit=True) as pg:
                    results = _measure(list_id, pg, runs, warmup)
    return {"people": people, "runs": runs, "load_average": os.getloadavg()[0],
            "seed_seconds": round(seed_seconds, 1), "postgres_load_seconds": pg_load_seconds,
            "searches": results}


def connect_count() -> int:
    from outsignal_pipelines.store.connection import query_rows

    return query_rows("SELECT count(*) FROM people")[0][0]


def _table(report: dict) -> str:
    out = io.StringIO()
    out.write(f"{report['people']:,} people, {report['runs']} runs per shape, load average "
              f"{report['load_average']:.1f}\n\n")
    out.write("| search | matches (ours / pg) | ours p50 / p95 | Postgres p50 / p95 | ours ÷ Postgres (p95) "
              "| first run (ours / pg) |\n")
    out.write("|---|---|---|---|---|---|\n")
    for name, r in report["searches"].items():
        if r["matches_postgres"] is None:   # --ours-only
            out.write(f"| {name} | {r['matches_ours']:,} / – | {r['ours_p50_ms']} / {r['ours_p95_ms']} | – | – "
                      f"| {r['ours_first_ms']} / – |\n")
            continue
        out.write(f"| {name} | {r['matches_ours']:,} / {r['matches_postgres']:,} | {r['ours_p50_ms']} / "
                  f"{r['ours_p95_ms']} | {r['postgres_p50_ms']} / {r['postgres_p95_ms']} | {r['ratio_p95']} "
                  f"| {r['ours_first_ms']} / {r['postgres_first_ms']} |\n")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--store", type=Path, help="reuse this seeded store (seeded and saved there if missing)")
    parser.add_argument("--ours-only", action="store_true", help="no Postgres: our side alone (e.g. at 5M)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.ours_only and not (PG_BIN / "initdb").exists():
        sys.exit(f"PostgreSQL 15 is not installed ({PG_BIN}); apt-get install -y postgresql-15")
    report = run(args.people, args.runs, args.warmup, args.store, args.ours_only)
    print(json.dumps(report) if args.json else _table(report))


if __name__ == "__main__":
    main()
