"""The seam where a shared warehouse replaces the local DuckDB file: MotherDuck (`md:`) or a DuckDB
Quack server (`quack:`). Neither is reachable from here, so these tests prove that only the store
helper knows which store is used, and that it treats a warehouse as one (no token, no start; no
turns at a file, no local read copy)."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from outsignal_pipelines import settings
from outsignal_pipelines.store import connection

REPO = Path(__file__).resolve().parents[2]
SOURCES = [p for root in ("outsignal_pipelines", "streamlit_portal") for p in (REPO / root).rglob("*.py")]
STORE = REPO / "outsignal_pipelines" / "store"


def _outside_the_store():
    for path in SOURCES:
        if STORE in path.parents:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_nothing_outside_the_store_helper_opens_duckdb_or_names_the_store_file():
    found = []
    for path, tree in _outside_the_store():
        rel = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "connect" and isinstance(node.value, ast.Name) \
                    and node.value.id == "duckdb":
                found.append(f"{rel}:{node.lineno} duckdb.connect")
            if isinstance(node, ast.Attribute) and node.attr in ("db_path", "db_path_configured") \
                    and path.name != "settings.py":
                found.append(f"{rel}:{node.lineno} settings.{node.attr} (a file path, not the store URL)")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and path.name != "settings.py" \
                    and (node.value.endswith(".duckdb") or node.value.startswith(("md:", "quack:"))):
                found.append(f"{rel}:{node.lineno} {node.value!r}")
    assert found == []


def test_an_md_store_without_a_token_is_refused_with_a_clear_error(monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_DB", "md:outsignal")
    monkeypatch.delenv("MOTHERDUCK_TOKEN", raising=False)
    assert settings.store_is_remote()
    with pytest.raises(connection.StoreConfigError, match="MOTHERDUCK_TOKEN is not set"):
        with connection.connect():
            pass


def test_an_unknown_scheme_is_refused(monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_DB", "postgres://somewhere/db")
    with pytest.raises(connection.StoreConfigError, match="md:<database>"):
        with connection.connect():
            pass


def test_a_warehouse_store_takes_no_turns_keeps_no_read_copy_and_serves_the_operations(tmp_path, monkeypatch):
    """A Quack URL through the whole product path; the warehouse itself is stood in for by a DuckDB
    file opened where the helper would ATTACH the server (the only line that differs)."""
    warehouse = tmp_path / "warehouse" / "stand_in.duckdb"
    warehouse.parent.mkdir()
    opened: list[str] = []

    def stand_in(location: connection.Location) -> duckdb.DuckDBPyConnection:
        opened.append(location.kind)
        return duckdb.connect(str(warehouse))

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(connection, "_open_remote", stand_in)
    monkeypatch.setattr(connection, "turns_for", lambda *a, **k: pytest.fail("a warehouse store took a turn"))
    monkeypatch.setenv("OUTSIGNAL_DB", "quack:warehouse.example:9494")
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", "5")  # the app server's read copy, for a file

    from outsignal_pipelines.operations.setup import init_store, store_identity
    from outsignal_pipelines.operations.workspaces import list_workspaces, upsert_workspace

    result = init_store()
    upsert_workspace("acme", "Acme Client")
    assert [w.slug for w in list_workspaces()] == ["acme"]
    assert result.db == store_identity() == "quack:warehouse.example:9494"
    with connection.read_connect() as (con, as_of):
        assert as_of is None and con.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 1
    assert set(opened) == {"quack"}
    assert connection.wait_stats() == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse"]  # no lock or copy files anywhere


def test_a_file_store_still_takes_turns(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_DB", str(tmp_path / "local.duckdb"))
    assert not settings.store_is_remote() and not connection.locate(settings.store_url()).remote
    with connection.connect() as con:
        assert con.execute("SELECT 1").fetchone() == (1,)
    assert (tmp_path / "local.duckdb").exists()
