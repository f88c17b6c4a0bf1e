"""The `outsignal` command. Every command is a thin caller of an operation; with --json it prints one
JSON object on stdout (errors too: {"error": ...} with a non-zero exit), otherwise readable text."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.sql_models import SqlModelError
from outsignal_pipelines.store.connection import StoreError

app = typer.Typer(help="Outsignal Lead Engine: the lead store, enrichment, scoring, review and deploy.",
                  no_args_is_help=True, add_completion=False)
workspace_app = typer.Typer(help="Client workspaces.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
lists_app = typer.Typer(help="Target lists: create, add people, show, rename, delete.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")
review_app = typer.Typer(help="Client review: send lists and campaign copy to the client.", no_args_is_help=True)
app.add_typer(review_app, name="review")

out = Console()
err = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print one JSON object on stdout.")


def _emit(as_json: bool, payload: dict[str, Any], human: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
    else:
        human()


@contextmanager
def _errors(as_json: bool):
    try:
        yield
    except (OperationError, StoreError, SqlModelError) as exc:
        if as_json:
            sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        else:
            err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


@contextmanager
def _progress(enabled: bool, label: str):
    """A progress bar on a terminal; a no-op callback for scripts and --json."""
    if not enabled or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


@app.command()
def init(as_json: bool = JsonOpt) -> None:
    """Create or upgrade the lead store (schema migrations + SQL models)."""
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        result = init_store()
    _emit(as_json, result.to_dict(), lambda: out.print(
        f"store {result.db} at schema version {result.schema_version} "
        f"({len(result.migrations_applied)} migrations applied, {len(result.models_built)} SQL models built)"))


@app.command("seed-demo")
def seed_demo_cmd(
    people: int = typer.Option(14_500, "--people", help="How many people to generate."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same data."),
    reset: bool = typer.Option(False, "--reset", help="Replace whatever the store holds."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the store already has people."),
    as_json: bool = JsonOpt,
) -> None:
    """Fill the store with deterministic demo data (six client workspaces, lists, ~14.5k people)."""
    from outsignal_pipelines.operations.demo_data import seed_demo
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        say = (lambda msg: err.print(f"[dim]{msg}...[/dim]")) if not as_json and sys.stderr.isatty() else None
        result = seed_demo(people=people, seed=seed, reset=reset, if_empty=if_empty, on_progress=say)
    if result.skipped:
        _emit(as_json, result.to_dict(), lambda: out.print("the store already has people; demo data not added"))
        return
    _emit(as_json, result.to_dict(), lambda: out.print(
        f"seeded {result.people:,} people ({result.people_with_email:,} with email), {result.companies:,} companies, "
        f"{result.workspaces} workspaces, lists: " + ", ".join(f"{k} ({v})" for k, v in result.lists.items())))


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="CSV export (Clay, Apollo, Sales Navigator, EmailBison, ...)."),
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace slug the people belong to."),
    list_name: str = typer.Option(None, "--list", help="Also add everyone imported to this list."),
    as_json: bool = JsonOpt,
) -> None:
    """Import leads: normalise, deduplicate, fill only empty fields, reject bad rows with reasons."""
    from outsignal_pipelines.operations.imports import import_leads
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        with _progress(not as_json, f"importing {file.name}") as on_progress:
            result = import_leads(file, workspace, list_name=list_name, on_progress=on_progress)
    if as_json:
        _emit(True, result.to_dict(), lambda: None)
        return
    out.print(f"[green]{result.inserted} inserted[/green], {result.updated} updated, {result.unchanged} unchanged, "
              f"[red]{result.rejected} rejected[/red]"
              + (f", {result.duplicates_in_file} duplicate rows merged" if result.duplicates_in_file else ""))
    if result.list_id:
        out.print(f"{result.added_to_list} added to list {list_name!r}")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")
    if result.rejects_file:
        out.print(f"rejected rows and reasons: {result.rejects_file}")


@workspace_app.command("add")
def workspace_add(
    slug: str = typer.Argument(..., help="Short id, e.g. 'acme'."),
    name: str = typer.Option(..., "--name", help="Display name."),
    icp: str = typer.Option(None, "--icp", help="ICP criteria in plain words."),
    client_email: list[str] = typer.Option(None, "--client-email", help="May sign in to the portal (repeatable)."),
    as_json: bool = JsonOpt,
) -> None:
    """Create a workspace (or update its name and criteria)."""
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.workspaces import upsert_workspace

    with _errors(as_json):
        init_store()
        ws = upsert_workspace(slug, name, icp_criteria=icp, client_emails=client_email or None)
    _emit(as_json, {"slug": ws.slug, "name": ws.name}, lambda: out.print(f"workspace {ws.slug} ({ws.name}) ready"))


@workspace_app.command("list")
def workspace_list(as_json: bool = JsonOpt) -> None:
    """Workspaces with their lead counts."""
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.stats import workspace_overview

    with _errors(as_json):
        init_store()
        rows = workspace_overview()
    if as_json:
        _emit(True, {"workspaces": rows}, lambda: None)
        return
    if not rows:
        out.print("no workspaces yet: `outsignal workspace add SLUG --name NAME` or `outsignal seed-demo`")
        return
    table = Table("slug", "name", "people", "with email", "verified", "lists")
    for r in rows:
        table.add_row(r["workspace_slug"], r["workspace_name"], f"{r['people']:,}", f"{r['with_email']:,}",
                      f"{r['verified_valid']:,}", str(r["lists"]))
    out.print(table)


@app.command()
def enrich(
    list_name: str = typer.Option(..., "--list", help="List name."),
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace slug."),
    force: bool = typer.Option(False, "--force", help="Ask providers again even when the ledger has the answer."),
    as_json: bool = JsonOpt,
) -> None:
    """Enrich a list: materialise enriched_people, company_profiles and verified_emails for its partition."""
    from outsignal_pipelines.operations.enrichment_runs import enrich_list_via_dagster
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        with _progress(not as_json, f"enriching {list_name}") as on_progress:
            summary = enrich_list_via_dagster(workspace, list_name, force=force, on_progress=on_progress)
    if as_json:
        _emit(True, summary, lambda: None)
        return
    out.print(f"{summary['people']} people: {summary['emails_found']} emails found, "
              f"{summary['verified_valid']} verified valid on the list")
    out.print(f"{summary['paid_calls']} paid calls, ${summary['cost_usd']:.4f}; "
              f"{summary['skipped_by_dedup']} answers reused from the ledger (not paid again)")
    if summary["cap_reached"]:
        err.print("[yellow]warning:[/yellow] the daily spend cap was reached; some calls were not made")
    table = Table("provider", "calls", "paid", "cost $", "found", "missed", "errors", "reused")
    for name, s in sorted(summary["by_provider"].items()):
        table.add_row(name, str(s["calls"]), str(s["paid_calls"]), f"{s['cost_usd']:.4f}", str(s["found"]),
                      str(s["not_found"]), str(s["errors"]), str(s["skipped_by_dedup"]))
    out.print(table)


@app.command()
def score(
    list_name: str = typer.Option(..., "--list", help="List name."),
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace slug."),
    force: bool = typer.Option(False, "--force", help="Score again people already scored for this workspace."),
    scorer: str = typer.Option("", "--scorer", help="rules | llm (default: llm when OUTSIGNAL_LLM_MODEL is set)."),
    as_json: bool = JsonOpt,
) -> None:
    """Score a list against its workspace's ICP (materialises icp_scores for its partition)."""
    from outsignal_pipelines.defs.scoring import icp_scores
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.pipelines import materialize_for_list
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        target = resolve_list(workspace, list_name)
        meta = materialize_for_list(target.id, [icp_scores], run_config={
            "ops": {"icp_scores": {"config": {"force": force, "scorer": scorer}}}})["icp_scores"]
    summary = {k: meta[k] for k in ("scored", "skipped_already_scored", "failed", "llm_calls", "cost_usd", "scorer")}
    summary["distribution"] = meta["distribution"]
    if as_json:
        _emit(True, summary, lambda: None)
        return
    out.print(f"{summary['scored']} scored with {summary['scorer']}, {summary['skipped_already_scored']} already "
              f"scored (skipped), {summary['failed']} failed; {summary['llm_calls']} LLM calls, ${summary['cost_usd']:.4f}")
    d = summary["distribution"]
    out.print(f"[green]≥70: {d.get('green', 0)}[/green]  [yellow]40–69: {d.get('amber', 0)}[/yellow]  "
              f"[dim]<40: {d.get('grey', 0)}[/dim]  unscored: {d.get('unscored', 0)}")


