"""The sandbox EmailBison after the send: a clock, the outcome model, webhooks, tags and stats.

- `POST /_sandbox/emailbison/clock {"advance_days": N, "deliver": true}` moves the sandbox's calendar N
  days on and, synchronously, emits what happened in those days to every campaign with leads that is
  not paused, stopped, archived or completed (the product deploys; launching is the admin's click in
  EmailBison, so a draft sends too here). Answers the counts. With "deliver": false the events happen
  (stats, tags) but no webhook is called: an endpoint that was down. `GET /_sandbox/emailbison/events`
  is the sandbox's own record of every event emitted, with its body and whether a webhook took it.
- Per lead, deterministically (world.roll): the first email goes out 1–3 days after the lead was
  attached; it bounces with world.bounce_probability(address) (truth of the address, stale finder
  data); else it may be opened, and the lead replies with world.reply_probability(true fit), is
  interested with world.interest_probability(true fit), books a meeting (tag "Meeting Booked") for half
  of the interested, and a few who never reply unsubscribe. True fit (world.true_fit) reads the lead's
  title and industry (its `vertical` custom variable, else the world's industry of its domain) against
  the client's real market (per EmailBison token). One email per lead: follow-ups are not simulated.
- Webhooks as documented (§11): `GET|POST /api/webhook-url`, `GET|PUT|DELETE /api/webhook-url/{id}`;
  bodies `{"event": {...}, "data": {scheduled_email, campaign_event, lead, campaign, sender_email,
  reply?, tag?}}`. `GET /api/tags`; `GET /api/campaigns/{id}/leads` shows each lead's stats and filters
  by `filters[tag_ids][]`; `POST /api/campaigns/{id}/stats` gives the campaign's totals.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.emailbison import STATE, Workspace, _body, _campaign_request, _gate, _invalid, _page

SILENT_STATUSES = {"paused", "stopped", "archived", "completed", "deleted", "pending deletion"}
MEETING_TAG = "Meeting Booked"
VENDOR_TYPES = {"sent": ("EMAIL_SENT", "Email Sent", "email_sent"),
                "opened": ("EMAIL_OPENED", "Email Opened", "email_opened"),
                "replied": ("LEAD_REPLIED", "Lead Replied", "lead_replied"),
                "interested": ("LEAD_INTERESTED", "Lead Interested", "lead_interested"),
                "bounced": ("EMAIL_BOUNCED", "Email Bounced", "email_bounced"),
                "unsubscribed": ("LEAD_UNSUBSCRIBED", "Lead Unsubscribed", "lead_unsubscribed"),
                "meeting_booked": ("TAG_ATTACHED", "Tag Attached", "tag_attached")}
_CLOCK_LOCK = asyncio.Lock()
_event_ids = itertools.count(1)


def _fresh_stats() -> dict:
    return {"status": "never_contacted", "emails_sent": 0, "replies": 0, "opens": 0, "interested": False}


def _industry(lead: dict) -> str | None:
    for var in lead.get("custom_variables") or []:
        if var.get("name") == "vertical" and var.get("value"):
            return var["value"]
    return world.company(lead["email"].rsplit("@", 1)[-1])["industry"]


def timeline(token: str, ws: Workspace, cid: int, lid: int) -> list[tuple[int, int, str]]:
    """(day, order within the day, event type) of everything that will happen to this lead here."""
    lead = ws.leads[lid]
    email = lead["email"]
    sent_day = ws.attached_day.get((cid, lid), 0) + 1 + int(world.roll("send-day", cid, email) * 3)
    out = [(sent_day, 0, "sent")]
    if world.roll("bounce", email) < world.bounce_probability(email):
        return out + [(sent_day, 1, "bounced")]
    if world.roll("open", cid, email) < world.OPEN_RATE:
        out.append((sent_day + int(world.roll("open-day", cid, email) * 2), 1, "opened"))
    fit = world.true_fit(lead.get("title"), _industry(lead), token)
    if world.roll("reply", cid, email) < world.reply_probability(fit):
        reply_day = sent_day + 1 + int(world.roll("reply-day", cid, email) * 5)
        out.append((reply_day, 2, "replied"))
        if world.roll("interest", cid, email) < world.interest_probability(fit):
            out.append((reply_day, 3, "interested"))
            if world.roll("meeting", cid, email) < world.MEETING_SHARE:
                out.append((reply_day + 2, 4, "meeting_booked"))
    elif world.roll("unsubscribe", cid, email) < world.UNSUBSCRIBE_SHARE:
        out.append((sent_day + 2, 2, "unsubscribed"))
    return out


def _meeting_tag(ws: Workspace) -> dict:
    tag = next((t for t in ws.tags.values() if t["name"] == MEETING_TAG), None)
    if tag is None:
        tag = {"id": next(STATE.ids), "name": MEETING_TAG, "default": False}
        ws.tags[tag["id"]] = tag
    return tag


def _apply(ws: Workspace, cid: int, lid: int, kind: str) -> dict | None:
    """The event's effect on EmailBison's own records; returns the tag for a meeting."""
    stats = ws.lead_stats.setdefault((cid, lid), _fresh_stats())
    lead = ws.leads[lid]
    if kind == "sent":
        stats.update(emails_sent=stats["emails_sent"] + 1, status="in_sequence")
    elif kind == "bounced":
        stats["status"] = "bounced"
        lead["status"] = "bounced"
    elif kind == "opened":
        stats["opens"] += 1
    elif kind == "replied":
        stats.update(replies=stats["replies"] + 1, status="replied")
    elif kind == "interested":
        stats["interested"] = True
    elif kind == "unsubscribed":
        stats["status"] = "sequence_stopped"
        lead["status"] = "unsubscribed"
    elif kind == "meeting_booked":
        tag = _meeting_tag(ws)
        ws.lead_tags.setdefault(lid, set()).add(tag["id"])
        return tag
    return None


def _payload(token: str, ws: Workspace, cid: int, lid: int, kind: str, day: int, tag: dict | None) -> dict:
    lead, campaign = ws.leads[lid], ws.campaigns[cid]
    when = (STATE.clock_started + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    vendor_type, name, _ = VENDOR_TYPES[kind]
    steps = ws.steps.get(cid) or []
    data = {
        "scheduled_email": {"id": int(world.roll("sched", cid, lid) * 10**8), "lead_id": lid,
                            "sequence_step_id": steps[0]["id"] if steps else None,
                            "email_subject": steps[0]["email_subject"] if steps else None,
                            "status": "sent", "sent_at": when},
        "campaign_event": {"id": next(_event_ids), "type": kind, "created_at": when},
        "lead": {k: lead.get(k) for k in ("id", "email", "first_name", "last_name", "status", "title", "company",
                                          "custom_variables")},
        "campaign": {"id": cid, "name": campaign["name"]},
        "sender_email": {"id": 1, "email": "sender@outsignal-sandbox.example", "name": "Sandbox Sender",
                         "status": "connected"},
    }
    if kind in ("replied", "interested"):
        interested = kind == "interested" or any(k == "interested" for _d, _o, k in timeline(token, ws, cid, lid))
        data["reply"] = {"id": int(world.roll("reply-id", cid, lid) * 10**8), "from_email_address": lead["email"],
                         "primary_to_email_address": "sender@outsignal-sandbox.example",
                         "email_subject": f"Re: {data['scheduled_email']['email_subject'] or campaign['name']}",
                         "text_body": world.reply_text(lead["email"], interested), "html_body": None,
                         "automated_reply": False, "interested": interested, "date_received": when}
    if tag is not None:
        data["tag"] = {"id": tag["id"], "name": tag["name"]}
    return {"event": {"type": vendor_type, "name": name, "workspace_id": int(world.roll("workspace-id", token) * 10**6),
                      "workspace_name": token}, "data": data}


async def _deliver(client: httpx.AsyncClient, ws: Workspace, kind: str, body: dict) -> list[int]:
    """POST the body to every webhook subscribed to this event; the status codes (0 = unreachable)."""
    codes = []
    for hook in list(ws.webhooks.values()):
        if VENDOR_TYPES[kind][2] not in hook["events"]:
            continue
        try:
            codes.append((await client.post(hook["url"], json=body)).status_code)
        except httpx.HTTPError:
            codes.append(0)
    return codes


async def clock(request: Request) -> Response:
    if request.method == "GET":
        return JSONResponse({"day": STATE.clock_day, "emitted": len(STATE.emitted)})
    body = await _body(request)
    days = body.get("advance_days")
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
        return JSONResponse({"error": "advance_days must be an integer from 0 to 365"}, status_code=400)
    deliver = body.get("deliver", True) is not False
    counts: Counter = Counter()
    delivered = failed = 0
    async with _CLOCK_LOCK, httpx.AsyncClient(timeout=10, trust_env=False) as client:
        for day in range(STATE.clock_day + 1, STATE.clock_day + days + 1):
            STATE.clock_day = day
            due = []
            for token, ws in list(STATE.workspaces.items()):
                for cid, campaign in list(ws.campaigns.items()):
                    if str(campaign.get("status", "")).lower() in SILENT_STATUSES:
                        continue
                    for lid in list(ws.campaign_leads.get(cid, [])):
                        due += [(token, ws, cid, lid, order, kind) for d, order, kind in timeline(token, ws, cid, lid)
                                if d == day]
            for token, ws, cid, lid, _order, kind in sorted(due, key=lambda e: (e[0], e[2], e[3], e[4])):
                tag = _apply(ws, cid, lid, kind)
                payload = _payload(token, ws, cid, lid, kind, day, tag)
                codes = await _deliver(client, ws, kind, payload) if deliver else []
                ok = any(200 <= c < 300 for c in codes)
                delivered += ok
                failed += bool(codes) and not ok
                counts[kind] += 1
                STATE.emitted.append({"token": token, "campaign_id": cid, "lead_id": lid,
                                      "email": ws.leads[lid]["email"], "type": kind, "day": day,
                                      "delivered": ok, "status_codes": codes, "payload": payload})
    return JSONResponse({"day": STATE.clock_day, "emitted": dict(counts), "delivered": delivered, "failed": failed})


async def emitted(request: Request) -> Response:
    token = request.query_params.get("token")
    return JSONResponse([e for e in STATE.emitted if token is None or e["token"] == token])


# ------------------------------------------------------------------ the documented API

async def stats(request: Request) -> Response:
    ws, cid, error = await _campaign_request(request)
    if error:
        return error
    body = await _body(request)
    missing = {k: [f"The {k.replace('_', ' ')} field is required."] for k in ("start_date", "end_date") if not body.get(k)}
    if missing:
        return _invalid(missing)
    rows = [ws.lead_stats.get((cid, lid), _fresh_stats()) for lid in ws.campaign_leads.get(cid, [])]
    leads = [ws.leads[lid] for lid in ws.campaign_leads.get(cid, [])]
    return JSONResponse({"data": {
        "emails_sent": sum(r["emails_sent"] for r in rows), "opened": sum(r["opens"] for r in rows),
        "unique_opens": sum(r["opens"] > 0 for r in rows), "replied": sum(r["replies"] for r in rows),
        "unique_replies": sum(r["replies"] > 0 for r in rows),
        "bounced": sum(r["status"] == "bounced" for r in rows),
        "unsubscribed": sum(lead.get("status") == "unsubscribed" for lead in leads),
        "interested": sum(bool(r["interested"]) for r in rows),
        "total_leads_contacted": sum(r["emails_sent"] > 0 for r in rows), "total_leads": len(rows)}})


async def tags(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    return _page(request, list(ws.tags.values()))


def _webhook_errors(body: dict) -> dict[str, list[str]]:
    errors = {k: [f"The {k} field is required."] for k in ("name", "url", "events") if not body.get(k)}
    if "events" not in errors and not isinstance(body["events"], list):
        errors["events"] = ["The events field must be an array."]
    return errors


async def webhook_urls(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    if request.method == "GET":
        return JSONResponse({"data": list(ws.webhooks.values())})
    body = await _body(request)
    if errors := _webhook_errors(body):
        return _invalid(errors)
    hook = {"id": next(STATE.ids), "name": body["name"], "url": body["url"], "events": list(body["events"]),
            "created_at": STATE.clock_started.isoformat(), "updated_at": STATE.clock_started.isoformat()}
    ws.webhooks[hook["id"]] = hook
    return JSONResponse({"data": hook}, status_code=201)


async def webhook_url(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    hid = int(request.path_params["webhook_id"])
    hook = ws.webhooks.get(hid)
    if hook is None:
        return JSONResponse({"message": "Not found."}, status_code=404)
    if request.method == "GET":
        return JSONResponse({"data": hook})
    if request.method == "DELETE":
        del ws.webhooks[hid]
        return JSONResponse({"data": {"success": True, "message": f"{hook['name']} webhook url was successfully deleted"}})
    body = await _body(request)
    if errors := _webhook_errors(body):
        return _invalid(errors)
    hook.update(name=body["name"], url=body["url"], events=list(body["events"]))
    return JSONResponse({"data": hook})


def routes(prefix: str = "/emailbison") -> list[Route]:
    api = f"{prefix}/api"
    return [
        Route("/_sandbox/emailbison/clock", clock, methods=["GET", "POST"]),
        Route("/_sandbox/emailbison/events", emitted),
        Route(f"{api}/campaigns/{{campaign_id:int}}/stats", stats, methods=["POST"]),
        Route(f"{api}/tags", tags),
        Route(f"{api}/webhook-url", webhook_urls, methods=["GET", "POST"]),
        Route(f"{api}/webhook-url/{{webhook_id:int}}", webhook_url, methods=["GET", "PUT", "DELETE"]),
    ]
