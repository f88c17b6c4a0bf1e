"""The word index behind free-text search (operations/search_index.py) gives the same ids and totals
as the plain scan, is kept up to date by every operation that writes people, is built for existing
rows by its migration, and adds prefix and typo-tolerant matching. Correctness only, never timings."""

from __future__ import annotations

import random

import pytest

from outsignal_pipelines.operations.enrichment.ledger import Merge, _commit
from outsignal_pipelines.operations.imports import import_leads
from outsignal_pipelines.operations.search import PeopleQuery, _indexed_text, matching_ids_sql, search_people
from outsignal_pipelines.operations.search_index import index_is_current
from outsignal_pipelines.store import connect, transaction


def scanned(q: PeopleQuery) -> tuple[int, list[int]]:
    """Total and the page's ids by the plain scan (matching_ids_sql never reads the index)."""
    sql, params = matching_ids_sql(q)
    with connect() as con:
        ids = [r[0] for r in con.execute(f"SELECT person_id FROM ({sql}) ORDER BY person_id DESC", params).fetchall()]
    start = (q.page - 1) * q.page_size
    return len(ids), ids[start:start + q.page_size]


def searched(q: PeopleQuery) -> tuple[int, list[int]]:
    page = search_people(q)
    return page.total, page.rows["person_id"].to_list()


def uses_index(q: PeopleQuery) -> bool:
    with connect() as con:
        return _indexed_text(con, q) is not None


def _corpus() -> list[str]:
    """Random pieces of real names, emails, companies and titles of the seeded store, plus hard cases."""
    rng = random.Random(19)
    with connect() as con:
        rows = con.execute("SELECT first_name, last_name, email, company_name, job_title FROM people "
                           "ORDER BY id").fetchall()
    picked = rng.sample(rows, 10)
    texts = []
    for first, last, email, company, title in picked:
        for value in (first, last, email, company, title):
            if value:
                start = rng.randrange(len(value))
                texts.append(value[start:start + rng.randint(1, 6)])   # any substring, also mid-word
                texts.append(value[:rng.randint(1, len(value))])       # a prefix
        if first and last:
            texts.append(f"{first} {last}")
            texts.append(f"{first} {last[:2]}")
    texts += ["smith", "smi", "s", "a", "james smith", "cto", "chief technology officer", "vp sales",
              "director", "head of", "r&d", "o'", "@", ".com", "-", "%", "_a", "zoë", "ZZZZNOBODY", "  Smith  "]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def test_free_text_gives_the_scans_ids_and_totals_for_a_corpus(seeded_store):
    corpus = _corpus()
    indexed = 0
    for text in corpus:
        q = PeopleQuery(text=text)
        indexed += uses_index(q)
        assert searched(q) == scanned(q), text
    assert indexed >= len(corpus) * 0.7   # the index answered most of them (the rest: non-ASCII, punctuation)


@pytest.mark.parametrize("extra", [
    {"workspace": "rise"},
    {"workspace": "rise", "verticals": ["B2B SaaS", "Insurance"], "seniorities": ["C-Suite", "VP", "Director"]},
    {"in_list": "rise.rise-q1"},
    {"has_verified_email": True, "sort": "name"},
    {"workspace": "outsignal", "sort": "icp"},
    {"page": 3, "page_size": 20},
    {"page": 40},
])
def test_text_with_filters_sorts_and_deep_pages_matches_the_scan(seeded_store, extra):
    for text in ("smith", "james smith", "cto"):
        q = PeopleQuery(text=text, **extra)
        total, ids = searched(q)
        expected_total, _ = scanned(q)
        assert total == expected_total, (text, extra)
        if extra.get("sort", "newest") == "newest":
            assert ids == scanned(q)[1], (text, extra)
        else:
            with connect() as con:
                sql, params = matching_ids_sql(q)
                everyone = {r[0] for r in con.execute(sql, params).fetchall()}
            assert set(ids) <= everyone and len(ids) == min(q.page_size, max(0, total - (q.page - 1) * q.page_size))


