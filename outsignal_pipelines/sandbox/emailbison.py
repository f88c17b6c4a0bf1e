"""The sandbox EmailBison, behaving as the API is documented and observed (reference/emailbison_api.md
§14): each bearer token is its own workspace; `data` envelopes; Laravel pagination at 15 per page;
Laravel-shaped 422s; POST of sequence steps appends; bulk lead upserts skip personal-domain emails
silently and are idempotent by email; a single create of an existing email is a 422; attach-leads
ignores leads already attached. `GET /emailbison/_state` shows everything for tests and demos.
What happens after the send (the clock, webhooks, tags, stats) lives in sandbox.emailbison_events.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PER_PAGE = 15
PERSONAL_DOMAINS = {"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
                    "icloud.com", "aol.com", "proton.me", "protonmail.com"}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Workspace:
    campaigns: dict[int, dict] = field(default_factory=dict)
    leads: dict[int, dict] = field(default_factory=dict)
    custom_variables: dict[str, dict] = field(default_factory=dict)
    steps: dict[int, list[dict]] = field(default_factory=dict)      # campaign id → steps
    campaign_leads: dict[int, list[int]] = field(default_factory=dict)
    # After the send (see sandbox.emailbison_events): when each lead was attached (clock day), its
    # per-campaign stats, the workspace's tags and which leads carry them, and registered webhooks.
    attached_day: dict[tuple[int, int], int] = field(default_factory=dict)
    lead_stats: dict[tuple[int, int], dict] = field(default_factory=dict)
    tags: dict[int, dict] = field(default_factory=dict)
    lead_tags: dict[int, set[int]] = field(default_factory=dict)
    webhooks: dict[int, dict] = field(default_factory=dict)


class EmailBisonState:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.workspaces: dict[str, Workspace] = {}
        self.ids = itertools.count(1)
        self.rate_per_second = 0.0
        self.tokens = 0.0
        self.updated = 0.0
        self.fail_next: list[int] = []
        self.latency_ms = 0.0
        self.requests = 0
        self.rate_limited = 0
        self.lock = asyncio.Lock()
        self.clock_day = 0                       # the sandbox's own calendar, driven by tests and demos
        self.clock_started = datetime.now(timezone.utc).replace(microsecond=0)
        self.emitted: list[dict] = []            # every event the clock emitted, and whether it was delivered


STATE = EmailBisonState()


def _workspace(request: Request) -> Workspace | None:
    auth = request.headers.get("authorization", "")
    token = auth.removeprefix("Bearer ").strip()
    if not auth.startswith("Bearer ") or not token or token == "invalid-token":
        return None
    return STATE.workspaces.setdefault(token, Workspace())


def _invalid(errors: dict[str, list[str]]) -> JSONResponse:
    messages = [m for ms in errors.values() for m in ms]
    message = messages[0] + (f" (and {len(messages) - 1} more error{'s' if len(messages) > 2 else ''})"
                             if len(messages) > 1 else "")
    return JSONResponse({"message": message, "errors": errors}, status_code=422)


def _page(request: Request, items: list[dict]) -> JSONResponse:
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    total = len(items)
    last = max(1, -(-total // PER_PAGE))
    chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    base = str(request.url.remove_query_params("page"))
    sep = "&" if "?" in base else "?"
    return JSONResponse({
        "data": chunk,
        "links": {"first": f"{base}{sep}page=1", "last": f"{base}{sep}page={last}",
                  "prev": f"{base}{sep}page={page - 1}" if page > 1 else None,
                  "next": f"{base}{sep}page={page + 1}" if page < last else None},
        "meta": {"current_page": page, "from": (page - 1) * PER_PAGE + 1 if chunk else None, "last_page": last,
                 "path": base, "per_page": PER_PAGE, "to": (page - 1) * PER_PAGE + len(chunk) if chunk else None,
                 "total": total},
    })


async def _gate(request: Request) -> tuple[Workspace | None, Response | None]:
    import time

    async with STATE.lock:
        STATE.requests += 1
        injected = STATE.fail_next.pop(0) if STATE.fail_next else None
        wait = None
        if STATE.rate_per_second > 0:
            now = time.monotonic()
            if STATE.updated == 0:
                STATE.tokens, STATE.updated = STATE.rate_per_second, now
            STATE.tokens = min(STATE.rate_per_second, STATE.tokens + (now - STATE.updated) * STATE.rate_per_second)
            STATE.updated = now
            if STATE.tokens >= 1:
                STATE.tokens -= 1
            else:
                wait = (1 - STATE.tokens) / STATE.rate_per_second
    if STATE.latency_ms:
        await asyncio.sleep(STATE.latency_ms / 1000)
    workspace = _workspace(request)
    if workspace is None:
        return None, JSONResponse({"message": "Unauthenticated."}, status_code=401)
    if wait is not None:
        STATE.rate_limited += 1
        return None, JSONResponse({"message": "Too Many Attempts."}, status_code=429,
                                  headers={"Retry-After": f"{max(wait, 0.01):.2f}", "X-RateLimit-Remaining": "0"})
    if injected == 429:
        return None, JSONResponse({"message": "Too Many Attempts."}, status_code=429, headers={"Retry-After": "0.05"})
    if injected:
        return None, JSONResponse({"message": "Server Error"}, status_code=injected)
    return workspace, None


async def _body(request: Request) -> dict:
    try:
        body = await request.json()
    except Exception:  # noqa: BLE001
        return {}
    return body if isinstance(body, dict) else {}


# ------------------------------------------------------------------ campaigns

async def _campaign_request(request: Request) -> tuple[Workspace | None, int, Response | None]:
    """The gate, then the path's campaign, which must belong to the token's workspace."""
    ws, error = await _gate(request)
    cid = int(request.path_params["campaign_id"])
    if error is None and cid not in ws.campaigns:
        error = _no_campaign(cid)
    return ws, cid, error


def _no_campaign(cid: int) -> JSONResponse:
    """What EmailBison answers for a campaign id outside the token's workspace (observed shape)."""
    return JSONResponse({"data": {"record_not_found": {"campaign": str(cid)}}}, status_code=404)


