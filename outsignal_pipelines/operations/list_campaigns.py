"""One campaign per list, one list per lead.

A list's EmailBison campaign is recorded on the list (`list_campaigns`, one row per list, a campaign
belongs to one list): its export and its deploy use the same campaign. The row is claimed by the
primary key, in one short transaction, before the campaign is created, so two runs never create two
campaigns; a creator that died is taken over after its lease (and its campaign, if it made one, is
found again by name).

A lead is attached to one active campaign per workspace (`lead_campaigns`, primary key per person and
workspace), claimed the same way before it is attached. A lead owned by another campaign that is
still active (draft, queued, active, paused...) is not attached again: it is reported by name. One
whose campaign has ended (completed, stopped, archived, deleted) is taken over. `allow_overlap`
attaches such leads anyway, for those who mean it, without taking them over."""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb

from outsignal_pipelines.clients.emailbison import EmailBisonClient, EmailBisonNotFound
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import TargetList
from outsignal_pipelines.store import connect, transaction

CAMPAIGN_LEASE_SECONDS = 90
POLL_SECONDS = 0.2
# EmailBison statuses of a campaign that will send no more (compared case-insensitively).
ENDED = {"completed", "stopped", "archived", "failed", "pending deletion", "deleted"}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def list_campaign(list_id: str) -> dict[str, Any] | None:
    """The list's recorded campaign: {list_id, campaign_name, emailbison_campaign_id, ...} or None."""
    with connect() as con:
        cursor = con.execute("SELECT * FROM list_campaigns WHERE list_id = ?", [list_id])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return dict(zip(names, rows[0])) if rows else None


_RETRY = object()


def _claim_row(target: TargetList, name: str, campaign_id: int | None, holder: str):
    """(claimed by us?, the row as it stands: (campaign id, name, lease)) in one transaction; _RETRY
    when a concurrent transaction of this process touched the same row (DuckDB refuses the second)."""
    try:
        return _claim_row_once(target, name, campaign_id, holder)
    except (duckdb.TransactionException, duckdb.ConstraintException) as exc:
        if campaign_id is not None and "list_campaigns" not in str(exc) and "Conflict" not in str(exc):
            raise
        return _RETRY


def _claim_row_once(target: TargetList, name: str, campaign_id: int | None, holder: str) -> tuple[bool, tuple | None]:
    now = _now()
    with transaction() as con:
        mine = bool(con.execute(
            "INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id, holder, "
            "lease_expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING list_id",
            [target.id, target.workspace_slug, name, campaign_id, None if campaign_id else holder,
             None if campaign_id else now + timedelta(seconds=CAMPAIGN_LEASE_SECONDS)]).fetchall())
        row = con.execute("SELECT emailbison_campaign_id, campaign_name, lease_expires_at FROM list_campaigns "
                          "WHERE list_id = ?", [target.id]).fetchall()
        if not mine and row and row[0][0] is None and row[0][2] is not None and row[0][2] < now:
            mine = bool(con.execute(  # its creator died: take the claim over
                "UPDATE list_campaigns SET holder = ?, lease_expires_at = ? WHERE list_id = ? "
                "AND emailbison_campaign_id IS NULL AND lease_expires_at < ? RETURNING list_id",
                [holder, now + timedelta(seconds=CAMPAIGN_LEASE_SECONDS), target.id, now]).fetchall())
    return mine, (row[0] if row else None)


def _taken_elsewhere(target: TargetList) -> set[int]:
    with connect() as con:
        rows = con.execute("SELECT emailbison_campaign_id FROM list_campaigns WHERE workspace_slug = ? AND list_id <> ? "
                           "AND emailbison_campaign_id IS NOT NULL", [target.workspace_slug, target.id]).fetchall()
    return {r[0] for r in rows}


def list_campaign_for(client: EmailBisonClient, target: TargetList, name: str,
                      campaign_id: int | None = None) -> tuple[dict, bool]:
    """The list's EmailBison campaign, created at most once whoever asks (export or deploy): returns
    (campaign, created?). `campaign_id` adopts an existing campaign for a list that has none yet."""
    holder = _holder()
    deadline = time.monotonic() + CAMPAIGN_LEASE_SECONDS + 5
    while True:
        claimed = _claim_row(target, name, campaign_id, holder)
        if claimed is _RETRY:
            time.sleep(POLL_SECONDS)
            continue
        mine, row = claimed
        if row is None:
            raise OperationError(f"EmailBison campaign {campaign_id} already belongs to another list")
        known = row[0]
        if known is not None:
            if campaign_id is not None and int(campaign_id) != int(known):
                raise OperationError(f"list {target.name!r} already goes to EmailBison campaign {known} "
                                     f"({row[1]!r}); one list has one campaign")
            try:
                return client.get_campaign(int(known)), False
            except EmailBisonNotFound as exc:
                raise OperationError(f"the EmailBison campaign {known} of list {target.name!r} is gone "
                                     "(deleted in EmailBison)") from exc
        if mine:
            return _create(client, target, name, holder)
        if time.monotonic() > deadline:
            raise OperationError(f"another run is still creating the EmailBison campaign of {target.name!r}; "
                                 "try again in a minute")
        time.sleep(POLL_SECONDS)


