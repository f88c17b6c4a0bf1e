"""The review lifecycle: target-list statuses, campaign copy drafts, the admin's "Send to Client
Review", and the records of decisions (portal_approvals) and deploys (campaign_deploys).

Every status change goes through domain.statuses.transition and is written with the old status in
the WHERE clause, so two people acting at once cannot both move the same thing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from outsignal_pipelines.domain.copy_linter import Finding, blocking, lint
from outsignal_pipelines.domain.statuses import IllegalTransition, transition
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.export import verification_gate
from outsignal_pipelines.operations.lists import TargetList
from outsignal_pipelines.store import connect, transaction

MAX_CAMPAIGN_NAME = 120


# ------------------------------------------------------------------ lists

def set_list_status(workspace: str, list_name: str | None, target: str, *, list_id: str | None = None,
                    feedback: str | None = None) -> TargetList:
    current = resolve_list(workspace, list_name, list_id)
    transition("list", current.status, target)
    with transaction() as con:
        moved = con.execute(
            "UPDATE target_lists SET status = ?, feedback = coalesce(?, feedback), updated_at = current_timestamp "
            "WHERE id = ? AND status = ? RETURNING id", [target, feedback, current.id, current.status]).fetchall()
    if not moved:
        raise IllegalTransition(f"list {current.name!r} changed status meanwhile; reload and try again")
    return resolve_list(workspace, list_id=current.id)


def send_list_to_review(workspace: str, list_name: str) -> TargetList:
    """building → pending_review, only for a list with members, none of them unverified, every one
    scored (the client never sees an empty score); then the client is emailed what waits and a
    sign-in link."""
    current = resolve_list(workspace, list_name)
    transition("list", current.status, "pending_review")
    gate = verification_gate(workspace, list_name)
    members = gate.ready.height + gate.needs_verification.height + gate.blocked.height
    if members == 0:
        raise OperationError(f"list {list_name!r} is empty: add people before sending it to the client")
    if gate.needs_verification.height:
        raise OperationError(
            f"{gate.needs_verification.height} members of {list_name!r} are not verified yet; verify them first "
            f"(about ${gate.verify_cost_estimate_usd:.2f}): outsignal enrich --list \"{list_name}\" --workspace {workspace}")
    if gate.ready.height == 0:
        raise OperationError(f"no member of {list_name!r} has a verified email: nothing the client could approve")
    scored_now = score_before_review(workspace, current)
    sent = set_list_status(workspace, list_name, "pending_review")
    _invite_for_list(workspace, sent, gate.ready.height, scored_now)
    return sent


def score_before_review(workspace: str, target: TargetList) -> int:
    """Score the members not scored yet for this workspace, on the way, when that is free and instant
    (the rule scorer: no LLM configured). With an LLM scorer, scoring costs money and time, so it is
    not started behind the admin's back: the send is refused, naming what to run. Returns how many
    were scored here."""
    from outsignal_pipelines.operations.scoring import score_list, scoring_model

    with connect() as con:
        unscored = con.execute(
            "SELECT count(*) FROM target_list_members m LEFT JOIN icp_scores s ON s.person_id = m.person_id "
            "AND s.workspace_slug = ? WHERE m.list_id = ? AND s.person_id IS NULL", [workspace, target.id]).fetchone()[0]
    if not unscored:
        return 0
    if scoring_model():
        raise OperationError(
            f"{unscored} members of {target.name!r} are not scored yet, and scoring them uses the LLM "
            f"({scoring_model()}, paid): score the list first (Lists page, or outsignal score --list "
            f"\"{target.name}\" --workspace {workspace}), then send it")
    return score_list(workspace, list_id=target.id, scorer="rules").scored


def _invite_for_list(workspace: str, target: TargetList, ready: int, scored_now: int) -> None:
    from outsignal_pipelines.operations.review_invites import invite_clients
    from outsignal_pipelines.operations.scoring import score_distribution

    bands, _ = score_distribution(target.id, workspace)
    with connect() as con:
        round_ = con.execute("SELECT updated_at FROM target_lists WHERE id = ?", [target.id]).fetchone()[0]
    what = (f"The lead list \"{target.name}\" is waiting for your review: {ready} leads with a verified email "
            f"({bands.get('green', 0)} strong fit, {bands.get('amber', 0)} possible fit). Approve it, or reject it "
            "with a note on what to change.")
    invite_clients(workspace, f"Leads to review: {target.name}", what, key=f"review:list:{target.id}:{round_}")


def rework_list(workspace: str, list_name: str) -> TargetList:
    """rejected → building, so the admin can change it and send it again."""
    return set_list_status(workspace, list_name, "building")


# ------------------------------------------------------------------ copy drafts

@dataclass
class Draft:
    id: int
    workspace_slug: str
    campaign_name: str
    step: int
    subject: str | None
    body: str
    wait_days: int
    status: str
    feedback: str | None
    version: int
    updated_at: datetime | None = None

    def findings(self) -> list[Finding]:
        return lint(self.subject, self.body, self.step)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_DRAFT_COLUMNS = ("id, workspace_slug, campaign_name, step, subject, body, wait_days, status, feedback, version, "
                  "updated_at")


def _clean_campaign(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise OperationError("a campaign needs a name")
    if len(cleaned) > MAX_CAMPAIGN_NAME:
        raise OperationError(f"campaign names are at most {MAX_CAMPAIGN_NAME} characters")
    return cleaned


def list_drafts(workspace: str, campaign: str | None = None, status: str | None = None) -> list[Draft]:
    with connect() as con:
        rows = con.execute(
            f"""SELECT {_DRAFT_COLUMNS} FROM email_drafts WHERE workspace_slug = ?
                AND (? IS NULL OR campaign_name = ?) AND (? IS NULL OR status = ?)
                ORDER BY campaign_name, step""", [workspace, campaign, campaign, status, status]).fetchall()
    return [Draft(*r) for r in rows]


def campaigns(workspace: str) -> list[dict[str, Any]]:
    """Each campaign of the workspace with its step count and (single, or mixed) status."""
    with connect() as con:
        rows = con.execute(
            """SELECT campaign_name, count(*), list(DISTINCT status ORDER BY status)
               FROM email_drafts WHERE workspace_slug = ? GROUP BY 1 ORDER BY 1""", [workspace]).fetchall()
    return [{"campaign": name, "steps": n, "status": statuses[0] if len(statuses) == 1 else "mixed",
             "statuses": statuses} for name, n, statuses in rows]


def save_step(workspace: str, campaign: str, step: int, subject: str | None, body: str, wait_days: int = 1) -> Draft:
    """Create or edit one step. Steps in client review or approved are frozen; editing a rejected step
    makes it a draft again, one version later."""
    campaign = _clean_campaign(campaign)
    if step < 1:
        raise OperationError("steps are numbered from 1")
    if not (body or "").strip():
        raise OperationError("a step needs a body")
    if wait_days < 1 and step > 1:
        raise OperationError("follow-up steps wait at least 1 day (EmailBison refuses 0)")
    with transaction() as con:
        existing = con.execute(f"SELECT {_DRAFT_COLUMNS} FROM email_drafts WHERE workspace_slug = ? "
                               "AND campaign_name = ? AND step = ?", [workspace, campaign, step]).fetchall()
        if not existing:
            con.execute("INSERT INTO email_drafts (workspace_slug, campaign_name, step, subject, body, wait_days) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [workspace, campaign, step, subject, body, max(wait_days, 1)])
        else:
            draft = Draft(*existing[0])
            if draft.status in ("review", "approved"):
                raise OperationError(f"step {step} of {campaign!r} is {draft.status}: it cannot change now")
            status = transition("draft", draft.status, "draft") if draft.status == "rejected" else "draft"
            con.execute("UPDATE email_drafts SET subject = ?, body = ?, wait_days = ?, status = ?, version = version + 1, "
                        "updated_at = current_timestamp WHERE id = ?",
                        [subject, body, max(wait_days, 1), status, draft.id])
        row = con.execute(f"SELECT {_DRAFT_COLUMNS} FROM email_drafts WHERE workspace_slug = ? AND campaign_name = ? "
                          "AND step = ?", [workspace, campaign, step]).fetchall()[0]
    return Draft(*row)


def delete_step(workspace: str, campaign: str, step: int) -> None:
    with transaction() as con:
        rows = con.execute("SELECT status FROM email_drafts WHERE workspace_slug = ? AND campaign_name = ? AND step = ?",
                           [workspace, campaign, step]).fetchall()
        if not rows:
            raise NotFound(f"no step {step} in campaign {campaign!r}")
        if rows[0][0] in ("review", "approved"):
            raise OperationError(f"step {step} is {rows[0][0]}: it cannot be deleted now")
        con.execute("DELETE FROM email_drafts WHERE workspace_slug = ? AND campaign_name = ? AND step = ?",
                    [workspace, campaign, step])


def set_drafts_status(workspace: str, campaign: str, from_status: str, target: str,
                      feedback: str | None = None) -> list[Draft]:
    """Move every step of the campaign that is in `from_status` to `target` (one transition rule)."""
    transition("draft", from_status, target)
    with transaction() as con:
        moved = con.execute(
            "UPDATE email_drafts SET status = ?, feedback = coalesce(?, feedback), updated_at = current_timestamp "
            "WHERE workspace_slug = ? AND campaign_name = ? AND status = ? RETURNING id",
            [target, feedback, workspace, campaign, from_status]).fetchall()
    if not moved:
        raise OperationError(f"campaign {campaign!r} has no steps in {from_status!r}")
    return list_drafts(workspace, campaign)


def send_campaign_to_review(workspace: str, campaign: str) -> list[Draft]:
    """draft → review for the campaign's steps; refuses copy that would break when sent."""
    drafts = list_drafts(workspace, campaign)
    if not drafts:
        raise NotFound(f"no campaign {campaign!r} in workspace {workspace!r}")
    not_draft = [d for d in drafts if d.status != "draft"]
    if not_draft:
        raise IllegalTransition(f"step {not_draft[0].step} is {not_draft[0].status}; only a campaign whose steps are "
                                "all drafts can be sent to review")
    steps = sorted(d.step for d in drafts)
    if steps != list(range(1, len(steps) + 1)):
        raise OperationError(f"steps must be numbered 1..{len(steps)} without gaps (have {steps})")
    problems = [f"step {d.step}: {f.message}" for d in drafts for f in blocking(d.findings())]
    if problems:
        raise OperationError("fix these before sending: " + "; ".join(problems))
    sent = set_drafts_status(workspace, campaign, "draft", "review")
    from outsignal_pipelines.operations.review_invites import invite_clients

    what = (f"The email copy of \"{campaign}\" ({len(sent)} steps) is waiting for your review. Approve it, or "
            "reject it with a note on what to change.")
    invite_clients(workspace, f"Copy to review: {campaign}", what,
                   key=f"review:copy:{workspace}:{campaign}:{max(d.version for d in sent)}:{sent[0].updated_at}")
    return sent


