"""Telling the client that work waits for them. Sending a list or a campaign's copy to review emails
each client address of the workspace what waits (the list, how many leads and how they score; the
copy's steps) and a sign-in link to the portal, through the magic-link operation of
operations/auth (its rate limits and token handling apply). The summary carries an idempotency key
per review round, so sending the same round twice emails it once."""

from __future__ import annotations

import json
import logging

from outsignal_pipelines.operations.auth import RateLimited, portal_base_url, request_magic_link
from outsignal_pipelines.operations.notifications import deliver_in_background, enqueue
from outsignal_pipelines.store import connect, transaction

log = logging.getLogger(__name__)


def client_emails(workspace: str) -> list[str]:
    with connect() as con:
        row = con.execute("SELECT client_emails FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    emails = json.loads(row[0][0] or "[]") if row else []
    return sorted({e.strip().lower() for e in emails if isinstance(e, str) and e.strip()})


def invite_clients(workspace: str, subject: str, what: str, key: str) -> list[str]:
    """Email every client of the workspace `what` waits for them, then their sign-in link. Returns the
    addresses written to. A refused link (rate limit) leaves the summary telling them to ask for one."""
    emails = client_emails(workspace)
    if not emails:
        return []
    portal = f"{portal_base_url()}/portal"
    ids = []
    with transaction() as con:
        name_row = con.execute("SELECT name FROM workspaces WHERE slug = ?", [workspace]).fetchall()
        agency_client = name_row[0][0] if name_row else workspace
        for email in emails:
            text = (f"Hello,\n\n{what}\n\nOpen your portal to review it: {portal}\n"
                    "A sign-in link follows in a separate email; if it does not arrive, ask for one on that page.\n\n"
                    f"({agency_client})")
            ids.append(enqueue(con, "review_invite", "email", {"to": [email], "subject": subject, "text": text},
                               workspace, key=f"{key}:{email}"))
    deliver_in_background(ids)
    for email in emails:
        try:
            request_magic_link(email)
        except RateLimited:
            log.info("no new sign-in link for %s (rate limit); the summary tells them to ask for one", email)
    return emails