def _people_query(text, workspace, vertical, seniority, title, location, company, headcount_min, headcount_max,
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
        query = _people_query(text, workspace, vertical, seniority, title, location, company, headcount_min,
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


@lists_app.command("create")
def lists_create(name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
                 as_json: bool = JsonOpt) -> None:
    """Create a list (creating an existing name returns it)."""
    from outsignal_pipelines.operations.lists import create_list
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        target, created = create_list(workspace, name)
    _emit(as_json, {"id": target.id, "name": target.name, "workspace": target.workspace_slug, "created": created,
                    "members": target.member_count},
          lambda: out.print(f"list {target.name!r} {'created' if created else 'already exists'} ({target.id})"))


@lists_app.command("add")
def lists_add(
    name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
    ids: list[int] = typer.Option(None, "--id", help="Person id (repeatable)."),
    text: str = typer.Option(None, "--search", help="Add everyone matching this search (with the filters below)."),
    vertical: list[str] = VerticalOpt, seniority: list[str] = SeniorityOpt,
    title: str = typer.Option(None, "--title"), location: str = typer.Option(None, "--location"),
    verified: bool = typer.Option(None, "--verified/--not-verified"),
    min_icp: int = typer.Option(None, "--min-icp"),
    all_matching: bool = typer.Option(False, "--all-matching", help="Required with search filters: add all N matches."),
    as_json: bool = JsonOpt,
) -> None:
    """Add people by id, or every person matching a search."""
    from outsignal_pipelines.operations.lists import add_people, add_search_results
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        searching = any([text, vertical, seniority, title, location, verified is not None, min_icp is not None])
        if ids and searching:
            raise OperationError("give either --id or search filters, not both")
        if searching:
            if not all_matching:
                raise OperationError("adding a whole search needs --all-matching (it adds every match, not one page)")
            query = _people_query(text, workspace, vertical, seniority, title, location, None, None, None, None,
                                  verified, min_icp, None, None, None, "name", 1, 1)
            result = add_search_results(workspace, name, query)
        elif ids:
            result = add_people(workspace, name, ids)
        else:
            raise OperationError("nothing to add: give --id or search filters with --all-matching")
    _emit(as_json, result, lambda: out.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.items())))


