"""The list pipeline steps: enrich, score, export and deploy. Each files a run request and hands it to
Dagster (the daemon's queue when it runs, this process otherwise), so every one is a run of the
list's partition in the Dagster UI; the command follows it with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, _progress, err, out, settle_notifications
from outsignal_pipelines.domain.icp_rules import BAND_RANGES
from outsignal_pipelines.operations import OperationError

app = typer.Typer()


def _run(workspace: str, kind: str, list_name: str, params: dict[str, Any], label: str, as_json: bool) -> dict:
    """File, run and follow one request; its summary with the request and Dagster run ids."""
    from outsignal_pipelines import orchestration
    from outsignal_pipelines.operations.setup import init_store

    init_store()
    with _progress(not as_json, label) as on_progress:
        request = orchestration.run(workspace, kind, list_name, params=params, requested_by="cli",
                                    on_progress=on_progress)
    if request.status == "failed":
        raise OperationError(request.error or f"run request #{request.id} failed")
    if request.status != "complete":
        raise OperationError(f"{request.describe()}; still going in Dagster (see the Dagster UI)")
    return {**request.summary, "list_id": request.list_id, "request_id": request.id,
            "dagster_run_id": request.dagster_run_id}


@app.command()
def enrich(
    list_name: str = typer.Option(..., "--list", help="List name."),
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace slug."),
    force: bool = typer.Option(False, "--force", help="Ask providers again even when the ledger has the answer."),
    as_json: bool = JsonOpt,
) -> None:
    """Enrich a list: materialise enriched_people, company_profiles and verified_emails for its partition."""
    from outsignal_pipelines.operations.enrichment.list_enrichment import require_callable_vendors

    with _errors(as_json):
        require_callable_vendors()
        summary = _run(workspace, "enrich", list_name, {"force": force}, f"enriching {list_name}", as_json)
    for key in ("people", "emails_found", "verified_valid", "with_email", "paid_calls", "cost_usd",
                "skipped_by_dedup", "reused_in_flight"):
        summary.setdefault(key, 0)
    summary.setdefault("cap_reached", False)
    summary.setdefault("by_provider", {})
    if as_json:
        _emit(True, summary, lambda: None)
        return
    out.print(f"{summary['people']} people: {summary['emails_found']} emails found, "
              f"{summary['verified_valid']} verified valid on the list")
    out.print(f"{summary['paid_calls']} paid calls, ${summary['cost_usd']:.4f}; "
              f"{summary['skipped_by_dedup']} answers reused from the ledger, {summary['reused_in_flight']} from "
              f"another run in flight (not paid again)")
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
    with _errors(as_json):
        meta = _run(workspace, "score", list_name, {"force": force, "scorer": scorer}, f"scoring {list_name}",
                    as_json)
    summary = {k: meta[k] for k in ("scored", "skipped_already_scored", "failed", "llm_calls", "cost_usd", "scorer",
                                    "distribution", "request_id", "dagster_run_id")}
    summary["reused_in_flight"] = meta.get("reused_in_flight", 0)  # answers another scorer paid for meanwhile
    if as_json:
        _emit(True, summary, lambda: None)
        return
    out.print(f"{summary['scored']} scored with {summary['scorer']}, {summary['skipped_already_scored']} already "
              f"scored (skipped), {summary['failed']} failed; {summary['llm_calls']} LLM calls, ${summary['cost_usd']:.4f}")
    d = summary["distribution"]
    out.print(f"[green]{BAND_RANGES['green']}: {d.get('green', 0)}[/green]  "
              f"[yellow]{BAND_RANGES['amber']}: {d.get('amber', 0)}[/yellow]  "
              f"[dim]{BAND_RANGES['grey']}: {d.get('grey', 0)}[/dim]  unscored: {d.get('unscored', 0)}")


@app.command()
def export(
    list_name: str = typer.Option(..., "--list"), workspace: str = typer.Option(..., "--workspace", "-w"),
    to: str = typer.Option("csv", "--to", help="csv | emailbison"),
    out_path: Path = typer.Option(None, "--out", help="CSV file path (default: data/exports/<list>_<date>.csv)."),
    campaign_id: int = typer.Option(None, "--campaign-id", help="EmailBison: use this campaign instead of one named after the list."),
    allow_overlap: bool = typer.Option(False, "--allow-overlap",
                                       help="EmailBison: attach leads even when another active campaign has them."),
    as_json: bool = JsonOpt,
) -> None:
    """Export a list's verified leads (the gate refuses while members still need verification)."""
    with _errors(as_json):
        if to not in ("csv", "emailbison"):
            raise OperationError("--to must be csv or emailbison")
        params = {"to": to, "out": str(out_path.resolve()) if out_path else None, "campaign_id": campaign_id,
                  "allow_overlap": allow_overlap}
        result = _run(workspace, "export", list_name, params, f"exporting {list_name}", as_json)
    if as_json:
        _emit(True, result, lambda: None)
        return
    where = result.get("file") or f"EmailBison campaign {result.get('campaign_name')!r} (id {result.get('campaign_id')})"
    out.print(f"[green]{result['exported']} exported[/green] to {where}; {result['excluded']['blocked']} excluded")
    for reason, n in (result.get("blocked_reasons") or result.get("excluded_reasons") or {}).items():
        out.print(f"  {n} × {reason}")
    _print_skipped(result.get("skipped") or [], result.get("attached_despite_overlap") or [])


