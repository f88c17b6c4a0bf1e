"""Migrations must be idempotent and produce every table of the data model."""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import pytest

from outsignal_pipelines.store import connect, ensure_schema, schema_version
from outsignal_pipelines.store.migrations import available_migrations

DESIGN_TABLES = {
    "workspaces", "companies", "people", "enrichment_log", "target_lists", "target_list_members",
    "icp_scores", "email_drafts", "portal_approvals", "campaign_deploys", "agent_runs",
    "notification_outbox", "magic_links", "portal_sessions",
}


def test_fresh_store_gets_every_table_of_the_data_model(db_path: Path):
    applied = ensure_schema()
    assert applied == [v for v, _, _ in available_migrations()]
    with connect() as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()}
    assert DESIGN_TABLES <= tables
    assert schema_version() == max(v for v, _, _ in available_migrations())


def test_applying_twice_changes_nothing(db_path: Path):
    ensure_schema()
    with connect() as con:
        con.execute("INSERT INTO workspaces (slug, name) VALUES ('w', 'W')")
    assert ensure_schema() == []
    with connect() as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(available_migrations())
        assert con.execute("SELECT name FROM workspaces").fetchall() == [("W",)]


def test_statuses_outside_the_vocabulary_are_refused_by_the_schema(db_path: Path):
    import duckdb

    ensure_schema()
    with connect() as con, pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO people (email, email_status) VALUES ('a@b.co', 'maybe')")


def _migrate(db: str) -> None:
    os.environ["OUTSIGNAL_DB"] = db
    ensure_schema()


@pytest.mark.slow
def test_two_processes_migrating_at_once_converge(db_path: Path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_migrate, args=(str(db_path),)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with connect() as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [v for v, _, _ in available_migrations()]