@lists_app.command("show")
def lists_show(name: str = typer.Argument(None), workspace: str = typer.Option(..., "--workspace", "-w"),
               as_json: bool = JsonOpt) -> None:
    """A list's quality summary, or every list of the workspace when no name is given."""
    from outsignal_pipelines.operations.lists import list_lists
    from outsignal_pipelines.operations.list_quality import list_summary
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        if name is None:
            rows = [{"id": t.id, "name": t.name, "status": t.status, "members": t.member_count}
                    for t in list_lists(workspace)]
            _emit(as_json, {"lists": rows}, lambda: [out.print(f"{r['name']} ({r['status']}): {r['members']:,} members")
                                                     for r in rows] or out.print("no lists yet"))
            return
        summary = list_summary(workspace, name)
    _emit(as_json, summary, lambda: out.print(
        f"{summary['name']} ({summary['status']}): {summary['members']:,} members · email {summary['email_coverage']:.0%} · "
        f"LinkedIn {summary['linkedin_coverage']:.0%} · verified {summary['verified_share']:.0%} · "
        f"ICP bands {summary['icp_bands']}"))


@lists_app.command("rename")
def lists_rename(name: str = typer.Argument(...), new_name: str = typer.Argument(...),
                 workspace: str = typer.Option(..., "--workspace", "-w"), as_json: bool = JsonOpt) -> None:
    from outsignal_pipelines.operations.lists import rename_list

    with _errors(as_json):
        target = rename_list(workspace, name, new_name)
    _emit(as_json, {"id": target.id, "name": target.name}, lambda: out.print(f"renamed to {target.name!r}"))


@lists_app.command("remove")
def lists_remove(name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
                 ids: list[int] = typer.Option(..., "--id"), as_json: bool = JsonOpt) -> None:
    """Remove people from a list (they stay in the store)."""
    from outsignal_pipelines.operations.lists import remove_people

    with _errors(as_json):
        removed = remove_people(workspace, name, ids)
    _emit(as_json, {"removed": removed}, lambda: out.print(f"{removed} removed"))


@lists_app.command("delete")
def lists_delete(name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
                 as_json: bool = JsonOpt) -> None:
    """Delete a list; its people stay in the store."""
    from outsignal_pipelines.operations.lists import delete_list

    with _errors(as_json):
        members = delete_list(workspace, name)
    _emit(as_json, {"deleted": name, "members": members}, lambda: out.print(f"deleted {name!r} ({members} members)"))


