"""Client review from the command line: send a list or campaign copy, and record decisions the client
gave by other means (phone, email) so history, status and notifications stay the same as the portal's."""

from __future__ import annotations

import typer

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, out, settle_notifications
from outsignal_pipelines.operations import OperationError

_BY = typer.Option(None, "--by", help="The client email (of this workspace) who decided.")
_AS_ADMIN = typer.Option(None, "--as-admin", help="Your name, when you decide yourself (recorded as an admin override).")

app = typer.Typer(help="Client review: send lists and campaign copy to the client.", no_args_is_help=True)


@app.command("approve")
def review_approve(
    list_name: str = typer.Option(None, "--list"), campaign: str = typer.Option(None, "--campaign"),
    workspace: str = typer.Option(..., "--workspace", "-w"), by: str = _BY, as_admin: str = _AS_ADMIN,
    feedback: str = typer.Option(None, "--feedback"), as_json: bool = JsonOpt,
) -> None:
    """Record an approval the client sent by other means (history, status, notifications)."""
    _external_decision("approved", list_name, campaign, workspace, by, as_admin, feedback, as_json)


@app.command("reject")
def review_reject(
    list_name: str = typer.Option(None, "--list"), campaign: str = typer.Option(None, "--campaign"),
    workspace: str = typer.Option(..., "--workspace", "-w"), by: str = _BY, as_admin: str = _AS_ADMIN,
    feedback: str = typer.Option(None, "--feedback"), as_json: bool = JsonOpt,
) -> None:
    """Record a rejection the client sent by other means."""
    _external_decision("rejected", list_name, campaign, workspace, by, as_admin, feedback, as_json)


def _external_decision(decision, list_name, campaign, workspace, by, as_admin, feedback, as_json) -> None:
    """Record, then deliver the announcement before exiting (bounded): a process must not exit while a
    delivery thread is inside DuckDB, and what is not delivered is said to stay in the outbox."""
    from outsignal_pipelines.operations.portal import record_external_decision
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        result = record_external_decision(workspace, by, decision, list_name=list_name, campaign=campaign,
                                          feedback=feedback, as_admin=as_admin)
    settled = settle_notifications(as_json, result["notifications"]) or {"sent": [], "queued": []}
    payload = {"status": result["status"], "notifications": result["notifications"],
               "delivered": settled["sent"], "queued": settled["queued"]}
    _emit(as_json, payload, lambda: out.print(
        f"{list_name or campaign!r} is now {result['status']}; {len(settled['sent'])} notification(s) delivered"
        + (f", {len(settled['queued'])} left in the outbox" if settled["queued"] else ""), markup=False))


@app.command("send")
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