# ------------------------------------------------------------------ decision and deploy records

def record_approval(con, workspace: str, approver_email: str, entity_type: str, entity_id: str, decision: str,
                    feedback: str | None = None, channel: str = "portal") -> int:
    """Append one decision to the immutable history (inside the caller's transaction)."""
    return con.execute(
        """INSERT INTO portal_approvals (workspace_slug, approver_email, entity_type, entity_id, decision, feedback, channel)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [workspace, approver_email, entity_type, entity_id, decision, feedback, channel]).fetchall()[0][0]


def approvals(workspace: str, entity_id: str | None = None) -> list[dict[str, Any]]:
    with connect() as con:
        cursor = con.execute(
            "SELECT * FROM portal_approvals WHERE workspace_slug = ? AND (? IS NULL OR entity_id = ?) ORDER BY id",
            [workspace, entity_id, entity_id])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def create_deploy(workspace: str, campaign_name: str, path: str, list_id: str | None = None,
                  requested_by: str | None = None, con=None) -> dict[str, Any]:
    """A pending deploy; inside the caller's transaction when `con` is given (then only its id)."""
    sql = """INSERT INTO campaign_deploys (workspace_slug, list_id, campaign_name, path, requested_by)
             VALUES (?, ?, ?, ?, ?) RETURNING id"""
    params = [workspace, list_id, campaign_name, path, requested_by]
    if con is not None:
        return {"id": con.execute(sql, params).fetchall()[0][0]}
    with transaction() as own:
        deploy_id = own.execute(sql, params).fetchall()[0][0]
    return get_deploy(workspace, deploy_id)


def get_deploy(workspace: str, deploy_id: int) -> dict[str, Any]:
    with connect() as con:
        cursor = con.execute("SELECT * FROM campaign_deploys WHERE id = ? AND workspace_slug = ?", [deploy_id, workspace])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if not rows:
        raise NotFound(f"no deploy {deploy_id} in workspace {workspace!r}")
    return dict(zip(names, rows[0]))


def deploys(workspace: str, list_id: str | None = None) -> list[dict[str, Any]]:
    with connect() as con:
        cursor = con.execute("SELECT * FROM campaign_deploys WHERE workspace_slug = ? AND (? IS NULL OR list_id = ?) "
                             "ORDER BY id DESC", [workspace, list_id, list_id])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def set_deploy_status(workspace: str, deploy_id: int, target: str, **fields: Any) -> dict[str, Any]:
    current = get_deploy(workspace, deploy_id)
    transition("deploy", current["status"], target)
    allowed = {"emailbison_campaign_id", "lead_count", "step_count", "error", "skipped"}
    sets = ["status = ?"] + [f"{k} = ?" for k in fields if k in allowed]
    params = [target] + [v for k, v in fields.items() if k in allowed]
    if target == "running":
        sets.append("started_at = current_timestamp")
    if target in ("complete", "failed"):
        sets.append("finished_at = current_timestamp")
    with transaction() as con:
        moved = con.execute(f"UPDATE campaign_deploys SET {', '.join(sets)} WHERE id = ? AND status = ? RETURNING id",
                            [*params, deploy_id, current["status"]]).fetchall()
    if not moved:
        raise IllegalTransition(f"deploy {deploy_id} changed status meanwhile")
    return get_deploy(workspace, deploy_id)
