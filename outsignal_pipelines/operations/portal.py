"""What a signed-in client sees and decides. Every function takes the portal session token and reads
the workspace from the server-side session: an id of another workspace's list or campaign is simply
'not found', however the request was crafted."""

from __future__ import annotations

from typing import Any

from outsignal_pipelines.operations.notifications import deliver_in_background, notify
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.auth import PortalSession, session
from outsignal_pipelines.operations.review import list_drafts, record_approval
from outsignal_pipelines.store import connect, transaction

MAX_FEEDBACK = 2000


def require(session_token: str | None) -> PortalSession:
    identity = session(session_token)
    if identity is None or identity.is_admin:
        raise OperationError("please sign in with the link from your email")
    return identity


def masthead(session_token: str | None) -> dict[str, str | None]:
    """What the top of the portal names: the agency (OUTSIGNAL_AGENCY_NAME) and, once signed in, the
    client's workspace."""
    from outsignal_pipelines import settings
    from outsignal_pipelines.operations.workspaces import get_workspace

    identity = session(session_token)
    workspace = None
    if identity is not None and not identity.is_admin:
        workspace = get_workspace(identity.workspace).name
    return {"agency": settings.agency_name(), "workspace": workspace}


def lists_for_review(session_token: str) -> list[dict[str, Any]]:
    from outsignal_pipelines.operations.list_quality import list_summary
    from outsignal_pipelines.operations.scoring import list_scores

    me = require(session_token)
    with connect() as con:
        rows = con.execute("SELECT id, name FROM target_lists WHERE workspace_slug = ? AND status = 'pending_review' "
                           "ORDER BY name", [me.workspace]).fetchall()
    cards = []
    for list_id, name in rows:
        top = list_scores(list_id, me.workspace, limit=10).drop("person_id").to_dicts()
        cards.append({"id": list_id, "name": name, "summary": list_summary(me.workspace, name), "top": top})
    return cards


def copy_for_review(session_token: str) -> dict[str, list]:
    me = require(session_token)
    grouped: dict[str, list] = {}
    for draft in list_drafts(me.workspace, status="review"):
        grouped.setdefault(draft.campaign_name, []).append(draft)
    return grouped


def deployments(session_token: str) -> list[dict[str, Any]]:
    from outsignal_pipelines.operations.review import deploys

    return deploys(require(session_token).workspace)


def results(session_token: str) -> dict[str, int]:
    """The Results card: sent, replies, interested, meetings of the client's own workspace (from the
    session, never from the request)."""
    from outsignal_pipelines.operations.results import results_card

    return results_card(require(session_token).workspace)


