"""Search filters (each and combined), pagination totals, hostile text, and the list operations —
checked against SQL written independently over the same demo store."""

from __future__ import annotations

import pytest

from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.lists import (
    add_people,
    add_search_results,
    create_list,
    delete_list,
    list_lists,
    remove_people,
    rename_list,
)
from outsignal_pipelines.operations.list_quality import list_summary
from outsignal_pipelines.operations.search import CompanyQuery, PeopleQuery, search_companies, search_people
from outsignal_pipelines.store import connect, transaction


def count(sql: str, params=()) -> int:
    with connect() as con:
        return con.execute(sql, list(params)).fetchall()[0][0]


def total(**kw) -> int:
    return search_people(PeopleQuery(**kw)).total


CASES = {
    # Word prefixes of names, email and company; whole words of the title.
    "text": ({"text": "SMITH"}, "SELECT count(*) FROM people WHERE regexp_matches(lower(first_name || ' ' || last_name), '(^|[^a-z])smith') "
             "OR regexp_matches(coalesce(email,''), '(^|[^a-z0-9])smith') "
             "OR regexp_matches(lower(coalesce(company_name,'')), '(^|[^a-z0-9])smith') "
             "OR regexp_matches(lower(coalesce(job_title,'')), '(^|[^a-z0-9])smith([^a-z0-9]|$)')"),
    "workspace": ({"workspace": "rise"}, "SELECT count(*) FROM person_workspaces WHERE workspace_slug = 'rise'"),
    "verticals (OR)": ({"verticals": ["B2B SaaS", "Insurance"]},
                       "SELECT count(*) FROM people WHERE vertical IN ('B2B SaaS', 'Insurance')"),
    "seniority": ({"seniorities": ["VP"]}, "SELECT count(*) FROM people WHERE seniority = 'VP'"),
    "title": ({"title_contains": "Director"},
              "SELECT count(*) FROM people WHERE regexp_matches(lower(job_title), '(^|[^a-z])director([^a-z]|$)')"),
    "location": ({"location": "london"}, "SELECT count(*) FROM people WHERE contains(lower(location), 'london')"),
    "company": ({"company": "labs"}, "SELECT count(*) FROM people WHERE contains(lower(company_name), 'labs')"),
    "headcount": ({"headcount_min": 50, "headcount_max": 200},
                  "SELECT count(*) FROM people p JOIN companies c ON c.domain = p.company_domain WHERE c.headcount BETWEEN 50 AND 200"),
    "email status": ({"email_status": "catch_all"}, "SELECT count(*) FROM people WHERE email_status = 'catch_all'"),
    "verified": ({"has_verified_email": True}, "SELECT count(*) FROM people WHERE email_status = 'valid'"),
    "enrichment missing": ({"enrichment_status": "missing"},
                           "SELECT count(*) FROM people WHERE email IS NULL AND linkedin_url IS NULL"),
    "in list": ({"in_list": "rise.rise-q1"}, "SELECT count(*) FROM target_list_members WHERE list_id = 'rise.rise-q1'"),
    "not in list": ({"not_in_list": "rise.rise-q1"},
                    "SELECT count(*) FROM people WHERE id NOT IN (SELECT person_id FROM target_list_members WHERE list_id = 'rise.rise-q1')"),
    "combined": ({"workspace": "rise", "seniorities": ["C-Suite", "VP"], "has_verified_email": True, "location": "uk"},
                 "SELECT count(*) FROM people p JOIN person_workspaces w ON w.person_id = p.id AND w.workspace_slug = 'rise' "
                 "WHERE p.seniority IN ('C-Suite', 'VP') AND p.email_status = 'valid' AND contains(lower(p.location), 'uk')"),
}


@pytest.mark.parametrize("name", CASES)
def test_each_filter_matches_an_independent_count(seeded_store, name):
    query, sql = CASES[name]
    expected = count(sql)
    assert expected > 0, "the case should match someone"
    assert total(**query) == expected


def test_min_icp_score_needs_a_workspace_and_filters_by_that_workspace(seeded_store):
    from outsignal_pipelines.operations.scoring import score_list

    score_list("rise", "Rise Q1")
    assert total(workspace="rise", min_icp_score=70) == count(
        "SELECT count(*) FROM icp_scores WHERE workspace_slug = 'rise' AND score >= 70")
    with pytest.raises(OperationError, match="workspace"):
        total(min_icp_score=70)
    page = search_people(PeopleQuery(workspace="rise", sort="icp", page_size=5))
    assert page.rows["icp_score"].to_list() == sorted(page.rows["icp_score"].to_list(), reverse=True)


def test_pagination_covers_every_match_exactly_once(seeded_store):
    query = PeopleQuery(workspace="rise", page_size=97)
    first = search_people(query)
    seen = []
    for page in range(1, first.pages + 1):
        query.page = page
        seen += search_people(query).rows["person_id"].to_list()
    assert len(seen) == len(set(seen)) == first.total
    query.page = first.pages + 5
    assert search_people(query).rows.is_empty()


@pytest.mark.parametrize("hostile", ["'; DROP TABLE people;--", "%", "_", "\\", "' OR 1=1 --", "{{ ref('x') }}",
                                     "\x00", "é" * 500])
def test_injection_strings_are_plain_text(seeded_store, hostile):
    assert total(text=hostile) == 0
    assert total(text=hostile, company=hostile, location=hostile, title_contains=hostile) == 0
    assert count("SELECT count(*) FROM people") == 3000


@pytest.mark.parametrize("bad", [{"verticals": ["Fintech"]}, {"seniorities": ["Boss"]}, {"sort": "random()"},
                                 {"page": 0}, {"page_size": 100000}, {"headcount_min": 10, "headcount_max": 5},
                                 {"enrichment_status": "half"}])
