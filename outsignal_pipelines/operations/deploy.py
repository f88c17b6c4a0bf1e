"""Deploying approved work to EmailBison. A request is a `campaign_deploys` row (pending) written at
once; the run (a Dagster asset launched by a sensor, or `--wait` in-process) moves it running →
complete | failed. Three paths: leads only, copy only, both.

Idempotent by construction: a deploy with a list goes to the list's one campaign, recorded on the
list and shared with its export (operations.list_campaigns); a copy-only deploy stores its campaign
id on the deploy row the moment it is known (earlier deploys of the same campaign are looked up first);
sequence steps are read back before anything is posted and only the missing ones are appended (POST
appends), then counted again; leads are upserted by email and attaching twice is a no-op."""

from __future__ import annotations

import json
from typing import Any

from outsignal_pipelines.clients.emailbison import EmailBisonClient, EmailBisonError
from outsignal_pipelines.operations.emailbison_export import (
    campaign_name_for,
    export_to_emailbison,
    find_or_create_campaign,
    workspace_client,
)
from outsignal_pipelines.operations.list_campaigns import list_campaign_for
from outsignal_pipelines.operations.notifications import deliver_in_background, notify
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.run_requests import ListBusy, request_run
from outsignal_pipelines.operations.webhook_secrets import ensure_registered_at_deploy
from outsignal_pipelines.operations.review import create_deploy, deploys, get_deploy, list_drafts, set_deploy_status, \
    set_list_status
from outsignal_pipelines.store import connect, transaction


def prepare_deploy(workspace: str, list_name: str | None = None, campaign: str | None = None,
                   requested_by: str = "admin", con=None, target=None) -> tuple[dict[str, Any], bool]:
    """The pending deploy for approved work, created when there is none (returns it, created?). The
    path follows what is given: a list → leads only, a campaign's copy → copy only, both → both."""
    if not list_name and not campaign:
        raise OperationError("deploy what? name an approved list, an approved campaign copy, or both")
    if list_name and target is None:
        target = resolve_list(workspace, list_name)
    if target is not None:
        if target.status != "approved":
            raise OperationError(f"list {target.name!r} is {target.status}: only an approved list can be deployed")
    if campaign:
        drafts = list_drafts(workspace, campaign)
        if not drafts:
            raise NotFound(f"no campaign copy called {campaign!r} in workspace {workspace!r}")
        if any(d.status != "approved" for d in drafts):
            raise OperationError(f"the copy of {campaign!r} is not approved yet: only approved copy is deployed")
    list_id = target.id if target else None
    path = "both" if list_id and campaign else "leads_only" if list_id else "copy_only"
    name = campaign or campaign_name_for(workspace, target.name)
    active = [d for d in deploys(workspace, list_id) if d["status"] in ("pending", "running")
              and d["campaign_name"] == name and d["path"] == path]
    if active:
        return active[0], False  # a second click while one is queued or running does not queue another
    return create_deploy(workspace, name, path, list_id=list_id, requested_by=requested_by, con=con), True


def request_deploy(workspace: str, list_name: str | None = None, campaign: str | None = None,
                   requested_by: str = "admin", allow_overlap: bool = False) -> dict[str, Any]:
    """Write a pending deploy and its run request in one transaction, and return at once; the run
    carries it out. A busy list refuses both (no orphan pending deploy)."""
    target = resolve_list(workspace, list_name) if list_name else None
    with transaction() as con:
        deploy, created = prepare_deploy(workspace, list_name, campaign, requested_by, con=con, target=target)
        if created:
            name = campaign or campaign_name_for(workspace, target.name)
            request = request_run(workspace, "deploy", target=target, campaign=name,
                                  params={"deploy_id": deploy["id"], "allow_overlap": bool(allow_overlap)},
                                  requested_by=requested_by, con=con)
    if not created:
        return {**deploy, "request_id": _request_of_deploy(deploy["id"])}
    return {**get_deploy(workspace, deploy["id"]), "request_id": request.id}


def _request_of_deploy(deploy_id: int) -> int | None:
    with connect() as con:
        row = con.execute("SELECT id FROM run_requests WHERE kind = 'deploy' AND json_extract(params, '$.deploy_id') "
                          "= ? ORDER BY id DESC LIMIT 1", [deploy_id]).fetchone()
    return row[0] if row else None


def file_auto_deploys(after_approval_id: int) -> tuple[list[dict[str, Any]], int]:
    """Deploy requests for lists approved (after the sensor's cursor) in auto-deploy workspaces; the copy
    goes with a list when an approved campaign carries the list's name. Returns (filed, new cursor);
    a list that is busy keeps the cursor before its approval, so the next tick tries it again."""
    with connect() as con:
        rows = con.execute(
            """SELECT a.id, l.workspace_slug, l.name,
                      (SELECT d.campaign_name FROM email_drafts d WHERE d.workspace_slug = l.workspace_slug
                         AND d.campaign_name = l.name GROUP BY 1 HAVING bool_and(d.status = 'approved')) AS campaign
               FROM portal_approvals a JOIN target_lists l ON l.id = a.entity_id
               JOIN workspaces w ON w.slug = l.workspace_slug
               WHERE a.id > ? AND a.entity_type = 'list' AND a.decision = 'approved'
                 AND w.auto_deploy AND l.status = 'approved'
               ORDER BY a.id""", [int(after_approval_id)]).fetchall()
        last = con.execute("SELECT coalesce(max(id), 0) FROM portal_approvals").fetchone()[0]
    filed: list[dict[str, Any]] = []
    for approval_id, workspace, list_name, campaign in rows:
        try:
            filed.append(request_deploy(workspace, list_name, campaign, requested_by="auto-deploy"))
        except ListBusy:
            return filed, approval_id - 1
    return filed, max(last, int(after_approval_id))