def _feedback(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    return cleaned[:MAX_FEEDBACK] or None


def decide_list(session_token: str, list_id: str, decision: str, feedback: str | None = None,
                channel: str = "portal", by: str | None = None) -> dict[str, Any]:
    """approved | rejected for a list pending review, recorded with the approver, with notifications."""
    me = require(session_token) if by is None else None
    workspace = me.workspace if me else None
    return _decide_list(workspace, list_id, decision, feedback, channel, by or me.email)


def _decide_list(workspace: str, list_id: str, decision: str, feedback: str | None, channel: str,
                 approver: str) -> dict[str, Any]:
    from outsignal_pipelines.domain.statuses import transition

    if decision not in ("approved", "rejected"):
        raise OperationError("the decision is approved or rejected")
    feedback = _feedback(feedback)
    with transaction() as con:
        row = con.execute("SELECT name, status FROM target_lists WHERE id = ? AND workspace_slug = ?",
                          [list_id, workspace]).fetchall()
        if not row:
            raise NotFound("no such list in your workspace")
        name, status = row[0]
        transition("list", status, decision)
        con.execute("UPDATE target_lists SET status = ?, feedback = coalesce(?, feedback), updated_at = current_timestamp "
                    "WHERE id = ? AND status = ?", [decision, feedback, list_id, status])
        approval = record_approval(con, workspace, approver, "list", list_id, decision, feedback, channel)
        verb = "approved" if decision == "approved" else "rejected"
        ids = notify(con, workspace, f"list_{verb}",
                     f"{approver} {verb} the list *{name}*." + (f"\nFeedback: “{feedback}”" if feedback else ""),
                     f"Lead list {verb}: {name}", key=f"approval:{approval}")
    deliver_in_background(ids)
    return {"list": name, "status": decision, "notifications": ids}


def decide_copy(session_token: str, campaign: str, decision: str, feedback: str | None = None,
                channel: str = "portal", by: str | None = None) -> dict[str, Any]:
    me = require(session_token) if by is None else None
    return _decide_copy(me.workspace if me else None, campaign, decision, feedback, channel, by or me.email)


def _decide_copy(workspace: str, campaign: str, decision: str, feedback: str | None, channel: str,
                 approver: str) -> dict[str, Any]:
    from outsignal_pipelines.domain.statuses import transition

    if decision not in ("approved", "rejected"):
        raise OperationError("the decision is approved or rejected")
    transition("draft", "review", decision)
    feedback = _feedback(feedback)
    with transaction() as con:
        moved = con.execute(
            "UPDATE email_drafts SET status = ?, feedback = coalesce(?, feedback), updated_at = current_timestamp "
            "WHERE workspace_slug = ? AND campaign_name = ? AND status = 'review' RETURNING step",
            [decision, feedback, workspace, campaign]).fetchall()
        if not moved:
            raise NotFound("no copy waiting for review under that campaign in your workspace")
        approval = record_approval(con, workspace, approver, "drafts", campaign, decision, feedback, channel)
        verb = "approved" if decision == "approved" else "rejected"
        ids = notify(con, workspace, f"copy_{verb}",
                     f"{approver} {verb} the copy of *{campaign}* ({len(moved)} steps)."
                     + (f"\nFeedback: “{feedback}”" if feedback else ""), f"Campaign copy {verb}: {campaign}",
                     key=f"approval:{approval}")
    deliver_in_background(ids)
    return {"campaign": campaign, "status": decision, "steps": len(moved), "notifications": ids}


ADMIN_OVERRIDE = "admin_override"


def decision_maker(workspace: str, by: str | None, as_admin: str | None) -> tuple[str, str]:
    """(approver, channel) for a decision recorded by the admin: a client email of the workspace (the
    client decided by other means), or a named admin taking the decision, recorded as an override.
    Anyone else is refused before anything is written or announced."""
    from outsignal_pipelines.operations.auth import workspaces_for_email

    by, as_admin = (by or "").strip().lower(), " ".join((as_admin or "").split())
    if bool(by) == bool(as_admin):
        raise OperationError("say who decided: --by CLIENT_EMAIL (a client of the workspace) or --as-admin NAME")
    if as_admin:
        return f"admin: {as_admin[:100]}", ADMIN_OVERRIDE
    if workspace not in workspaces_for_email(by):
        raise OperationError(f"{by} is not a client email of workspace {workspace!r}: a decision comes from the "
                             "workspace's clients, or from a named admin with --as-admin NAME")
    return by, "admin"


def record_external_decision(workspace: str, by: str | None, decision: str, list_name: str | None = None,
                             campaign: str | None = None, feedback: str | None = None,
                             as_admin: str | None = None) -> dict[str, Any]:
    """A decision the client sent by other means (email, call), recorded by the admin the same way;
    or the admin's own decision (`as_admin`), recorded in the history as an admin override."""
    from outsignal_pipelines.operations.lists import resolve_list

    if bool(list_name) == bool(campaign):
        raise OperationError("give exactly one of a list or a campaign")
    approver, channel = decision_maker(workspace, by, as_admin)
    if list_name:
        return _decide_list(workspace, resolve_list(workspace, list_name).id, decision, feedback, channel, approver)
    return _decide_copy(workspace, campaign, decision, feedback, channel, approver)