def test_prefix_finds_smith_from_smi_and_never_inside_a_word(seeded_store):
    q = PeopleQuery(text="smi")
    assert uses_index(q)
    page = search_people(q)
    assert page.total == scanned(q)[0] > 0
    assert page.total >= search_people(PeopleQuery(text="smith")).total > 0
    import re

    for row in page.rows.iter_rows(named=True):   # a word starts with "smi", never a match inside a word
        assert any(re.search(r"(^|[^a-z0-9])smi", (row[c] or "").lower())
                   for c in ("full_name", "email", "company_name", "job_title")), row


def test_a_typo_finds_the_word_one_letter_away_only_when_asked(seeded_store):
    assert search_people(PeopleQuery(text="smiht")).total == 0          # unchanged semantics by default
    page = search_people(PeopleQuery(text="smiht", typo_tolerant=True))
    assert page.corrected_text == "smith"
    assert page.total == search_people(PeopleQuery(text="smith")).total > 0
    exact = search_people(PeopleQuery(text="smith", typo_tolerant=True))
    assert exact.corrected_text is None                                 # text that matches is never "corrected"


def test_import_keeps_the_index_current(seeded_store, tmp_path):
    csv = tmp_path / "new.csv"
    csv.write_text("first_name,last_name,email,company,title\n"
                   "Quillon,Vantablack,quillon@zephyrcorp.example,Zephyrcorp Ltd,Chief Technology Officer\n")
    import_leads(csv, "rise")
    for text in ("quil", "vantablack", "zephyrcorp", "quillon vanta", "quillon@zephyr"):
        q = PeopleQuery(text=text)
        assert uses_index(q), text
        assert searched(q)[0] == 1 == scanned(q)[0], text
    assert uses_index(PeopleQuery(text="cto"))
    assert searched(PeopleQuery(text="cto")) == scanned(PeopleQuery(text="cto"))


def test_an_enrichment_merge_updates_the_index_in_the_same_transaction(seeded_store):
    with connect() as con:
        pid = con.execute("SELECT id FROM people WHERE email IS NULL ORDER BY id LIMIT 1").fetchall()[0][0]
    _commit([], [Merge("person", pid, fields={"email": "xerxes.plumtree@orbitalwidgets.example"})])
    q = PeopleQuery(text="orbitalwidgets")
    assert uses_index(q)
    assert searched(q) == (1, [pid]) == scanned(q)


def test_people_written_by_hand_make_search_scan_until_the_index_is_refreshed(seeded_store):
    with transaction() as con:
        con.execute("UPDATE people SET last_name = 'Handwrittenname', updated_at = current_timestamp "
                    "WHERE id = (SELECT min(id) FROM people)")
    q = PeopleQuery(text="handwritten")
    with connect() as con:
        assert not index_is_current(con)
    assert searched(q)[0] == 1 == scanned(q)[0]


def test_people_written_by_hand_stay_found_after_an_import_refreshes_other_people(seeded_store, tmp_path):
    with transaction() as con:
        con.execute("INSERT INTO people (id, first_name, last_name) VALUES (9999901, 'Handmade', 'Personson')")
    csv = tmp_path / "other.csv"
    csv.write_text("first_name,last_name,email\nOrla,Otherperson,orla@otherco.example\n")
    import_leads(csv, "rise")
    for text in ("personson", "otherperson"):
        assert searched(PeopleQuery(text=text)) == scanned(PeopleQuery(text=text)), text
        assert searched(PeopleQuery(text=text))[0] == 1, text