async def campaigns(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    if request.method == "GET":
        search = (request.query_params.get("search") or "").lower()
        items = [c for c in ws.campaigns.values() if search in c["name"].lower()]
        return _page(request, items)
    body = await _body(request)
    if not body.get("name"):
        return _invalid({"name": ["The name field is required."]})
    cid = next(STATE.ids)
    campaign = {"id": cid, "uuid": f"c-{cid:08d}", "name": body["name"], "type": body.get("type") or "outbound",
                "status": "draft", "sequence_id": None, "max_emails_per_day": 1000, "max_new_leads_per_day": 1000,
                "total_leads": 0, "emails_sent": 0, "tags": [], "created_at": _now(), "updated_at": _now()}
    ws.campaigns[cid] = campaign
    return JSONResponse({"data": campaign}, status_code=201)


async def campaign(request: Request) -> Response:
    ws, cid, error = await _campaign_request(request)
    if error:
        return error
    item = dict(ws.campaigns[cid], total_leads=len(ws.campaign_leads.get(cid, [])))
    return JSONResponse({"data": item})


_STATUS_AFTER = {"pause": "paused", "resume": "queued", "archive": "archived"}


async def campaign_status(request: Request) -> Response:
    """PATCH /campaigns/{id}/pause|resume|archive (§4): paused, queued, archived."""
    ws, cid, error = await _campaign_request(request)
    if error:
        return error
    status = _STATUS_AFTER[request.url.path.rsplit("/", 1)[-1]]
    ws.campaigns[cid].update(status=status, updated_at=_now())
    return JSONResponse({"data": dict(ws.campaigns[cid], total_leads=len(ws.campaign_leads.get(cid, [])))})


# ------------------------------------------------------------------ custom variables

async def custom_variables(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    if request.method == "GET":
        return _page(request, list(ws.custom_variables.values()))
    name = (await _body(request)).get("name")
    if not name:
        return _invalid({"name": ["The name field is required."]})
    if name in ws.custom_variables:
        return _invalid({"name": ["The name has already been taken."]})
    ws.custom_variables[name] = {"id": next(STATE.ids), "name": name, "created_at": _now(), "updated_at": _now()}
    return JSONResponse({"data": ws.custom_variables[name]})


# ------------------------------------------------------------------ leads

def _lead_errors(lead: dict, index: int | None) -> dict[str, list[str]]:
    prefix = f"leads.{index}." if index is not None else ""
    errors: dict[str, list[str]] = {}
    for key in ("first_name", "last_name", "email"):
        if not lead.get(key):
            errors[f"{prefix}{key}"] = [f"The {prefix.replace('.', ' ')}{key.replace('_', ' ')} field is required."]
    email = lead.get("email") or ""
    if email and ("@" not in email or "." not in email.split("@")[-1]):
        errors[f"{prefix}email"] = [f"The {prefix.replace('.', ' ')}email field must be a valid email address."]
    return errors


def _custom_var_error(ws: Workspace, lead: dict) -> str | None:
    for var in lead.get("custom_variables") or []:
        if var.get("name") not in ws.custom_variables:
            return f"You do not have a custom variable named {var.get('name')}."
    return None


def _store_lead(ws: Workspace, lead: dict, behavior: str) -> dict:
    email = lead["email"].lower()
    existing = next((l for l in ws.leads.values() if l["email"] == email), None)
    fields = ("first_name", "last_name", "title", "company", "notes")
    if existing is None:
        existing = {"id": next(STATE.ids), "email": email, "status": "unverified", "custom_variables": [],
                    "lead_campaign_data": [], "created_at": _now()}
        ws.leads[existing["id"]] = existing
        behavior = "put"
    for key in fields:
        if behavior == "put" or key in lead:
            existing[key] = lead.get(key)
    if behavior == "put" or "custom_variables" in lead:
        existing["custom_variables"] = list(lead.get("custom_variables") or [])
    existing["updated_at"] = _now()
    return existing


async def leads_create(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    body = await _body(request)
    errors = _lead_errors(body, None)
    if body.get("email") and any(l["email"] == body["email"].lower() for l in ws.leads.values()):
        errors.setdefault("email", []).append("The email has already been taken.")
    if errors:
        return _invalid(errors)
    if (message := _custom_var_error(ws, body)) is not None:
        return JSONResponse({"data": {"success": False, "message": message}}, status_code=400)
    return JSONResponse({"data": _store_lead(ws, body, "put")}, status_code=201)


async def leads_upsert_multiple(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    body = await _body(request)
    leads = body.get("leads")
    behavior = body.get("existing_lead_behavior") or "put"
    if not isinstance(leads, list) or not leads:
        return _invalid({"leads": ["The leads field is required."]})
    if len(leads) > 500:
        return _invalid({"leads": ["The leads field must not have more than 500 items."]})
    if behavior not in ("put", "patch"):
        return _invalid({"existing_lead_behavior": ["The selected existing lead behavior is invalid."]})
    errors: dict[str, list[str]] = {}
    for i, lead in enumerate(leads):
        errors.update(_lead_errors(lead if isinstance(lead, dict) else {}, i))
    if errors:
        return _invalid(errors)
    for lead in leads:
        if (message := _custom_var_error(ws, lead)) is not None:
            return JSONResponse({"data": {"success": False, "message": message}}, status_code=400)
    stored = [_store_lead(ws, lead, behavior) for lead in leads
              if lead["email"].lower().rsplit("@", 1)[-1] not in PERSONAL_DOMAINS]
    return JSONResponse({"data": stored}, status_code=201)


async def leads_list(request: Request) -> Response:
    ws, error = await _gate(request)
    if error:
        return error
    return _page(request, list(ws.leads.values()))


# ------------------------------------------------------------------ campaign leads

async def attach_leads(request: Request) -> Response:
    ws, cid, error = await _campaign_request(request)
    if error:
        return error
    ids = (await _body(request)).get("lead_ids")
    if not isinstance(ids, list) or not ids:
        return _invalid({"lead_ids": ["The lead ids field is required."]})
    bad = {f"lead_ids.{i}": [f"The selected lead_ids.{i} is invalid."] for i, lid in enumerate(ids)
           if not isinstance(lid, int) or lid not in ws.leads}
    if bad:
        return _invalid(bad)
    attached = ws.campaign_leads.setdefault(cid, [])
    for lid in ids:
        if lid not in attached:
            attached.append(lid)
            ws.attached_day[(cid, lid)] = STATE.clock_day
    return JSONResponse({"data": {"success": True,
                                  "message": f"Leads successfully added to {ws.campaigns[cid]['name']}."}})


async def campaign_leads(request: Request) -> Response:
    ws, cid, error = await _campaign_request(request)
    if error:
        return error
    wanted = {int(t) for t in request.query_params.getlist("filters[tag_ids][]") if t.isdigit()}
    fresh = {"status": "never_contacted", "emails_sent": 0, "replies": 0, "opens": 0, "interested": False}
    items = [dict(ws.leads[lid], lead_campaign_data=dict(ws.lead_stats.get((cid, lid), fresh)))
             for lid in ws.campaign_leads.get(cid, [])
             if not wanted or wanted & ws.lead_tags.get(lid, set())]
    return _page(request, items)


# ------------------------------------------------------------------ sequence steps (v1.1)

async def sequence_steps(request: Request) -> Response:
    ws, cid, error = await _campaign_request(request)
    if error:
        return error
    steps = ws.steps.setdefault(cid, [])
    if request.method == "GET":
        shown = [dict(s, order=str(s["order"]), wait_in_days=str(s["wait_in_days"])) for s in steps]
        return JSONResponse({"data": {"sequence_id": ws.campaigns[cid]["sequence_id"], "sequence_steps": shown}})
    body = await _body(request)
    errors: dict[str, list[str]] = {}
    if not body.get("title"):
        errors["title"] = ["The title field is required."]
    new = body.get("sequence_steps")
    if not isinstance(new, list) or not new:
        errors["sequence_steps"] = ["The sequence steps field is required."]
        new = []
    for i, step in enumerate(new):
        for key in ("email_subject", "email_body", "wait_in_days"):
            if step.get(key) in (None, ""):
                errors[f"sequence_steps.{i}.{key}"] = [f"The sequence_steps.{i}.{key} field is required."]
        wait = step.get("wait_in_days")
        if isinstance(wait, int) and wait < 1:
            errors[f"sequence_steps.{i}.wait_in_days"] = [f"The sequence_steps.{i}.wait_in_days field must be at least 1."]
    if errors:
        return _invalid(errors)
    if ws.campaigns[cid]["sequence_id"] is None:
        ws.campaigns[cid]["sequence_id"] = next(STATE.ids)
    for step in new:  # POST appends: it never replaces what is there
        subject = step["email_subject"]
        steps.append({"id": next(STATE.ids), "email_subject": f"Re: {subject}" if step.get("thread_reply") else subject,
                      "order": int(step.get("order") or len(steps) + 1), "email_body": step["email_body"],
                      "wait_in_days": int(step["wait_in_days"]), "variant": bool(step.get("variant")),
                      "variant_from_step_id": None, "attachments": None, "thread_reply": bool(step.get("thread_reply"))})
    return JSONResponse({"data": {"id": ws.campaigns[cid]["sequence_id"], "type": "Campaign sequence",
                                  "title": body["title"], "sequence_steps": steps}})


# ------------------------------------------------------------------ control

async def state(request: Request) -> Response:
    """The whole sandbox EmailBison, per token: what a test or a demo user wants to read back."""
    return JSONResponse({token: {
        "campaigns": list(ws.campaigns.values()),
        "steps": {str(k): v for k, v in ws.steps.items()},
        "campaign_leads": {str(k): v for k, v in ws.campaign_leads.items()},
        "leads": len(ws.leads), "custom_variables": sorted(ws.custom_variables),
    } for token, ws in STATE.workspaces.items()} | {"_requests": STATE.requests, "_rate_limited": STATE.rate_limited})


async def configure(request: Request) -> Response:
    body = await _body(request)
    for key in ("rate_per_second", "latency_ms"):
        if key in body:
            setattr(STATE, key, float(body[key]))
            STATE.updated = 0.0
    if "fail_next" in body:
        STATE.fail_next = [int(c) for c in body["fail_next"]]
    if body.get("reset"):
        STATE.reset()
    return JSONResponse({"rate_per_second": STATE.rate_per_second, "latency_ms": STATE.latency_ms,
                         "fail_next": STATE.fail_next})


def routes(prefix: str = "/emailbison") -> list[Route]:
    api = f"{prefix}/api"
    return [
        Route(f"{prefix}/_state", state),
        Route(f"{prefix}/_config", configure, methods=["POST"]),
        Route(f"{api}/campaigns", campaigns, methods=["GET", "POST"]),
        Route(f"{api}/campaigns/v1.1/{{campaign_id:int}}/sequence-steps", sequence_steps, methods=["GET", "POST"]),
        Route(f"{api}/campaigns/{{campaign_id:int}}", campaign),
        *[Route(f"{api}/campaigns/{{campaign_id:int}}/{action}", campaign_status, methods=["PATCH"])
          for action in _STATUS_AFTER],
        Route(f"{api}/campaigns/{{campaign_id:int}}/leads/attach-leads", attach_leads, methods=["POST"]),
        Route(f"{api}/campaigns/{{campaign_id:int}}/leads", campaign_leads),
        Route(f"{api}/custom-variables", custom_variables, methods=["GET", "POST"]),
        Route(f"{api}/leads", leads_list, methods=["GET"]),
        Route(f"{api}/leads", leads_create, methods=["POST"]),
        Route(f"{api}/leads/create-or-update/multiple", leads_upsert_multiple, methods=["POST"]),
    ]
