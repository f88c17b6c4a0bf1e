"""People search, and the one translation of search flags into a PeopleQuery (`lists add` reuses it
so a list gets exactly the people the same search shows)."""

from __future__ import annotations

import typer
from rich.table import Table

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, out
from outsignal_pipelines.operations import OperationError

app = typer.Typer()


def people_query(text, workspace, vertical, seniority, title, location, company, headcount_min, headcount_max,
                 email_status, verified, min_icp, in_list, not_in_list, enrichment, sort, page, page_size):
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.search import PeopleQuery

    def list_id(name):
        if not name:
            return None
        if not workspace:
            raise OperationError("--in-list/--not-in-list need --workspace (lists belong to a workspace)")
        return resolve_list(workspace, name).id

    return PeopleQuery(text=text or None, workspace=workspace, verticals=vertical or [], seniorities=seniority or [],
                       title_contains=title, location=location, company=company, headcount_min=headcount_min,
                       headcount_max=headcount_max, email_status=email_status, has_verified_email=verified,
                       min_icp_score=min_icp, in_list=list_id(in_list), not_in_list=list_id(not_in_list),
                       enrichment_status=enrichment, sort=sort, page=page, page_size=page_size)


TextArg = typer.Argument(None, help="Free text over name, email, company and title.")
WsOpt = typer.Option(None, "--workspace", "-w", help="Workspace slug.")
VerticalOpt = typer.Option(None, "--vertical", help="Vertical (repeatable).")
SeniorityOpt = typer.Option(None, "--seniority", help="Seniority (repeatable).")


@app.command()
def search(
    text: str = TextArg, workspace: str = WsOpt, vertical: list[str] = VerticalOpt, seniority: list[str] = SeniorityOpt,
    title: str = typer.Option(None, "--title", help="Title contains."),
    location: str = typer.Option(None, "--location", help="Location contains."),
    company: str = typer.Option(None, "--company", help="Company contains."),
    headcount_min: int = typer.Option(None, "--headcount-min"), headcount_max: int = typer.Option(None, "--headcount-max"),
    email_status: str = typer.Option(None, "--email-status", help="valid | catch_all | risky | invalid | unknown"),
    verified: bool = typer.Option(None, "--verified/--not-verified", help="Has a verified (valid) email."),
    min_icp: int = typer.Option(None, "--min-icp", help="Minimum ICP score (needs --workspace)."),
    in_list: str = typer.Option(None, "--in-list", help="Member of this list (needs --workspace)."),
    not_in_list: str = typer.Option(None, "--not-in-list", help="Not a member of this list (needs --workspace)."),
    enrichment: str = typer.Option(None, "--enrichment", help="full | partial | missing"),
    sort: str = typer.Option("name", "--sort", help="name | newest | company | icp"),
    page: int = typer.Option(1, "--page"), page_size: int = typer.Option(25, "--page-size"),
    as_json: bool = JsonOpt,
) -> None:
    """Search people (filters combine with AND; repeated values of one filter with OR)."""
    from outsignal_pipelines.operations.search import search_people
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        query = people_query(text, workspace, vertical, seniority, title, location, company, headcount_min,
                             headcount_max, email_status, verified, min_icp, in_list, not_in_list, enrichment,
                             sort, page, page_size)
        result = search_people(query)
    if as_json:
        _emit(True, {"total": result.total, "page": result.page, "pages": result.pages,
                     "results": result.rows.to_dicts()}, lambda: None)
        return
    table = Table("id", "name", "title", "company", "email", "status", "ICP")
    for r in result.rows.iter_rows(named=True):
        table.add_row(str(r["person_id"]), r["full_name"] or "", r["job_title"] or "", r["company_name"] or "",
                      r["email"] or "", r["email_status"] or "", "" if r["icp_score"] is None else str(r["icp_score"]))
    out.print(table)
    out.print(f"{result.total:,} match · page {result.page} of {result.pages}")