def _print_skipped(skipped: list[dict], overlapping: list[dict]) -> None:
    """Name every lead left out, and why; and those attached although another campaign has them."""
    for lead in skipped:
        out.print(f"  skipped {lead['name']} <{lead['email']}>: {lead['reason']}", markup=False)
    if any("active campaign" in lead["reason"] for lead in skipped):
        out.print("  (--allow-overlap attaches them anyway)")
    for lead in overlapping:
        out.print(f"  attached although {lead['reason']}: {lead['name']} <{lead['email']}>", markup=False)


@app.command()
def deploy(
    list_name: str = typer.Option(None, "--list", help="An approved list (leads)."),
    campaign: str = typer.Option(None, "--campaign", help="An approved campaign copy (sequence steps)."),
    workspace: str = typer.Option(..., "--workspace", "-w"),
    wait: bool = typer.Option(False, "--wait", help="Follow the deploy's run to the end and print the final record."),
    allow_overlap: bool = typer.Option(False, "--allow-overlap",
                                       help="Attach leads even when another active campaign of the workspace has them."),
    as_json: bool = JsonOpt,
) -> None:
    """Deploy to EmailBison as a Dagster run. With the daemon running it answers at once (the run is
    queued; --wait follows it); without a daemon this process runs it."""
    from outsignal_pipelines import orchestration
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        with _progress(not as_json and wait, "deploying") as on_progress:
            record = orchestration.deploy(workspace, list_name, campaign, requested_by="cli", wait=wait,
                                          on_progress=on_progress, allow_overlap=allow_overlap)
    keys = ("id", "status", "path", "lead_count", "step_count", "emailbison_campaign_id", "error", "request_id")
    payload = {k: record.get(k) for k in keys}
    skipped = record.get("skipped")
    payload["skipped"] = json.loads(skipped) if isinstance(skipped, str) else (skipped or [])
    payload["notifications"] = settle_notifications(as_json) or {"sent": [], "queued": []}

    def human() -> None:
        out.print(f"deploy {payload['id']} ({payload['path']}): {payload['status']}"
                  + (f", {payload['lead_count']} leads, {payload['step_count']} steps, EmailBison campaign "
                     f"{payload['emailbison_campaign_id']}" if payload["status"] == "complete" else "")
                  + (f" — {payload['error']}" if payload["error"] else ""), markup=False)
        _print_skipped(payload["skipped"], [])

    _emit(as_json, payload, human)
    if payload["status"] == "failed":
        raise typer.Exit(1)