def test_the_migration_builds_the_index_for_existing_rows(db_path, monkeypatch):
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.store import migrations

    everything = migrations.available_migrations()
    monkeypatch.setattr(migrations, "available_migrations", lambda: [m for m in everything if m[0] < 13])
    migrations.ensure_schema()
    with transaction() as con:
        con.execute("INSERT INTO people (id, first_name, last_name, email, job_title) VALUES "
                    "(1, 'Ada', 'Lovelace', 'ada@engines.example', 'CTO'), (2, 'Alan', 'Turing', NULL, 'Head of Research')")
    monkeypatch.setattr(migrations, "available_migrations", lambda: everything)
    assert 13 in migrations.ensure_schema()
    init_store()   # the SQL models (stg_people) search reads
    with connect() as con:
        assert index_is_current(con)
        words = {r for r in con.execute("SELECT token, kind, person_id FROM person_search_tokens").fetchall()}
    assert {("ada", "n", 1), ("lovelace", "n", 1), ("engines", "n", 1), ("cto", "t", 1),
            ("research", "t", 2)} <= words
    for text in ("love", "engines", "cto", "chief technology officer", "head of research", "alan tur"):
        q = PeopleQuery(text=text)
        assert uses_index(q), text
        assert searched(q) == scanned(q), text


def test_refreshing_a_few_people_reads_only_those_people(seeded_store, tmp_path):
    """A ledger commit refreshes the words of the people it merged. Filtering people after splitting
    their words made DuckDB split every person's words (8 s per commit at a million people), so the
    plan's rows, not a clock, are checked: no operator may handle as many rows as there are people."""
    import json

    from outsignal_pipelines.operations.search_index import _refresh_words

    profile = tmp_path / "profile.json"
    with connect() as con:
        people = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
        ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT 3").fetchall()]
        con.execute("BEGIN")
        con.execute("PRAGMA enable_profiling='json'")
        con.execute(f"PRAGMA profiling_output='{profile}'")
        _refresh_words(con, ids)   # its last statement inserts the words: the profile is of that one
        plan = json.loads(profile.read_text())
        con.execute("PRAGMA disable_profiling")
        con.execute("ROLLBACK")

    def operators(node):
        yield node
        for child in node.get("children", []):
            yield from operators(child)

    rows = [op["intermediate_rows"] for top in plan["operator"] for op in operators(top)]
    assert people > 1000 and rows
    assert max(rows) < 200, f"the refresh of 3 people handled {max(rows)} rows of {people} people"


@pytest.mark.parametrize("current", [True, False])
def test_refreshing_from_a_query_gives_the_words_and_state_of_the_list_form(seeded_store, monkeypatch, current):
    """An import refreshes its people's words from a query (the ids never in Python), in slices: the
    same words and the same index state as refreshing from the list of ids."""
    from outsignal_pipelines.operations import search_index

    monkeypatch.setattr(search_index, "_SLICE", 7)   # several slices of the 40 people
    outcomes = []
    for refresh in ("list", "query"):
        with connect() as con:
            con.execute("BEGIN")
            ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id DESC LIMIT 40").fetchall()]
            con.execute("UPDATE people SET last_name = 'Zedrefreshed' || id, job_title = 'Chief Widget Officer' "
                        "WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids[::2]])
            if not current:   # a person written by hand: the index was not current before
                con.execute("INSERT INTO people (id, first_name) VALUES (9999902, 'Handmade')")
            if refresh == "list":
                search_index.refresh_search_index(con, ids)
            else:
                con.execute("CREATE TEMP TABLE chosen_ids AS SELECT unnest(?::BIGINT[]) AS id", [ids])
                search_index.refresh_search_index_from(con, "SELECT id FROM chosen_ids")
            outcomes.append((con.execute("SELECT token, kind, person_id FROM person_search_tokens "
                                         "ORDER BY ALL").fetchall(),
                             con.execute("SELECT * FROM person_search_index_state").fetchall(),
                             index_is_current(con)))
            con.execute("ROLLBACK")
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][2] is current
    assert ("zedrefreshed" + str(ids[0]), "n", ids[0]) in outcomes[1][0]
