"""The list pipeline steps: enrich, score, export and deploy. Kept together because they share one run
path (a Dagster run of the list's partition) and are rewritten together."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, _progress, err, out
from outsignal_pipelines.operations import OperationError

app = typer.Typer()


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
