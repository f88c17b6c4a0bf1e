"""On the app server's read copy, people search answers its filters from columns held in memory
(operations/search_columns.py) and a list's text search from the list's rows kept for the copy. The
answers are the same as the SQL on the live store, filter by filter, sort by sort and page by page; the
columns go with the copy, so a change shows with the next copy. Correctness only, never timings."""

from __future__ import annotations

import pytest

from outsignal_pipelines.operations import search, search_columns
from outsignal_pipelines.operations.lists import add_people, create_list, resolve_list
from outsignal_pipelines.operations.scoring import score_list
from outsignal_pipelines.operations.search import PeopleQuery, search_people
from outsignal_pipelines.store import connect, read_view, transaction


@pytest.fixture
def app_server(seeded_store, monkeypatch):
    """A seeded store with a scored list, read as the app server reads it (a copy, 1 s behind)."""
    with connect() as con:
        ids = [r[0] for r in con.execute(
            "SELECT person_id FROM person_workspaces WHERE workspace_slug = 'rise' ORDER BY person_id LIMIT 400").fetchall()]
    create_list("rise", "Columns")
    add_people("rise", "Columns", ids[::2])
    score_list("rise", "Columns")
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", "1")
    return resolve_list("rise", "Columns").id


def live(q: PeopleQuery) -> tuple[int, list[dict]]:
    """The answer of search's SQL on the live store (no copy, so no columns in memory)."""
    with connect() as con:
        assert search_columns.for_copy(con) is None
        total, rows = search._search(con, q)
    return total, rows.to_dicts()


def from_copy(q: PeopleQuery) -> tuple[int, list[dict]]:
    page = search_people(q)
    assert page.as_of is not None, "not read from the app server's copy"
    return page.total, page.rows.to_dicts()


def queries(list_id: str) -> list[PeopleQuery]:
    return [
        PeopleQuery(workspace="rise"),
        PeopleQuery(workspace="rise", page=7, page_size=20),
        PeopleQuery(workspace="outsignal", page=2),
        PeopleQuery(verticals=["B2B SaaS", "Accounting & Finance"], seniorities=["C-Suite", "VP"]),
        PeopleQuery(workspace="rise", verticals=["B2B SaaS", "Accounting & Finance"], seniorities=["C-Suite", "VP"],
                    location="london", headcount_min=50),
        PeopleQuery(headcount_min=10, headcount_max=200),
        PeopleQuery(headcount_max=20),
        PeopleQuery(workspace="rise", min_icp_score=40, sort="icp"),
        PeopleQuery(workspace="rise", sort="icp", page=2, page_size=25),
        PeopleQuery(workspace="rise", min_icp_score=0),
        PeopleQuery(workspace="myacq", has_verified_email=True, title_contains="director"),
        PeopleQuery(title_contains="cto"),
        PeopleQuery(title_any=["vp sales", "founder"], enrichment_status="full"),
        PeopleQuery(email_status="valid", location="LONDON "),
        PeopleQuery(has_verified_email=False, company="a"),
        PeopleQuery(location="no such place anywhere"),
        PeopleQuery(in_list=list_id),
        PeopleQuery(in_list=list_id, workspace="rise", sort="icp"),
        PeopleQuery(workspace="rise", not_in_list=list_id, seniorities=["VP"]),
        PeopleQuery(text="smith", workspace="rise"),
        PeopleQuery(text="james smith", seniorities=["VP", "Director", "Manager"]),
        PeopleQuery(text="a", in_list=list_id, workspace="rise"),
        PeopleQuery(workspace="rise", page=10_000),
    ]


def test_every_filter_and_sort_gives_the_same_page_and_total_as_the_sql(app_server):
    for q in queries(app_server):
        assert from_copy(q) == live(q), q


