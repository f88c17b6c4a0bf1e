"""A small dbt-like runner: each `dbt_like_sql/**/*.sql` file is a model named after the file.

A model names what it reads with `{{ ref('model') }}` (another model) and `{{ source('table') }}` (a
store table), which is how dependencies are read from the SQL. A first-line comment
`-- materialized: table` builds a table; views are the default so searches always see current data.
`tests/assert_*.sql` return the rows that break a rule: zero rows means the check passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from outsignal_pipelines import settings

_REF = re.compile(r"\{\{\s*ref\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\)\s*\}\}")
_SOURCE = re.compile(r"\{\{\s*source\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\)\s*\}\}")
_CONFIG = re.compile(r"^--\s*(materialized|description|asset)\s*:\s*(.+?)\s*$", re.M)


class SqlModelError(RuntimeError):
    """A model or test that cannot be parsed or built; the message names the file."""


@dataclass(frozen=True)
class SqlModel:
    name: str
    path: Path
    sql: str
    refs: tuple[str, ...]
    sources: tuple[str, ...]
    materialized: str = "view"
    description: str = ""

    def rendered(self) -> str:
        return render(self.sql)


def render(sql: str) -> str:
    """The SQL DuckDB runs: ref()/source() replaced by the names they point at."""
    return _SOURCE.sub(lambda m: m.group(1), _REF.sub(lambda m: m.group(1), sql)).strip().rstrip(";")


@dataclass(frozen=True)
class SqlTest:
    name: str
    path: Path
    sql: str
    refs: tuple[str, ...]
    sources: tuple[str, ...]
    asset: str  # the model (or source table) the check is attached to
    description: str = ""

    def rendered(self) -> str:
        return render(self.sql)


def _config(sql: str) -> dict[str, str]:
    return {key: value for key, value in _CONFIG.findall(sql)}


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def load_project(root: Path | None = None) -> tuple[dict[str, SqlModel], list[SqlTest]]:
    """Parse every model and test under the folder; refuses unknown refs and cycles with a clear error."""
    folder = Path(root) if root else settings.sql_models_dir()
    models: dict[str, SqlModel] = {}
    tests: list[SqlTest] = []
    for path in sorted(folder.rglob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        cfg = _config(sql)
        refs, sources = _unique(_REF.findall(sql)), _unique(_SOURCE.findall(sql))
        if path.parent.name == "tests":
            if not path.stem.startswith("assert_"):
                raise SqlModelError(f"{path}: tests must be named assert_*.sql")
            target = cfg.get("asset") or (refs[0] if refs else sources[0] if sources else None)
            if target is None:
                raise SqlModelError(f"{path}: a test must ref() a model or source() a table")
            tests.append(SqlTest(path.stem, path, sql, refs, sources, target, cfg.get("description", "")))
            continue
        if path.stem in models:
            raise SqlModelError(f"two models are named {path.stem!r}: {models[path.stem].path} and {path}")
        materialized = cfg.get("materialized", "view")
        if materialized not in {"view", "table"}:
            raise SqlModelError(f"{path}: materialized must be 'view' or 'table', not {materialized!r}")
        models[path.stem] = SqlModel(path.stem, path, sql, refs, sources, materialized, cfg.get("description", ""))
    for item in [*models.values(), *tests]:
        for ref in item.refs:
            if ref not in models:
                raise SqlModelError(f"{item.path}: ref('{ref}') names no model")
    build_order(models)
    return models, tests


@cache
def cached_project(root: str) -> tuple[dict[str, SqlModel], list[SqlTest]]:
    """Parsed once per process, so loading Dagster definitions stays cheap."""
    return load_project(Path(root))


def build_order(models: dict[str, SqlModel]) -> list[str]:
    sorter = TopologicalSorter({name: set(model.refs) for name, model in models.items()})
    try:
        return list(sorter.static_order())
    except Exception as exc:  # graphlib.CycleError
        raise SqlModelError(f"the SQL models have a dependency cycle: {exc}") from exc


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> int | None:
    """Create or replace one model; returns the row count for tables (views are not counted)."""
    kind = "TABLE" if model.materialized == "table" else "VIEW"
    try:
        existing = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?",
            [model.name]).fetchall()
        if existing and (existing[0][0] == "VIEW") != (kind == "VIEW"):
            con.execute(f"DROP {'VIEW' if existing[0][0] == 'VIEW' else 'TABLE'} {model.name}")
        con.execute(f"CREATE OR REPLACE {kind} {model.name} AS {model.rendered()}")
    except duckdb.Error as exc:
        raise SqlModelError(f"model {model.name} ({model.path.name}) failed: {exc}") from exc
    if kind == "TABLE":
        return con.execute(f"SELECT count(*) FROM {model.name}").fetchall()[0][0]
    return None


def build_all(con: duckdb.DuckDBPyConnection, root: Path | None = None) -> list[str]:
    models, _ = load_project(root)
    order = build_order(models)
    for name in order:
        build_model(con, models[name])
    return order


def run_test(con: duckdb.DuckDBPyConnection, test: SqlTest, sample: int = 5) -> tuple[int, list[dict]]:
    """(failing row count, a few failing rows)."""
    rendered = test.rendered()
    try:
        count = con.execute(f"SELECT count(*) FROM ({rendered}) AS t").fetchone()[0]
        cursor = con.execute(f"SELECT * FROM ({rendered}) AS t LIMIT {int(sample)}")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, (str(v) for v in row))) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        raise SqlModelError(f"test {test.name} ({test.path.name}) failed to run: {exc}") from exc
    return count, rows


def materialise(model: SqlModel) -> int:
    """Build one model in its own transaction; returns its row count."""
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        rows = build_model(con, model)
        if rows is None:
            rows = con.execute(f"SELECT count(*) FROM {model.name}").fetchone()[0]
    return rows


def check(test: SqlTest) -> tuple[int, list[dict]]:
    """Run one assert_*.sql: (failing rows, a sample of them)."""
    from outsignal_pipelines.store import connect

    with connect() as con:
        return run_test(con, test)


def project() -> tuple[dict[str, SqlModel], list[SqlTest]]:
    """The models and tests of the configured dbt_like_sql folder (parsed once per process)."""
    from outsignal_pipelines import settings

    return cached_project(str(settings.sql_models_dir()))
