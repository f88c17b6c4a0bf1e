"""Getting data in: create the store, seed demo data, import CSVs, manage client workspaces."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, _progress, err, out

app = typer.Typer()
workspace_app = typer.Typer(help="Client workspaces: add, list, show and set their settings.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspaces")
app.add_typer(workspace_app, name="workspace", hidden=True)  # the singular spelling works too


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
        rows = workspace_overview().rows
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


@workspace_app.command("show")
def workspace_show(
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace slug."),
    as_json: bool = JsonOpt,
) -> None:
    """A workspace's settings (the EmailBison token only masked, never in full)."""
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.workspaces import workspace_settings

    with _errors(as_json):
        init_store()
        current = workspace_settings(workspace)
    _emit(as_json, current.to_dict(), lambda: _print_settings(current))


def _print_settings(current) -> None:  # noqa: ANN001 - WorkspaceSettings
    cap = (f"${current.daily_cap_usd:,.2f}" if current.daily_cap_usd is not None
           else f"${current.default_daily_cap_usd:,.2f} (default)")
    token = " · ".join(p for p in (current.emailbison_token_hint, current.emailbison_token_source) if p)
    table = Table("setting", "value", show_header=False)
    for label, value in (("workspace", f"{current.slug} ({current.name})"),
                         ("client emails", ", ".join(current.client_emails) or "none"),
                         ("notification emails", ", ".join(current.notification_emails) or "none"),
                         ("Slack webhook", current.slack_webhook_url or "the agency's default"),
                         ("EmailBison URL", current.emailbison_base_url or "the agency's default"),
                         ("EmailBison token", token),
                         ("auto-deploy", "on" if current.auto_deploy else "off"),
                         ("daily cap", cap),
                         ("finder order", " → ".join(current.finder_order))):
        table.add_row(label, value)
    out.print(table)


@workspace_app.command("set")
def workspace_set(
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace slug."),
    client_email: list[str] = typer.Option(None, "--client-email", help="Replaces the client emails (repeatable)."),
    notify_email: list[str] = typer.Option(None, "--notify-email",
                                           help="Replaces the notification emails (repeatable)."),
    slack_webhook: str = typer.Option(None, "--slack-webhook", help="https URL; '' for the agency's default."),
    emailbison_url: str = typer.Option(None, "--emailbison-url", help="https URL; '' for the agency's default."),
    emailbison_token_stdin: bool = typer.Option(
        False, "--emailbison-token-stdin", help="Read the EmailBison token from stdin (never from the command line, "
                                                "where shell history and `ps` would keep it)."),
    emailbison_token_env: str = typer.Option(None, "--emailbison-token-env",
                                             help="Read the token from this environment variable instead."),
    clear_emailbison_token: bool = typer.Option(False, "--clear-emailbison-token", help="Forget the stored token."),
    auto_deploy: bool = typer.Option(None, "--auto-deploy/--no-auto-deploy", help="Deploy once the client approves."),
    daily_cap: float = typer.Option(None, "--daily-cap", help="Daily provider spend cap in USD."),
    default_daily_cap: bool = typer.Option(False, "--default-daily-cap", help="Use the agency's default cap."),
    finder_order: str = typer.Option(None, "--finder-order", help="Comma-separated, e.g. 'prospeo,aiark'."),
    as_json: bool = JsonOpt,
) -> None:
    """Change a workspace's settings. Every value is checked first: one bad value saves nothing."""
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.workspaces import update_settings

    token = sys.stdin.readline().strip() if emailbison_token_stdin else None
    with _errors(as_json):
        init_store()
        current = update_settings(
            workspace, client_emails=client_email or None, notification_emails=notify_email or None,
            slack_webhook_url=slack_webhook, emailbison_base_url=emailbison_url, emailbison_token=token,
            emailbison_token_env=emailbison_token_env, clear_emailbison_token=clear_emailbison_token,
            auto_deploy=auto_deploy, daily_cap_usd=daily_cap, reset_daily_cap=default_daily_cap,
            finder_order=finder_order.split(",") if finder_order is not None else None)
    _emit(as_json, current.to_dict(), lambda: (out.print(f"workspace {current.slug} saved"), _print_settings(current)))
