"""Numbered SQL migrations, each applied once, in order, inside its own transaction.

`schema_migrations` records what was applied, so running `ensure_schema` any number of times, from
any number of processes, converges on the same schema.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from outsignal_pipelines.store.connection import connect, transaction

_MIGRATIONS_PACKAGE = "outsignal_pipelines.store"


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every `migrations/NNNN_name.sql`, ordered by version."""
    folder = resources.files(_MIGRATIONS_PACKAGE) / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, rest = name.partition("_")
        if not number.isdigit():
            raise ValueError(f"migration file {name!r} must start with a number, e.g. 0002_add_x.sql")
        found.append((int(number), rest.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise ValueError(f"two migrations share a number: {versions}")
    return found


def schema_version(path: Path | str | None = None) -> int:
    with connect(path) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()[0]
        if not exists:
            return 0
        return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def ensure_schema(path: Path | str | None = None) -> list[int]:
    """Apply every migration not applied yet; returns the versions applied by this call."""
    applied_now: list[int] = []
    with connect(path) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
    for version, name, sql in available_migrations():
        with transaction(path) as con:
            # Re-checked inside the transaction: another process may have just applied it.
            done = con.execute("SELECT count(*) FROM schema_migrations WHERE version = ?", [version]).fetchone()[0]
            if done:
                continue
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            applied_now.append(version)
    return applied_now
