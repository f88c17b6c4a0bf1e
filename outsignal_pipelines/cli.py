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
from outsignal_pipelines.sql_models import SqlModelError
from outsignal_pipelines.store.connection import StoreError

app = typer.Typer(help="Outsignal Lead Engine: the lead store, enrichment, scoring, review and deploy.",
                  no_args_is_help=True, add_completion=False)
workspace_app = typer.Typer(help="Client workspaces.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")

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
    from outsignal_pipelines.demo.seed import seed_demo
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
    from outsignal_pipelines.operations.enrichment import resolve_list
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
def sandbox(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port", help="Port of the sandbox vendor APIs."),
) -> None:
    """Run the sandbox vendor APIs (Prospeo, AI Ark, LeadMagic, FindyMail, Firecrawl, MillionVerifier)."""
    from outsignal_pipelines.sandbox.app import run

    out.print(f"sandbox vendor APIs on http://{host}:{port} (usage: /_sandbox/usage)")
    run(host=host, port=port)


def _serve(seed: bool, host: str | None, dagster_port: int | None, streamlit_port: int | None,
           with_sandbox: bool = True) -> None:
    from outsignal_pipelines.demo.seed import seed_demo
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