def test_a_search_in_a_list_gives_the_same_page_and_total_as_the_sql(app_server):
    with connect() as con:
        texts = [r[0] for r in con.execute(
            "SELECT DISTINCT lower(left(last_name, 3)) FROM people ORDER BY 1 LIMIT 8").fetchall()]
    for text in [*texts, "a", "vp", "cto", "zzzz", "j s", "@"]:
        for page in (1, 2):
            q = PeopleQuery(text=text, in_list=app_server, page=page, page_size=15)
            assert from_copy(q) == live(q), q


def test_the_copy_keeps_its_columns_and_the_next_copy_sees_a_change(app_server, monkeypatch):
    q = PeopleQuery(workspace="rise", seniorities=["VP"], sort="icp")
    before = from_copy(q)
    with read_view() as view:
        columns = search_columns.for_copy(view.con)
        assert columns is not None and ("workspace", "rise") in columns._parts
    with connect() as con:
        someone = con.execute("""SELECT person_id FROM person_workspaces WHERE workspace_slug = 'myacq'
                                 AND person_id NOT IN (SELECT person_id FROM person_workspaces
                                                       WHERE workspace_slug = 'rise') LIMIT 1""").fetchall()[0][0]
    with transaction() as con:   # this process's own write: the next search reads a new copy
        con.execute("INSERT INTO person_workspaces (person_id, workspace_slug, source) VALUES (?, 'rise', 'test')",
                    [someone])
        con.execute("UPDATE people SET seniority = 'VP', updated_at = now() WHERE id = ?", [someone])
    after = from_copy(q)
    assert after[0] == before[0] + 1
    assert after == live(q)


def test_an_empty_store_answers_every_filter_with_nothing(store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", "1")
    for q in (PeopleQuery(workspace="rise", sort="icp"), PeopleQuery(headcount_min=5, title_contains="cto"),
              PeopleQuery(location="london", page=3)):
        page = search_people(q)
        assert page.total == 0 and page.rows.is_empty() and page.as_of is not None
        assert list(page.rows.columns) == [*search.RESULT_COLUMNS, "icp_score"]


def test_the_row_cache_reads_only_rows_it_does_not_hold_and_stays_bounded():
    reads: list[list[int]] = []

    def read(ids: list[int]) -> list[tuple]:
        reads.append(ids)
        return [(i, f"row {i}") for i in ids if i != 99]   # 99 is nobody

    cache = search_columns.RowCache(capacity=3)
    assert cache.rows([1, 2, 99], read) == {1: (1, "row 1"), 2: (2, "row 2")}
    assert cache.rows([2, 1, 3], read) == {1: (1, "row 1"), 2: (2, "row 2"), 3: (3, "row 3")}
    assert reads == [[1, 2, 99], [3]]
    cache.rows([4], read)               # over capacity: the least recently used (2) goes
    cache.rows([2, 4], read)
    assert reads[-1] == [2]


def _touch(db: str) -> None:   # another process: a pipeline's commit
    import os

    os.environ["OUTSIGNAL_DB"] = db
    with transaction() as con:
        con.execute("UPDATE people SET updated_at = now() WHERE id = (SELECT min(id) FROM people)")


def test_a_copy_the_store_has_moved_on_from_builds_nothing_and_answers_by_sql(app_server, db_path, monkeypatch):
    import multiprocessing as mp

    monkeypatch.setenv("OUTSIGNAL_SEARCH_LAG_SECONDS", "30")   # the copy serves on after the commit
    search_people(PeopleQuery(text="a"))                      # the copy is made
    writer = mp.get_context("spawn").Process(target=_touch, args=(str(db_path),))
    writer.start()
    writer.join(60)
    assert writer.exitcode == 0
    q = PeopleQuery(workspace="myacq", seniorities=["VP"], sort="icp")
    assert from_copy(q) == live(q)
    with read_view() as view:
        columns = search_columns.for_copy(view.con)
        assert columns is not None and not any(key[0] in ("workspace", "coded") for key in columns._parts
                                               if isinstance(key, tuple))