@app.command()
def export(
    list_name: str = typer.Option(..., "--list"), workspace: str = typer.Option(..., "--workspace", "-w"),
    to: str = typer.Option("csv", "--to", help="csv | emailbison"),
    out_path: Path = typer.Option(None, "--out", help="CSV file path (default: data/exports/<list>_<date>.csv)."),
    campaign_id: int = typer.Option(None, "--campaign-id", help="EmailBison: use this campaign instead of one named after the list."),
    as_json: bool = JsonOpt,
) -> None:
    """Export a list's verified leads (the gate refuses while members still need verification)."""
    from outsignal_pipelines.operations.export import export_csv
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        if to == "csv":
            result = export_csv(workspace, list_name, out_path)
        elif to == "emailbison":
            from outsignal_pipelines.operations.emailbison_export import export_to_emailbison

            result = export_to_emailbison(workspace, list_name, campaign_id=campaign_id)
        else:
            raise OperationError("--to must be csv or emailbison")
    if as_json:
        _emit(True, result, lambda: None)
        return
    where = result.get("file") or f"EmailBison campaign {result.get('campaign_name')!r} (id {result.get('campaign_id')})"
    out.print(f"[green]{result['exported']} exported[/green] to {where}; {result['excluded']['blocked']} excluded")
    for reason, n in (result.get("blocked_reasons") or result.get("excluded_reasons") or {}).items():
        out.print(f"  {n} × {reason}")


@review_app.command("approve")
def review_approve(
    list_name: str = typer.Option(None, "--list"), campaign: str = typer.Option(None, "--campaign"),
    workspace: str = typer.Option(..., "--workspace", "-w"), by: str = typer.Option(..., "--by", help="Client email."),
    feedback: str = typer.Option(None, "--feedback"), as_json: bool = JsonOpt,
) -> None:
    """Record an approval the client sent by other means (history, status, notifications)."""
    _external_decision("approved", list_name, campaign, workspace, by, feedback, as_json)


@review_app.command("reject")
def review_reject(
    list_name: str = typer.Option(None, "--list"), campaign: str = typer.Option(None, "--campaign"),
    workspace: str = typer.Option(..., "--workspace", "-w"), by: str = typer.Option(..., "--by", help="Client email."),
    feedback: str = typer.Option(None, "--feedback"), as_json: bool = JsonOpt,
) -> None:
    """Record a rejection the client sent by other means."""
    _external_decision("rejected", list_name, campaign, workspace, by, feedback, as_json)


def _external_decision(decision, list_name, campaign, workspace, by, feedback, as_json) -> None:
    from outsignal_pipelines.operations.portal import record_external_decision
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        result = record_external_decision(workspace, by, decision, list_name=list_name, campaign=campaign,
                                          feedback=feedback)
    _emit(as_json, {"status": result["status"], "notifications": result["notifications"]},
          lambda: out.print(f"{list_name or campaign!r} is now {result['status']}; notifications queued"))


@review_app.command("send")
def review_send(
    list_name: str = typer.Option(None, "--list", help="Send this list (building → pending_review)."),
    campaign: str = typer.Option(None, "--campaign", help="Send this campaign's copy (draft → review)."),
    workspace: str = typer.Option(..., "--workspace", "-w"),
    as_json: bool = JsonOpt,
) -> None:
    """Send a list or a campaign's copy to the client's review."""
    from outsignal_pipelines.operations.review import send_campaign_to_review, send_list_to_review
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        if bool(list_name) == bool(campaign):
            raise OperationError("give exactly one of --list or --campaign")
        if list_name:
            status = send_list_to_review(workspace, list_name).status
        else:
            status = send_campaign_to_review(workspace, campaign)[0].status
    _emit(as_json, {"status": status}, lambda: out.print(f"{list_name or campaign!r} is now {status}"))


@app.command()
def deploy(
    list_name: str = typer.Option(None, "--list", help="An approved list (leads)."),
    campaign: str = typer.Option(None, "--campaign", help="An approved campaign copy (sequence steps)."),
    workspace: str = typer.Option(..., "--workspace", "-w"),
    wait: bool = typer.Option(False, "--wait", help="Run the deploy here and print the final record."),
    as_json: bool = JsonOpt,
) -> None:
    """Request a deploy to EmailBison (answers at once; a Dagster sensor runs it), or run it with --wait."""
    from outsignal_pipelines.operations.deploy import request_deploy, run_deploy
    from outsignal_pipelines.operations.review import get_deploy
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        record = request_deploy(workspace, list_name, campaign, requested_by="cli")
        if wait:
            try:
                record = run_deploy(workspace, record["id"])
            except OperationError:
                record = get_deploy(workspace, record["id"])
    keys = ("id", "status", "path", "lead_count", "step_count", "emailbison_campaign_id", "error")
    payload = {k: record.get(k) for k in keys}
    _emit(as_json, payload, lambda: out.print(
        f"deploy {payload['id']} ({payload['path']}): {payload['status']}"
        + (f", {payload['lead_count']} leads, {payload['step_count']} steps, EmailBison campaign "
           f"{payload['emailbison_campaign_id']}" if payload["status"] == "complete" else "")
        + (f" — {payload['error']}" if payload["error"] else "")))
    if payload["status"] == "failed":
        raise typer.Exit(1)


