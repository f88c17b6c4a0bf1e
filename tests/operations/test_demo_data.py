"""Demo data must be deterministic (benchmarks and screenshots depend on it), realistic enough to
exercise the waterfall (missing emails and LinkedIn), and must never clobber a real store."""

from __future__ import annotations

import hashlib

import pytest

from outsignal_pipelines.operations.demo_data import WORKSPACES, seed_demo
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.store import connect, query_df


def _fingerprint() -> str:
    df = query_df("SELECT * EXCLUDE (created_at, updated_at) FROM people ORDER BY id")
    return hashlib.sha256(df.write_csv().encode()).hexdigest()


def test_same_seed_gives_the_same_store(store):
    seed_demo(people=2_000, seed=3)
    first = _fingerprint()
    seed_demo(people=2_000, seed=3, reset=True)
    assert _fingerprint() == first
    seed_demo(people=2_000, seed=4, reset=True)
    assert _fingerprint() != first


def test_default_scale_matches_the_original_system(store):
    result = seed_demo()
    assert result.people == 14_500 and result.companies == 17_000 and result.workspaces == 6
    assert {w["slug"] for w in WORKSPACES} == {"rise", "lime-recruitment", "yoopknows", "outsignal", "myacq",
                                              "1210-solutions"}
    with connect() as con:
        missing_email = con.execute("SELECT count(*) FROM people WHERE email IS NULL").fetchall()[0][0]
        missing_li = con.execute("SELECT count(*) FROM people WHERE linkedin_url IS NULL").fetchall()[0][0]
        dupes = con.execute("SELECT count(*) - count(DISTINCT domain) FROM companies").fetchall()[0][0]
        rise_q1 = con.execute(
            """SELECT count(*) FROM target_list_members m JOIN target_lists l ON l.id = m.list_id
               WHERE l.workspace_slug = 'rise' AND l.name = 'Rise Q1'""").fetchall()[0][0]
        other_lists = con.execute(
            "SELECT count(DISTINCT workspace_slug) FROM target_lists WHERE workspace_slug <> 'rise'").fetchall()[0][0]
        icp = con.execute("SELECT count(*) FROM workspaces WHERE icp_criteria IS NULL OR icp_rules IS NULL").fetchall()
        verticals = con.execute("SELECT count(DISTINCT industry) FROM companies").fetchall()[0][0]
    assert 2_000 < missing_email < 7_000 and 1_000 < missing_li < 5_000
    assert dupes == 0 and rise_q1 == 200 and other_lists == 2 and icp == [(0,)] and verticals == 23


def test_a_store_with_people_is_never_overwritten_by_accident(store):
    seed_demo(people=500)
    with pytest.raises(OperationError, match="already holds 500 people"):
        seed_demo(people=500)
    assert seed_demo(people=500, if_empty=True).skipped
    assert query_df("SELECT count(*) AS n FROM people")["n"][0] == 500


def test_larger_seeds_keep_emails_and_domains_unique(store):
    seed_demo(people=60_000, seed=1)
    with connect() as con:
        row = con.execute("""SELECT count(email) - count(DISTINCT email),
                                    (SELECT count(*) - count(DISTINCT domain) FROM companies) FROM people""").fetchall()
        next_id = con.execute("SELECT nextval('seq_people')").fetchall()[0][0]
    assert row == [(0, 0)]
    assert next_id > 60_000  # new people after a seed never collide with demo ids