def _known_campaign_id(workspace: str, name: str) -> int | None:
    with connect() as con:
        rows = con.execute("SELECT emailbison_campaign_id FROM campaign_deploys WHERE workspace_slug = ? AND "
                           "campaign_name = ? AND emailbison_campaign_id IS NOT NULL ORDER BY id DESC LIMIT 1",
                           [workspace, name]).fetchall()
    return rows[0][0] if rows else None


def ensure_steps(client: EmailBisonClient, campaign_id: int, title: str, drafts: list) -> int:
    """Make the campaign's sequence equal the approved steps without ever appending one twice."""
    existing = client.sequence_steps(campaign_id)
    if len(existing) > len(drafts):
        raise OperationError(f"the EmailBison campaign already has {len(existing)} steps, more than the "
                             f"{len(drafts)} approved ones; it was changed outside Outsignal, so nothing was posted")
    missing = drafts[len(existing):]
    if missing:
        client.create_sequence_steps(campaign_id, title, [
            {"email_subject": d.subject or (drafts[0].subject or title), "email_body": d.body,
             "wait_in_days": max(1, int(d.wait_days)), "order": d.step, "variant": False,
             "thread_reply": d.step > 1 and not d.subject} for d in missing])
    count = len(client.sequence_steps(campaign_id))
    if count != len(drafts):
        raise OperationError(f"EmailBison shows {count} steps after the update, expected {len(drafts)}")
    return count


def run_deploy(workspace: str, deploy_id: int, client: EmailBisonClient | None = None, *,
               allow_overlap: bool = False) -> dict[str, Any]:
    """Carry out one deploy. A failed deploy can be retried (failed → pending → running). A deploy
    with a list goes to the list's one campaign (the one its export used); leads already in another
    active campaign are skipped and named in `skipped`, unless `allow_overlap`."""
    deploy = get_deploy(workspace, deploy_id)
    if deploy["status"] == "complete":
        return deploy
    if deploy["status"] == "failed":
        deploy = set_deploy_status(workspace, deploy_id, "pending")
    deploy = set_deploy_status(workspace, deploy_id, "running", error=None)
    own = client is None
    list_name = None
    try:
        client = client or workspace_client(workspace)
        name = deploy["campaign_name"]
        skipped: list[dict[str, Any]] = []
        target = resolve_list(workspace, list_id=deploy["list_id"]) if deploy["list_id"] else None
        if target is not None:
            campaign, _ = list_campaign_for(client, target, name)
        else:
            campaign_id = deploy["emailbison_campaign_id"] or _known_campaign_id(workspace, name)
            campaign, _ = find_or_create_campaign(client, name, campaign_id)
        with transaction() as con:  # remembered before anything else, so a retry reuses this campaign
            con.execute("UPDATE campaign_deploys SET emailbison_campaign_id = ? WHERE id = ?", [campaign["id"], deploy_id])
        steps = leads = 0
        if deploy["path"] in ("copy_only", "both"):
            drafts = [d for d in list_drafts(workspace, name) if d.status == "approved"]
            if not drafts:
                raise OperationError(f"no approved copy for campaign {name!r}")
            steps = ensure_steps(client, campaign["id"], name, sorted(drafts, key=lambda d: d.step))
        if deploy["path"] in ("leads_only", "both"):
            list_name = target.name
            # The verification gate runs again here: only 'valid' emails leave.
            result = export_to_emailbison(workspace, target.name, campaign_id=campaign["id"], client=client,
                                          allow_overlap=allow_overlap, campaign_name=name)
            leads = result["exported"]
            skipped = result["skipped"]
        done = set_deploy_status(workspace, deploy_id, "complete", emailbison_campaign_id=campaign["id"],
                                 lead_count=leads, step_count=steps, skipped=json.dumps(skipped))
        try:  # outcomes flow back through the workspace's webhook URL; a refusal never fails the deploy
            webhook = ensure_registered_at_deploy(client, workspace)
        except OperationError as exc:
            webhook = {"error": str(exc)}
    except (EmailBisonError, OperationError, Exception) as exc:  # noqa: BLE001 - recorded, notified, re-raised
        message = str(exc)
        set_deploy_status(workspace, deploy_id, "failed", error=message[:1000])
        _notify(workspace, f"Deploy of *{deploy['campaign_name']}* failed: {message}", "Deploy failed: "
                + deploy["campaign_name"], key=f"deploy:{deploy_id}:failed:{deploy['started_at']}")
        raise OperationError(f"deploy {deploy_id} failed: {message}") from exc
    finally:
        if own and client is not None:
            client.close()
    if list_name:
        current = resolve_list(workspace, list_name)
        if current.status == "approved":
            set_list_status(workspace, list_name, "deployed")
    left_out = f" {len(skipped)} left out (see the deploy's skipped leads)." if skipped else ""
    _notify(workspace, f"*{done['campaign_name']}* is live in EmailBison (campaign {done['emailbison_campaign_id']}): "
            f"{done['lead_count']} leads attached, {done['step_count']} sequence steps.{left_out}",
            "Deploy complete: " + done["campaign_name"], key=f"deploy:{deploy_id}:complete")
    return {**done, "skipped": skipped, **({"webhook": webhook} if webhook else {})}


def _notify(workspace: str, text: str, subject: str, key: str) -> None:
    """One message per deploy event: the key makes a second announcement of the same event a no-op."""
    with transaction() as con:
        ids = notify(con, workspace, "deploy", text, subject, key=key)
    deliver_in_background(ids)
