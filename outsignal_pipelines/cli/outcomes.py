"""What happened after the send: the workspace's secret webhook URL, the webhook endpoint itself,
a backfill from EmailBison, and the per-list outcome rollups."""

from __future__ import annotations

import typer

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, out

webhooks_app = typer.Typer(help="EmailBison webhooks: the workspace's secret URL and the endpoint.",
                           no_args_is_help=True)
outcomes_app = typer.Typer(help="Outcomes of deployed lists: backfill from EmailBison, rollups.",
                           no_args_is_help=True)


@webhooks_app.command("url")
def webhooks_url(workspace: str = typer.Option(..., "--workspace", "-w"),
                 rotate: bool = typer.Option(False, "--rotate", help="Replace the URL; the old one stops working at once."),
                 register: bool = typer.Option(True, "--register/--no-register",
                                               help="Register the URL with the workspace's EmailBison."),
                 as_json: bool = JsonOpt) -> None:
    """Make (or rotate) the workspace's secret webhook URL. It is shown once: only its hash is kept."""
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.webhook_secrets import webhook_url

    with _errors(as_json):
        init_store()
        result = webhook_url(workspace, rotate=rotate, register=register)

    def human() -> None:
        out.print("Webhook URL (shown once; keep it secret, anyone with it can post events):", markup=False)
        out.print(result["url"], soft_wrap=True, markup=False, highlight=False)
        if result.get("registered"):
            out.print(f"registered with EmailBison ({result['registered']['action']})")
        elif result.get("registration_error"):
            out.print(f"not registered with EmailBison: {result['registration_error']}", markup=False)

    _emit(as_json, result, human)


@webhooks_app.command("serve")
def webhooks_serve(host: str = typer.Option(None, "--host", help="Bind address (OUTSIGNAL_BIND)."),
                   port: int = typer.Option(None, "--port", help="Port (OUTSIGNAL_WEBHOOK_PORT, default 8766).")) -> None:
    """Run the EmailBison webhook endpoint (POST /emailbison/webhook/{secret})."""
    from outsignal_pipelines import settings
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.webhooks.app import run

    with _errors(False):
        init_store()
    host, port = host or settings.bind_host(), port or settings.webhook_port()
    out.print(f"EmailBison webhook endpoint on http://{host}:{port}/emailbison/webhook/<secret>", markup=False)
    run(host, port)


@outcomes_app.command("backfill")
def outcomes_backfill(workspace: str = typer.Option(..., "--workspace", "-w"),
                      list_name: str = typer.Option(None, "--list", help="One list (default: every deployed list)."),
                      as_json: bool = JsonOpt) -> None:
    """Pull the facts of deployed campaigns from EmailBison (events missed while the endpoint was down).
    Safe to repeat: a fact already stored is not stored or announced again."""
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.notifications import settle
    from outsignal_pipelines.operations.outcomes_backfill import backfill_outcomes
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        list_id = resolve_list(workspace, list_name).id if list_name else None
        result = backfill_outcomes(workspace, list_id)
        settle()
    _emit(as_json, result, lambda: out.print(
        f"{len(result['lists'])} list(s): {result['stored']} new fact(s) stored, "
        f"{result['already_stored']} already there"))


@outcomes_app.command("rollup")
def outcomes_rollup(workspace: str = typer.Option(..., "--workspace", "-w"),
                    by: str = typer.Option("score_band", "--by",
                                           help="score_band | vertical | seniority | finder_provider | email_status"),
                    list_name: str = typer.Option(None, "--list"), as_json: bool = JsonOpt) -> None:
    """Sent, bounced, replied, interested and meetings (counts and rates) grouped one way."""
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.outcomes import read_rollup
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        list_id = resolve_list(workspace, list_name).id if list_name else None
        try:
            frame = read_rollup(workspace, by, list_id)
        except ValueError as exc:
            from outsignal_pipelines.operations import OperationError

            raise OperationError(str(exc)) from exc
    rows = frame.to_dicts()

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    _emit(as_json, {"workspace": workspace, "by": by, "rows": rows}, lambda: [out.print(
        f"{r[by] or '(none)'}: {r['leads']} leads · sent {r['sent']} · bounced {r['bounced']} ({pct(r['bounce_rate'])}) · "
        f"replied {r['replied']} ({pct(r['reply_rate'])}) · interested {r['interested']} · meetings {r['meetings']}",
        markup=False) for r in rows] or out.print("no deployed leads yet"))
