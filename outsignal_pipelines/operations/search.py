"""People search. User text only ever reaches SQL as a bound parameter; filters are whitelisted
column comparisons built here and nowhere else.

Filters and counts run on stg_people (people only, no join: measured ~130 ms saved per query on a
million people); company facts and ICP scores are joined for the page's rows only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from outsignal_pipelines.domain.titles import title_prefilter_words, title_word_pattern, word_prefix_pattern
from outsignal_pipelines.domain.vocabulary import EMAIL_STATUSES, SENIORITIES, VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.store import read_connect

MAX_PAGE_SIZE = 500
ENRICHMENT_STATUSES = ("full", "partial", "missing")
SORTS = {
    "newest": "p.person_id DESC",
    "name": "p.last_name NULLS LAST, p.first_name NULLS LAST, p.person_id",
    "company": "p.company_name NULLS LAST, p.person_id",
    "icp": "s.score DESC NULLS LAST, p.person_id",
}
RESULT_COLUMNS = (
    "person_id", "full_name", "email", "email_status", "job_title", "seniority", "company_name",
    "company_domain", "vertical", "headcount", "location", "country", "linkedin_url", "enrichment_status",
)



@dataclass
class PeopleQuery:
    text: str | None = None
    workspace: str | None = None
    verticals: list[str] = field(default_factory=list)
    seniorities: list[str] = field(default_factory=list)
    enrichment_status: str | None = None
    email_status: str | None = None
    has_verified_email: bool | None = None
    title_contains: str | None = None
    title_any: list[str] = field(default_factory=list)   # title contains any of these (OR)
    location: str | None = None
    company: str | None = None
    headcount_min: int | None = None
    headcount_max: int | None = None
    min_icp_score: int | None = None        # needs a workspace: scores are per workspace
    in_list: str | None = None              # list id
    not_in_list: str | None = None          # list id
    typo_tolerant: bool = False             # free text matching nothing: try the words one typo away
    sort: str = "newest"
    page: int = 1
    page_size: int = 50


@dataclass
class PeoplePage:
    total: int
    page: int
    page_size: int
    rows: pl.DataFrame
    as_of: datetime | None = None   # when read from the app server's copy of the store: how fresh it is

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def freshness(as_of: datetime | None) -> str:
    """What a page says about how fresh its search results are."""
    if as_of is None:
        return "live data"
    from datetime import timezone

    seconds = max(0, int((datetime.now(timezone.utc) - as_of).total_seconds()))
    return "up to date" if seconds < 1 else f"data from {seconds} s ago"


def _validate(q: PeopleQuery) -> None:
    bad = [v for v in q.verticals if v not in VERTICALS]
    if bad:
        raise OperationError(f"unknown vertical(s) {bad}; choose from {', '.join(VERTICALS)}")
    bad = [s for s in q.seniorities if s not in SENIORITIES]
    if bad:
        raise OperationError(f"unknown seniority {bad}; choose from {', '.join(SENIORITIES)}")
    if q.enrichment_status and q.enrichment_status not in ENRICHMENT_STATUSES:
        raise OperationError(f"enrichment status must be one of {', '.join(ENRICHMENT_STATUSES)}")
    if q.email_status and q.email_status not in EMAIL_STATUSES:
        raise OperationError(f"email status must be one of {', '.join(EMAIL_STATUSES)}")
    if q.sort not in SORTS:
        raise OperationError(f"sort must be one of {', '.join(SORTS)}")
    if q.page < 1 or not 1 <= q.page_size <= MAX_PAGE_SIZE:
        raise OperationError(f"page must be ≥ 1 and page size between 1 and {MAX_PAGE_SIZE}")
    if (q.min_icp_score is not None or q.sort == "icp") and not q.workspace:
        raise OperationError("ICP scores belong to a workspace: choose a workspace to filter or sort by score")
    if q.min_icp_score is not None and not 0 <= q.min_icp_score <= 100:
        raise OperationError("the minimum ICP score must be between 0 and 100")
    if q.headcount_min is not None and q.headcount_max is not None and q.headcount_min > q.headcount_max:
        raise OperationError("the headcount range is empty (minimum above maximum)")


def _title_clause(terms: list[str]) -> tuple[str, list[Any]]:
    """Titles with any of the terms as whole words; text without a word in it (only punctuation)
    matches no title."""
    pattern = title_word_pattern(terms)
    if pattern is None:
        return "FALSE", []
    # A plain substring scan first (ILIKE: ~8x cheaper than the regular expression on 1M titles); the
    # words hold only letters, digits, '&' and "'", so they match literally.
    words = title_prefilter_words(terms)
    prefilter = " OR ".join("p.job_title ILIKE ?" for _ in words)
    return (f"(({prefilter}) AND regexp_matches(lower(p.job_title), ?))",
            [f"%{w}%" for w in words] + [pattern])


def _text_clause(needle: str) -> tuple[str, list[Any]]:
    """Free text: a word prefix of the name, email or company ("smi" finds Smith, "acme" finds
    jo@acme.com), or whole words of the title with their abbreviations ("cto"). Never a match inside a
    word: "cto" finds neither "Director" nor "Swift Contractors"."""
    columns = ["p.first_name", "p.last_name", "p.email", "p.company_name"]
    if " " in needle:
        columns.append("p.full_name")
    prefix = word_prefix_pattern(needle)
    if any(ch in needle for ch in "%_\\"):
        # Text with LIKE wildcards is pre-filtered literally by contains() (slower, and rare).
        prefilter, literal = "contains(lower({c}), ?)", needle
    else:
        # ILIKE is the fastest case-insensitive scan here (measured 49 ms vs 65 ms on 1M people); the
        # regular expression then only reads the rows that contain the text somewhere.
        prefilter, literal = "{c} ILIKE ?", f"%{needle}%"
    parts, params = [], []
    for c in columns:
        parts.append(f"({prefilter.format(c=c)} AND regexp_matches(lower({c}), ?))")
        params += [literal, prefix]
    title, title_params = _title_clause([needle])
    parts.append(title)
    params += title_params
    return "(" + " OR ".join(parts) + ")", params


def _where(q: PeopleQuery) -> tuple[str, list[Any]]:
    """WHERE over stg_people aliased p."""
    clauses: list[str] = []
    params: list[Any] = []
    if q.text and q.text.strip():
        clause, text_params = _text_clause(q.text.strip().lower())
        clauses.append(clause)
        params += text_params
    if q.workspace:
        clauses.append("p.person_id IN (SELECT person_id FROM person_workspaces WHERE workspace_slug = ?)")
        params.append(q.workspace)
    if q.verticals:
        clauses.append("list_contains(?, p.vertical)")
        params.append(q.verticals)
    if q.seniorities:
        clauses.append("list_contains(?, p.seniority)")
        params.append(q.seniorities)
    if q.enrichment_status:
        clauses.append("p.enrichment_status = ?")
        params.append(q.enrichment_status)
    if q.email_status:
        clauses.append("p.email_status = ?")
        params.append(q.email_status)
    if q.has_verified_email is not None:
        clauses.append("p.has_verified_email = ?")
        params.append(q.has_verified_email)
    for column, value in (("p.location", q.location), ("p.company_name", q.company)):
        if value and value.strip():
            clauses.append(f"contains(lower(coalesce({column}, '')), ?)")
            params.append(value.strip().lower())
    # Whole words and known abbreviations: "cto" finds "Chief Technology Officer", never "Director".
    if q.title_contains and q.title_contains.strip():
        clause, title_params = _title_clause([q.title_contains])
        clauses.append(clause)
        params += title_params
    if any(t.strip() for t in q.title_any):
        clause, title_params = _title_clause(q.title_any)  # any of them (OR)
        clauses.append(clause)
        params += title_params
    if q.headcount_min is not None or q.headcount_max is not None:
        clauses.append("p.company_domain IN (SELECT domain FROM companies WHERE headcount BETWEEN ? AND ?)")
        params += [int(q.headcount_min or 0), int(q.headcount_max if q.headcount_max is not None else 2**31 - 1)]
    if q.min_icp_score is not None:
        clauses.append("p.person_id IN (SELECT person_id FROM icp_scores WHERE workspace_slug = ? AND score >= ?)")
        params += [q.workspace, int(q.min_icp_score)]
    if q.in_list:
        clauses.append("p.person_id IN (SELECT person_id FROM target_list_members WHERE list_id = ?)")
        params.append(q.in_list)
    if q.not_in_list:
        clauses.append("p.person_id NOT IN (SELECT person_id FROM target_list_members WHERE list_id = ?)")
        params.append(q.not_in_list)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def matching_ids_sql(q: PeopleQuery) -> tuple[str, list[Any]]:
    """SQL + params selecting the person_id of every match ("select all N matching")."""
    _validate(q)
    where, params = _where(q)
    return f"SELECT p.person_id FROM stg_people p{where}", params


_PAGE_COLUMNS = """page.person_id, page.full_name, page.email, page.email_status, page.job_title, page.seniority,
       page.company_name, page.company_domain, page.vertical, c.headcount, page.location, page.country,
       page.linkedin_url, page.enrichment_status, page.icp_score"""


def search_people(q: PeopleQuery) -> PeoplePage:
    """One page of matches plus the total. With a workspace, rows carry that workspace's ICP score.

    With filters, the matches are computed once (a materialised CTE) and both counted and paged from
    it: one scan of the people instead of two."""
    _validate(q)
    where, params = _where(q)
    offset = (q.page - 1) * q.page_size
    score_join = "LEFT JOIN icp_scores s ON s.person_id = p.person_id AND s.workspace_slug = ?" if q.workspace else ""
    score_expr = "s.score" if q.workspace else "NULL::INTEGER"
    score_params = [q.workspace] if q.workspace else []
    order = SORTS[q.sort]
    outer_order = order.replace("p.", "page.").replace("s.score", "page.icp_score")
    limit = f"LIMIT {int(q.page_size)} OFFSET {int(offset)}"
    with read_connect() as (con, as_of):
        if where:
            sql = f"""
                WITH m AS MATERIALIZED (SELECT p.person_id FROM stg_people p{where}),
                page AS (SELECT p.*, {score_expr} AS icp_score FROM stg_people p
                         {score_join} WHERE p.person_id IN (SELECT person_id FROM m) ORDER BY {order} {limit})
                SELECT {_PAGE_COLUMNS}, (SELECT count(*) FROM m) AS _total
                FROM page LEFT JOIN companies c ON c.domain = page.company_domain ORDER BY {outer_order}"""
            rows = con.sql(sql, params=params + score_params).pl()
            if rows.height:
                total = int(rows["_total"][0])
            else:
                total = con.execute(f"SELECT count(*) FROM stg_people p{where}", params).fetchall()[0][0]
            rows = rows.drop("_total")
        else:
            total = con.execute("SELECT count(*) FROM stg_people").fetchall()[0][0]
            sql = f"""
                WITH page AS (SELECT p.*, {score_expr} AS icp_score FROM stg_people p {score_join}
                              ORDER BY {order} {limit})
                SELECT {_PAGE_COLUMNS} FROM page LEFT JOIN companies c ON c.domain = page.company_domain
                ORDER BY {outer_order}"""
            rows = con.sql(sql, params=score_params).pl()
    return PeoplePage(total=total, page=q.page, page_size=q.page_size, rows=rows, as_of=as_of)


@dataclass
class CompanyQuery:
    text: str | None = None
    verticals: list[str] = field(default_factory=list)
    headcount_min: int | None = None
    headcount_max: int | None = None
    page: int = 1
    page_size: int = 50


def search_companies(q: CompanyQuery) -> PeoplePage:
    bad = [v for v in q.verticals if v not in VERTICALS]
    if bad:
        raise OperationError(f"unknown vertical(s) {bad}")
    if q.page < 1 or not 1 <= q.page_size <= MAX_PAGE_SIZE:
        raise OperationError(f"page must be ≥ 1 and page size between 1 and {MAX_PAGE_SIZE}")
    clauses, params = [], []
    if q.text and q.text.strip():
        clauses.append("(contains(lower(coalesce(name, '')), ?) OR contains(domain, ?))")
        params += [q.text.strip().lower()] * 2
    if q.verticals:
        clauses.append("list_contains(?, industry)")
        params.append(q.verticals)
    if q.headcount_min is not None:
        clauses.append("headcount >= ?")
        params.append(int(q.headcount_min))
    if q.headcount_max is not None:
        clauses.append("headcount <= ?")
        params.append(int(q.headcount_max))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    with read_connect() as (con, as_of):
        total = con.execute(f"SELECT count(*) FROM companies{where}", params).fetchall()[0][0]
        rows = con.sql(
            f"""SELECT id AS company_id, name, domain, industry, headcount, location, country, website,
                       crawled_at IS NOT NULL AS crawled
                FROM companies{where} ORDER BY name NULLS LAST, id
                LIMIT {int(q.page_size)} OFFSET {int((q.page - 1) * q.page_size)}""", params=params).pl()
    return PeoplePage(total=total, page=q.page, page_size=q.page_size, rows=rows, as_of=as_of)
