"""The home page's and the Lists page's counts, in the app server: read from the read copy and
remembered there (at a million people each is a scan, asked on every rerun), yet never stale where the
admin expects them fresh: their own change at once, and a run they followed to its end at once."""

from __future__ import annotations

import multiprocessing as mp
import os

import pytest

from outsignal_pipelines.operations.lists import add_people, create_list, list_overview, resolve_list
from outsignal_pipelines.operations.run_requests import fail, request_run, wait_for
from outsignal_pipelines.operations.stats import workspace_overview
from outsignal_pipelines.store import connect, transaction
from outsignal_pipelines.store.memo import Memo

LAG = 30.0  # longer than the test: any fresh count here comes from a copy made on purpose


@pytest.fixture
def app_server(seeded_store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", str(LAG))
    return seeded_store


def _members(name: str) -> int:
    [row] = [r for r in list_overview("rise").rows if r["list_name"] == name]
    return row["members"]


def _run_in_another_process(db: str, request_id: int, list_id: str, ids: list[int]) -> None:  # a pipeline run
    os.environ["OUTSIGNAL_DB"] = db
    with transaction() as con:
        con.executemany("INSERT INTO target_list_members (list_id, person_id) VALUES (?, ?)",
                        [(list_id, i) for i in ids])
    fail(request_id, "ended")   # how it ends does not matter here: the app follows it to its end


def test_home_counts_are_remembered_on_the_copy_and_say_how_fresh_they_are(app_server):
    first = workspace_overview()
    hits = Memo.total_hits
    again = workspace_overview()
    assert Memo.total_hits == hits + 1 and again.rows == first.rows
    assert first.as_of is not None
    assert {r["workspace_slug"] for r in workspace_overview("rise").rows} == {"rise"}


def test_the_admins_own_change_shows_in_the_list_counts_at_once(app_server):
    create_list("rise", "Counted")
    assert _members("Counted") == 0
    with connect() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT 4").fetchall()]
    add_people("rise", "Counted", ids)
    assert _members("Counted") == 4


def test_a_run_the_app_followed_to_its_end_shows_what_it_wrote_at_once(app_server):
    create_list("rise", "Followed")
    target = resolve_list("rise", "Followed")
    request = request_run("rise", "enrich", target=target, requested_by="page")
    assert _members("Followed") == 0
    with connect() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT 5").fetchall()]
    run = mp.get_context("spawn").Process(target=_run_in_another_process,
                                          args=(str(app_server), request.id, target.id, ids))
    run.start()
    run.join(60)
    assert run.exitcode == 0
    assert _members("Followed") == 0        # the copy lags the other process ...
    assert wait_for(request.id).finished    # ... until the app has followed the run to its end
    assert _members("Followed") == 5


def test_the_lists_page_gate_summary_follows_the_exports_gate_and_is_remembered(app_server):
    from outsignal_pipelines.operations.export import gate_summary, verification_gate

    create_list("rise", "Gated")
    with connect() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT 8").fetchall()]
        con.execute("UPDATE people SET email = 'p' || id || '@x.example', email_status = CASE id % 4 "
                    "WHEN 0 THEN 'valid' WHEN 1 THEN 'invalid' WHEN 2 THEN NULL ELSE 'catch_all' END "
                    "WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids[:7]])
        con.execute("UPDATE people SET email = NULL, email_status = NULL WHERE id = ?", [ids[7]])
    add_people("rise", "Gated", ids)
    shown = gate_summary("rise", "Gated")
    assert shown == verification_gate("rise", "Gated").summary()
    assert shown["blocked_reasons"]["no email found"] == 1
    hits = Memo.total_hits
    assert gate_summary("rise", "Gated") == shown and Memo.total_hits == hits + 1


def test_the_score_distribution_is_remembered_and_a_caller_cannot_change_it_for_others(app_server):
    from outsignal_pipelines.operations.scoring import score_distribution

    target = resolve_list("rise", "Rise Q1")
    bands, histogram = score_distribution(target.id, "rise")
    bands["green"] = -1
    hits = Memo.total_hits
    again, _ = score_distribution(target.id, "rise")
    assert Memo.total_hits == hits + 1 and again["green"] != -1
