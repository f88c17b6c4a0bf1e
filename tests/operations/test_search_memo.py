"""The app server answers a search asked again of the same read copy from that copy's memo, and the
memo never outlives the data it was computed from: the admin's own change shows at once, another
process's change within the lag."""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import pytest

from outsignal_pipelines.operations import search
from outsignal_pipelines.operations.lists import add_people, create_list, resolve_list
from outsignal_pipelines.operations.search import CompanyQuery, PeopleQuery, search_companies, search_people
from outsignal_pipelines.store import connect, transaction

LAG = 1.0


@pytest.fixture
def app_server(seeded_store, monkeypatch):
    """This process reads as the app server does: a copy of the store, at most LAG seconds behind."""
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", str(LAG))
    calls: list[PeopleQuery] = []
    real = search._search
    monkeypatch.setattr(search, "_search", lambda con, q: (calls.append(q), real(con, q))[1])
    return calls


def _rename(db: str, person_id: int, last_name: str) -> None:  # another process: an enrichment run
    os.environ["OUTSIGNAL_DB"] = db
    with transaction() as con:
        con.execute("UPDATE people SET last_name = ?, updated_at = now() WHERE id = ?", [last_name, person_id])


def test_the_same_search_again_is_answered_from_the_copy(app_server):
    query = PeopleQuery(workspace="rise", seniorities=["VP"], page=2, page_size=10)
    first, again = search_people(query), search_people(query)
    assert len(app_server) == 1
    assert again.total == first.total and again.rows.equals(first.rows)
    search_people(PeopleQuery(workspace="rise", seniorities=["VP"], page=3, page_size=10))
    assert len(app_server) == 2  # another page is another question


def test_the_admins_own_change_shows_at_once(app_server):
    create_list("rise", "Memo")
    listed = PeopleQuery(in_list=resolve_list("rise", "Memo").id)
    assert search_people(listed).total == 0
    with connect() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT 3").fetchall()]
    add_people("rise", "Memo", ids)
    page = search_people(listed)
    assert page.total == 3 and sorted(page.rows["person_id"].to_list()) == ids


def test_another_process_change_shows_within_the_lag(app_server, db_path):
    with connect() as con:
        person_id = con.execute("SELECT min(id) FROM people").fetchall()[0][0]
    renamed = PeopleQuery(text="Zzyzxquist")
    assert search_people(renamed).total == 0
    assert search_people(renamed).total == 0          # remembered
    writer = mp.get_context("spawn").Process(target=_rename, args=(str(db_path), person_id, "Zzyzxquist"))
    writer.start()
    writer.join(60)
    assert writer.exitcode == 0
    written = time.monotonic()
    while search_people(renamed).total != 1:
        assert time.monotonic() - written < 2 * LAG + 5, "a remembered answer outlived its copy"
        time.sleep(0.05)


def test_company_search_is_remembered_too(app_server):
    query = CompanyQuery(text="labs")
    first = search_companies(query)
    assert search_companies(query).rows.equals(first.rows)


def test_after_another_process_writes_the_next_copy_is_warmed_before_anyone_asks(app_server, db_path):
    with connect() as con:
        person_id = con.execute("SELECT min(id) FROM people").fetchall()[0][0]
    asked = PeopleQuery(text="Qwertyplex")
    assert search_people(asked).total == 0 and len(app_server) == 1
    writer = mp.get_context("spawn").Process(target=_rename, args=(str(db_path), person_id, "Qwertyplex"))
    writer.start()
    writer.join(60)
    assert writer.exitcode == 0
    written = time.monotonic()
    while len(app_server) < 2:   # nobody asks: the refresher answers it on the new copy by itself
        assert time.monotonic() - written < 2 * LAG + 8, "the new copy was not warmed with the question"
        time.sleep(0.05)
    warmed = time.monotonic()
    while search_people(asked).total != 1:   # the old copy answers from its memo until the swap
        assert time.monotonic() - warmed < 5
        time.sleep(0.05)
    assert len(app_server) == 2              # the new copy answered from its warmed memo, not computed again


def test_a_question_the_warming_did_not_reach_is_answered_from_the_copy_before_saying_how_old(
        app_server, db_path, monkeypatch):
    from outsignal_pipelines.store import snapshots
    from outsignal_pipelines.store.connection import _local_writes, _open

    monkeypatch.setattr(snapshots, "WARM_SECONDS_AT_MOST", 0.0)   # a run took the CPU: nothing got warmed
    monkeypatch.setattr(snapshots, "CARRY_OVER_LAGS", 30.0)       # a slow machine is not what this tests
    query = PeopleQuery(workspace="rise", seniorities=["VP"])
    first = search_people(query)
    model = snapshots.read_model_for(db_path, _open, lambda: _local_writes.get(str(db_path.resolve()), 0))
    before = model._current
    with connect() as con:
        person_id = con.execute("SELECT min(id) FROM people").fetchall()[0][0]
    writer = mp.get_context("spawn").Process(target=_rename, args=(str(db_path), person_id, "Carriedover"))
    writer.start()
    writer.join(60)
    assert writer.exitcode == 0
    written = time.monotonic()
    while model._current is before:
        assert time.monotonic() - written < 2 * LAG + 8, "the refresher made no new copy"
        time.sleep(0.05)
    again = search_people(query)
    assert len(app_server) == 1                           # answered at once, not computed on the new copy
    assert again.rows.equals(first.rows)
    assert first.as_of <= again.as_of < model._current.as_of   # and the page says how old its data is