def test_invalid_filters_are_refused_clearly(seeded_store, bad):
    with pytest.raises(OperationError):
        search_people(PeopleQuery(**bad))


def test_company_search(seeded_store):
    result = search_companies(CompanyQuery(text="labs", verticals=["B2B SaaS"], headcount_min=10))
    assert result.total == count("SELECT count(*) FROM companies WHERE (contains(lower(name), 'labs') OR contains(domain, 'labs')) "
                                 "AND industry = 'B2B SaaS' AND headcount >= 10") > 0


def test_lists_create_is_idempotent_and_names_are_plain(seeded_store):
    first, created = create_list("rise", "Q2 '); DROP TABLE target_lists;--")
    again, created_again = create_list("rise", "Q2 '); DROP TABLE target_lists;--")
    assert created and not created_again and first.id == again.id
    other, _ = create_list("lime-recruitment", "Q2 '); DROP TABLE target_lists;--")
    assert other.id != first.id  # the same name in another workspace is another list
    assert {t.name for t in list_lists("rise")} >= {"Rise Q1", "Q2 '); DROP TABLE target_lists;--"}


def test_add_by_ids_and_by_search_then_remove_rename_delete(seeded_store):
    create_list("rise", "Build")
    ids = [r[0] for r in connect_rows("SELECT id FROM people ORDER BY id LIMIT 5")]
    assert add_people("rise", "Build", ids + [99_999_999]) == {"added": 5, "already_on_list": 0, "unknown_ids": 1}
    assert add_people("rise", "Build", ids[:2])["already_on_list"] == 2
    query = PeopleQuery(workspace="rise", seniorities=["VP"])
    matched = search_people(query).total
    outcome = add_search_results("rise", "Build", query)
    assert outcome["matched"] == matched and outcome["added"] + outcome["already_on_list"] == matched
    assert remove_people("rise", "Build", ids[:3]) == 3
    renamed = rename_list("rise", "Build", "Built")
    assert renamed.name == "Built" and renamed.id == "rise.build"  # the partition key survives a rename
    with pytest.raises(OperationError, match="already has a list"):
        rename_list("rise", "Built", "Rise Q1")
    people_before = count("SELECT count(*) FROM people")
    delete_list("rise", "Built")
    assert count("SELECT count(*) FROM people") == people_before
    assert count("SELECT count(*) FROM target_list_members WHERE list_id = 'rise.build'") == 0
    with pytest.raises(NotFound):
        list_summary("rise", "Built")


def test_a_list_of_another_workspace_is_not_found(seeded_store):
    with pytest.raises(NotFound):
        add_people("lime-recruitment", "Rise Q1", [1])


def test_list_summary(seeded_store):
    summary = list_summary("rise", "Rise Q1")
    assert summary["members"] == 200 and 0 < summary["email_coverage"] <= 1
    assert sum(summary["verticals"].values()) == 200 and summary["icp_bands"]["unscored"] == 200


def connect_rows(sql: str):
    with transaction() as con:
        return con.execute(sql).fetchall()


TITLE_PEOPLE = [  # (first, last, title, company)
    ("Ada", "Byron", "CTO", "Ledgerly"),
    ("Alan", "Turing", "Chief Technology Officer", "Enigma Labs"),
    ("Grace", "Hopper", "Co-founder & CTO", "Cobol Co"),
    ("Mary", "Smith", "Managing Director", "Swift Contractors"),
    ("Hector", "Vance", "Director of Engineering", "Factory Ltd"),
    ("Olu", "Ade", "Sr. Mgr, Ops", "Northwind"),
]


@pytest.fixture
def titled_people(workspace):
    with transaction() as con:
        for i, (first, last, title, company) in enumerate(TITLE_PEOPLE, start=1):
            con.execute("INSERT INTO people (id, first_name, last_name, job_title, company_name, email) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [i, first, last, title, company, f"{first.lower()}@x{i}.example"])
    return {first: i for i, (first, *_rest) in enumerate(TITLE_PEOPLE, start=1)}


def names(**kw) -> set[str]:
    return set(search_people(PeopleQuery(**kw)).rows["full_name"].to_list())


def test_cto_matches_whole_words_and_the_written_out_title_only(titled_people):
    """"cto" used to match inside words: 2,104 people including Directors and "Swift Contractors"."""
    expected = {"Ada Byron", "Alan Turing", "Grace Hopper"}
    assert names(text="cto") == expected
    assert names(title_contains="CTO") == expected          # `--title CTO` returned Managing Directors
    assert names(title_contains="chief technology officer") == expected
    assert names(title_any=["cto"]) == expected


@pytest.mark.parametrize("title, expected", [
    ("director", {"Mary Smith", "Hector Vance"}),           # a whole word, wherever it stands
    ("managing director", {"Mary Smith"}),
    ("operations manager", set()),                          # words in that order only
    ("senior manager operations", {"Olu Ade"}),             # abbreviations written out: "Sr. Mgr, Ops"
    ("ops", {"Olu Ade"}),
    ("engineer", set()),                                    # never a prefix of a longer word
])
def test_title_search_reads_words_and_abbreviations(titled_people, title, expected):
    assert names(title_contains=title) == expected


def test_name_and_company_text_keeps_prefix_matching(titled_people):
    assert names(text="smi") == {"Mary Smith"}              # the start of a name
    assert names(text="swift contr") == {"Mary Smith"}      # the start of a company's words
    assert names(text="contractors") == {"Mary Smith"}
    assert names(text="ector") == set()                     # never inside a word ("Hector", "Director")
    assert names(text="hector") == {"Hector Vance"}
    assert names(text="x3.example") == {"Grace Hopper"}     # an email's domain is a word start