def _create(client: EmailBisonClient, target: TargetList, name: str, holder: str) -> tuple[dict, bool]:
    """Create (or find again, after a dead creator) the list's campaign and record it on the list."""
    taken = _taken_elsewhere(target)
    existing = sorted((c for c in client.find_campaigns(name) if c.get("name") == name and c["id"] not in taken),
                      key=lambda c: c["id"])
    campaign, created = (existing[0], False) if existing else (client.create_campaign(name), True)
    with transaction() as con:
        recorded = con.execute(
            "UPDATE list_campaigns SET emailbison_campaign_id = ?, campaign_name = ?, holder = NULL, "
            "lease_expires_at = NULL WHERE list_id = ? AND holder = ? AND emailbison_campaign_id IS NULL RETURNING 1",
            [campaign["id"], campaign["name"], target.id, holder]).fetchall()
    if not recorded:
        raise OperationError(f"lost the claim on the EmailBison campaign of {target.name!r} (held too long); "
                             "run again: it will be found and reused")
    return campaign, created


# ------------------------------------------------------------------ one list per lead

def _ended(client: EmailBisonClient, campaign_id: int) -> bool:
    try:
        status = str(client.get_campaign(int(campaign_id)).get("status") or "")
    except EmailBisonNotFound:
        return True
    return status.lower() in ENDED


def claim_leads(client: EmailBisonClient, target: TargetList, campaign: dict, rows: list[dict[str, Any]],
                allow_overlap: bool = False) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]],
                                                      list[int]]:
    """Split the list's ready leads into (to attach, skipped, overlapping but attached anyway, ids
    newly claimed by this call: released again if the attach fails).

    Each lead is claimed for this campaign unless another active campaign of the workspace holds it."""
    workspace, cid = target.workspace_slug, int(campaign["id"])
    ids = [int(r["person_id"]) for r in rows]
    if not ids:
        return [], [], [], []
    with transaction() as con:
        new = [r[0] for r in con.execute(
            "INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) "
            "SELECT ?, unnest(?::BIGINT[]), ?, ? ON CONFLICT DO NOTHING RETURNING person_id",
            [workspace, ids, cid, target.id]).fetchall()]
        owners = con.execute(
            """SELECT o.person_id, o.emailbison_campaign_id, coalesce(c.campaign_name, '?'), coalesce(l.name, '?')
               FROM lead_campaigns o LEFT JOIN list_campaigns c ON c.emailbison_campaign_id = o.emailbison_campaign_id
                 AND c.workspace_slug = o.workspace_slug
               LEFT JOIN target_lists l ON l.id = o.list_id
               WHERE o.workspace_slug = ? AND o.person_id IN (SELECT unnest(?::BIGINT[]))
                 AND o.emailbison_campaign_id <> ?""", [workspace, ids, cid]).fetchall()
    held = {pid: (other, cname, lname) for pid, other, cname, lname in owners}
    ended = {other for other in {v[0] for v in held.values()} if _ended(client, other)}
    if ended:
        with transaction() as con:
            moved = con.execute(
                "UPDATE lead_campaigns SET emailbison_campaign_id = ?, list_id = ?, attached_at = current_timestamp "
                "WHERE workspace_slug = ? AND person_id IN (SELECT unnest(?::BIGINT[])) "
                "AND emailbison_campaign_id IN (SELECT unnest(?::BIGINT[])) RETURNING person_id",
                [cid, target.id, workspace, [p for p, v in held.items() if v[0] in ended], sorted(ended)]).fetchall()
        for (pid,) in moved:
            held.pop(pid, None)
            new.append(pid)
    attach, skipped, overlapping = [], [], []
    for row in rows:
        owner = held.get(int(row["person_id"]))
        if owner is None:
            attach.append(row)
            continue
        note = {"name": " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or row["email"],
                "email": row["email"], "campaign_id": owner[0], "campaign": owner[1], "list": owner[2],
                "reason": f"already in active campaign {owner[1]!r} (list {owner[2]!r})"}
        (overlapping if allow_overlap else skipped).append(note)
        if allow_overlap:
            attach.append(row)
    return attach, skipped, overlapping, new


def release_leads(target: TargetList, campaign_id: int, person_ids: list[int]) -> None:
    """Leads EmailBison did not take (personal domains) are not this campaign's after all."""
    if person_ids:
        with transaction() as con:
            con.execute("DELETE FROM lead_campaigns WHERE workspace_slug = ? AND emailbison_campaign_id = ? "
                        "AND person_id IN (SELECT unnest(?::BIGINT[]))", [target.workspace_slug, campaign_id, person_ids])
