"""People search over the lead_search model. User text only ever reaches SQL as a bound parameter;
filters are whitelisted column comparisons built here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from outsignal_pipelines.domain.vocabulary import EMAIL_STATUSES, SENIORITIES, VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.store import connect

MAX_PAGE_SIZE = 500
ENRICHMENT_STATUSES = ("full", "partial", "missing")
SORTS = {
    "name": "last_name NULLS LAST, first_name NULLS LAST, person_id",
    "newest": "created_at DESC, person_id DESC",
    "company": "company_name NULLS LAST, person_id",
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
    sort: str = "name"
    page: int = 1
    page_size: int = 50


@dataclass
class PeoplePage:
    total: int
    page: int
    page_size: int
    rows: pl.DataFrame

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


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


def _where(q: PeopleQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if q.text and q.text.strip():
        needle = q.text.strip().lower()
        clauses.append(
            "(contains(lower(coalesce(full_name, '')), ?) OR contains(coalesce(email, ''), ?)"
            " OR contains(lower(coalesce(company_name, '')), ?) OR contains(lower(coalesce(job_title, '')), ?))"
        )
        params += [needle] * 4
    if q.workspace:
        clauses.append("person_id IN (SELECT person_id FROM person_workspaces WHERE workspace_slug = ?)")
        params.append(q.workspace)
    if q.verticals:
        clauses.append("list_contains(?, vertical)")
        params.append(q.verticals)
    if q.seniorities:
        clauses.append("list_contains(?, seniority)")
        params.append(q.seniorities)
    if q.enrichment_status:
        clauses.append("enrichment_status = ?")
        params.append(q.enrichment_status)
    if q.email_status:
        clauses.append("email_status = ?")
        params.append(q.email_status)
    if q.has_verified_email is not None:
        clauses.append("has_verified_email = ?")
        params.append(q.has_verified_email)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search_people(q: PeopleQuery) -> PeoplePage:
    _validate(q)
    where, params = _where(q)
    columns = ", ".join(RESULT_COLUMNS)
    offset = (q.page - 1) * q.page_size
    with connect() as con:
        total = con.execute(f"SELECT count(*) FROM lead_search{where}", params).fetchall()[0][0]
        rows = con.sql(
            f"SELECT {columns} FROM lead_search{where} ORDER BY {SORTS[q.sort]} LIMIT {int(q.page_size)} OFFSET {int(offset)}",
            params=params,
        ).pl() if params else con.sql(
            f"SELECT {columns} FROM lead_search ORDER BY {SORTS[q.sort]} LIMIT {int(q.page_size)} OFFSET {int(offset)}"
        ).pl()
    return PeoplePage(total=total, page=q.page, page_size=q.page_size, rows=rows)