@app.command()
def chat(
    message: str = typer.Argument(..., help="What you want, in plain words."),
    workspace: str = typer.Option(None, "--workspace", "-w", help="The workspace the conversation is about."),
    yes: bool = typer.Option(False, "--yes", help="Confirm a paid action in the same call (preview, then run)."),
    as_json: bool = JsonOpt,
) -> None:
    """Talk to the Leads Agent (LLM planner when OUTSIGNAL_LLM_MODEL is set, else the offline planner)."""
    from outsignal_pipelines.agent.chat import chat as run_chat
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        reply, conversation = run_chat(message, workspace=workspace, triggered_by="cli")
        if yes and conversation.pending:
            reply, conversation = run_chat("yes", conversation, triggered_by="cli")
    if as_json:
        _emit(True, reply.to_dict(), lambda: None)
        return
    out.print(reply.reply)
    columns = ("person_id", "full_name", "job_title", "company_name", "email", "email_status", "icp_score")
    for table in reply.tables:
        rows = table["rows"][:20]
        if rows:
            grid = Table(*columns)
            for row in rows:
                grid.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
            out.print(grid)


@app.command()
def mcp() -> None:
    """Run the MCP server on stdio (the same tools as the chat)."""
    from outsignal_pipelines.mcp_server import main

    main()


@app.command()
def sandbox(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port", help="Port of the sandbox vendor APIs."),
    smtp_port: int = typer.Option(8025, "--smtp-port", help="Port of the sandbox SMTP sink (0 = none)."),
) -> None:
    """Run the sandbox: vendor APIs (Prospeo, AI Ark, LeadMagic, FindyMail, Firecrawl, MillionVerifier,
    EmailBison), a Slack webhook sink and an SMTP sink, with an inbox at /_sandbox/inbox."""
    from outsignal_pipelines.sandbox.app import run

    out.print(f"sandbox vendor APIs on http://{host}:{port} (usage: /_sandbox/usage, inbox: /_sandbox/inbox)"
              + (f", SMTP sink on {host}:{smtp_port}" if smtp_port else ""))
    run(host=host, port=port, smtp_port=smtp_port or None)


def _serve(seed: bool, host: str | None, dagster_port: int | None, streamlit_port: int | None,
           with_sandbox: bool = True) -> None:
    from outsignal_pipelines.operations.demo_data import seed_demo
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.runner import ServeConfig, serve

    config = ServeConfig.from_env()
    config.host = host or config.host
    config.dagster_port = dagster_port or config.dagster_port
    config.streamlit_port = streamlit_port or config.streamlit_port
    with _errors(False):
        init_store()
        if seed:
            result = seed_demo(if_empty=True)
            out.print("demo data already present" if result.skipped else
                      f"seeded {result.people:,} demo people in {result.workspaces} workspaces")
    raise typer.Exit(serve(config, say=out.print, with_sandbox=with_sandbox))


HostOpt = typer.Option(None, "--host", help="Bind address (OUTSIGNAL_BIND, default 127.0.0.1).")
DagsterPortOpt = typer.Option(None, "--dagster-port", help="Dagster UI port (default 3000).")
StreamlitPortOpt = typer.Option(None, "--streamlit-port", help="Streamlit port (default 8501).")


@app.command()
def demo(host: str = HostOpt, dagster_port: int = DagsterPortOpt, streamlit_port: int = StreamlitPortOpt) -> None:
    """Set up the store, add demo data when it is empty, and run the sandbox vendor APIs, Dagster and Streamlit."""
    _serve(True, host, dagster_port, streamlit_port)


@app.command("serve")
def serve_cmd(host: str = HostOpt, dagster_port: int = DagsterPortOpt, streamlit_port: int = StreamlitPortOpt,
              sandbox: bool = typer.Option(False, "--sandbox/--no-sandbox",
                                           help="Also run the sandbox vendor APIs and point the clients at them.")) -> None:
    """Run Dagster + Streamlit on the current store (no demo data; real provider APIs unless --sandbox)."""
    _serve(False, host, dagster_port, streamlit_port, with_sandbox=sandbox)


if __name__ == "__main__":  # pragma: no cover
    app()
