"""The sandbox vendor APIs: one Starlette app on loopback that answers each vendor's documented paths
and shapes (under /<vendor>/...), so the demo and the tests run the real clients without spending a
credit. Per vendor it simulates latency, hit rate, a rate limit (429 with the vendor's headers),
injected failures and a credit balance; `GET /_sandbox/usage` tells what would have been paid.

Control endpoints: GET /_sandbox/usage, GET /_sandbox/calls, GET|POST /_sandbox/config, POST /_sandbox/reset.
EmailBison lives under /emailbison/api/... (see sandbox.emailbison), with GET /emailbison/_state.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import emailbison, inbox, world

VENDOR_NAMES = ("prospeo", "aiark", "leadmagic", "findymail", "firecrawl", "millionverifier")


@dataclass
class VendorState:
    latency_ms: float = 0.0
    hit_rate: float = 0.6
    rate_per_second: float = 0.0        # 0 = unlimited
    burst: float = 0.0                   # bucket size; defaults to the rate
    credits: float = 1_000_000.0
    error_rate: float = 0.0              # share of calls answered 500
    garbage_rate: float = 0.0            # share answered with a body that is not JSON
    timeout_rate: float = 0.0            # share that hang for `hang_seconds`
    hang_seconds: float = 30.0
    fail_next: list[int] = field(default_factory=list)  # status codes to answer next, in order ('0' = garbage)
    calls: int = 0
    billed_credits: float = 0.0
    tokens: float = -1.0
    last_refill: float = 0.0


class SandboxState:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.vendors: dict[str, VendorState] = {name: VendorState() for name in VENDOR_NAMES}
        self.vendors["firecrawl"].hit_rate = 0.9
        self.call_log: list[dict] = []
        self.request_counts: dict[str, int] = defaultdict(int)
        self.sequence = 0
        self.lock = asyncio.Lock()

    def usage(self) -> dict[str, dict[str, float]]:
        return {name: {"calls": v.calls, "credits": round(v.billed_credits, 4)} for name, v in self.vendors.items()}


STATE = SandboxState()


def _rate_limited(v: VendorState) -> float | None:
    """Token bucket; returns seconds until a token is available, or None when one was taken."""
    if v.rate_per_second <= 0:
        return None
    now = time.monotonic()
    capacity = v.burst or v.rate_per_second
    if v.tokens < 0:
        v.tokens, v.last_refill = capacity, now
    v.tokens = min(capacity, v.tokens + (now - v.last_refill) * v.rate_per_second)
    v.last_refill = now
    if v.tokens >= 1:
        v.tokens -= 1
        return None
    return (1 - v.tokens) / v.rate_per_second


_RATE_HEADERS = {
    "prospeo": lambda s: {"x-minute-reset-seconds": f"{s:.2f}", "x-minute-request-left": "0"},
    "leadmagic": lambda s: {"Retry-After": f"{s:.2f}", "RateLimit-Remaining": "0", "RateLimit-Reset": f"{s:.2f}"},
    "firecrawl": lambda s: {"Retry-After": f"{s:.2f}"},
}
_RATE_BODIES = {
    "prospeo": {"error": True, "error_code": "RATE_LIMITED"},
    "leadmagic": {"success": False, "errors": [{"code": "rate_limited", "status": 429, "title": "Too many requests"}]},
    "firecrawl": {"success": False, "error": "Rate limit exceeded"},
    "aiark": {"status": 429, "error": "Too Many Requests"},
}


def _auth_ok(vendor: str, request: Request) -> bool:
    headers = request.headers
    key = {
        "prospeo": headers.get("x-key"),
        "aiark": headers.get("x-token"),
        "leadmagic": headers.get("x-api-key"),
        "findymail": (headers.get("authorization") or "").removeprefix("Bearer ").strip(),
        "firecrawl": (headers.get("authorization") or "").removeprefix("Bearer ").strip(),
        "millionverifier": request.query_params.get("api"),
    }[vendor]
    return bool(key) and key != "invalid-key"


_AUTH_BODIES = {
    "prospeo": {"error": True, "error_code": "INVALID_API_KEY"},
    "leadmagic": {"success": False, "errors": [{"code": "unauthorized", "status": 401}]},
    "millionverifier": {"error": "Invalid API key", "credits": 0},
}


async def _gate(vendor: str, request: Request) -> Response | None:
    """Everything that happens before a vendor looks at the question: latency, auth, rate limit,
    injected failures."""
    v = STATE.vendors[vendor]
    async with STATE.lock:
        v.calls += 1
        STATE.sequence += 1
        wait = _rate_limited(v)
        injected = v.fail_next.pop(0) if v.fail_next else None
    if v.latency_ms:
        await asyncio.sleep(v.latency_ms / 1000)
    if not _auth_ok(vendor, request):
        body = _AUTH_BODIES.get(vendor, {"error": "Unauthorized"})
        return JSONResponse(body, status_code=200 if vendor == "millionverifier" else 401)
    if wait is not None:
        return JSONResponse(_RATE_BODIES.get(vendor, {"error": "rate limited"}), status_code=429,
                            headers=_RATE_HEADERS.get(vendor, lambda s: {})(wait))
    chance = world.roll("inject", vendor, STATE.sequence)
    if injected is None:
        if chance < v.timeout_rate:
            await asyncio.sleep(v.hang_seconds)
        elif chance < v.timeout_rate + v.error_rate:
            injected = 500
        elif chance < v.timeout_rate + v.error_rate + v.garbage_rate:
            injected = 0
    if injected == 0:
        return PlainTextResponse("<html><body>502 Bad Gateway</body></html>", status_code=200)
    if injected is not None:
        if injected == 429:
            return JSONResponse(_RATE_BODIES.get(vendor, {"error": "rate limited"}), status_code=429,
                                headers=_RATE_HEADERS.get(vendor, lambda s: {})(0.05))
        return JSONResponse({"error": "injected failure"}, status_code=injected)
    return None


async def _bill(vendor: str, credits: float, key: str) -> bool:
    """Take credits; False when the balance cannot cover them (the caller answers out-of-credits)."""
    v = STATE.vendors[vendor]
    async with STATE.lock:
        if credits and v.credits < credits:
            return False
        v.credits -= credits
        v.billed_credits += credits
        if credits:
            STATE.request_counts[f"{vendor}:{key}"] += 1
        STATE.call_log.append({"vendor": vendor, "key": key, "credits": credits})
    return True


async def _json(request: Request) -> dict:
    try:
        body = await request.json()
    except Exception:  # noqa: BLE001 - any unreadable body is a 400 at every vendor
        return {}
    return body if isinstance(body, dict) else {}


# ------------------------------------------------------------------ Prospeo

async def prospeo_enrich(request: Request) -> Response:
    if (gate := await _gate("prospeo", request)) is not None:
        return gate
    data = (await _json(request)).get("data") or {}
    return await _prospeo_answer(data, bulk=False)


def _prospeo_identity(data: dict) -> tuple[str, dict] | None:
    if data.get("linkedin_url"):
        person = world.person_from_linkedin(data["linkedin_url"])
        return f"li:{world.linkedin_slug(data['linkedin_url'])}", person
    if data.get("first_name") and data.get("last_name") and (data.get("company_website") or data.get("company_name")):
        domain = (data.get("company_website") or "").lower() or world.pick(
            ["acme-labs.example"], data.get("company_name"))
        person = {"first_name": data["first_name"], "last_name": data["last_name"], "domain": domain,
                  "company": data.get("company_name") or domain.split(".")[0].title(),
                  "title": world.pick(["Head of Growth", "CTO", "Director of Sales"], data["first_name"], domain),
                  "linkedin": None}
        return f"name:{data['first_name']}|{data['last_name']}|{domain}", person
    return None


async def _prospeo_answer(data: dict, bulk: bool) -> Response:
    v = STATE.vendors["prospeo"]
    identity = _prospeo_identity(data)
    if identity is None:
        return JSONResponse({"error": True, "error_code": "INVALID_DATAPOINTS"}, status_code=400)
    key, person = identity
    if not world.hit("prospeo", key, v.hit_rate):
        await _bill("prospeo", 0, key)
        return JSONResponse({"error": True, "error_code": "NO_MATCH"}, status_code=400)
    if not await _bill("prospeo", 1, key):
        return JSONResponse({"error": True, "error_code": "INSUFFICIENT_CREDITS"}, status_code=400)
    email = world.email_for(person["first_name"], person["last_name"], person["domain"], person.get("suffix", ""))
    body = {
        "error": False, "free_enrichment": False,
        "person": {
            "person_id": f"p-{int(world.roll('pid', key) * 10**8)}", "first_name": person["first_name"],
            "last_name": person["last_name"], "full_name": f"{person['first_name']} {person['last_name']}",
            "linkedin_url": person["linkedin"], "current_job_title": person["title"],
            "email": {"status": "VERIFIED", "revealed": True, "email": email, "verification_method": "SMTP"},
            "mobile": {"status": "UNAVAILABLE", "revealed": False},
            "location": {"country": "United Kingdom", "country_code": "GB", "city": "London"},
        },
        "company": {"name": person["company"], "domain": person["domain"], "website": f"https://{person['domain']}"},
    }
    return JSONResponse(body)


async def prospeo_bulk(request: Request) -> Response:
    if (gate := await _gate("prospeo", request)) is not None:
        return gate
    items = (await _json(request)).get("data") or []
    if not isinstance(items, list) or len(items) > 50:
        return JSONResponse({"error": True, "error_code": "INVALID_REQUEST"}, status_code=400)
    matched, not_matched, invalid, total = [], [], [], 0
    for item in items:
        answer = await _prospeo_answer(item, bulk=True)
        ident = item.get("identifier")
        if answer.status_code == 200:
            matched.append({"identifier": ident, **json.loads(answer.body)})
            total += 1
        elif b"INVALID_DATAPOINTS" in answer.body:
            invalid.append(ident)
        elif b"INSUFFICIENT_CREDITS" in answer.body:
            return answer
        else:
            not_matched.append(ident)
    return JSONResponse({"error": False, "total_cost": total, "matched": matched, "not_matched": not_matched,
                         "invalid_datapoints": invalid})


async def prospeo_account(request: Request) -> Response:
    if (gate := await _gate("prospeo", request)) is not None:
        return gate
    return JSONResponse({"error": False, "response": {"remaining_credits": STATE.vendors["prospeo"].credits}})


# ------------------------------------------------------------------ AI Ark

async def aiark_export_single(request: Request) -> Response:
    if (gate := await _gate("aiark", request)) is not None:
        return gate
    body = await _json(request)
    url = body.get("url")
    if not url and not body.get("id"):
        return JSONResponse({"status": 400, "error": "id or url is required"}, status_code=400)
    key = f"li:{world.linkedin_slug(url or body['id'])}"
    v = STATE.vendors["aiark"]
    if not world.hit("aiark", key, v.hit_rate):
        await _bill("aiark", 0, key)
        return JSONResponse({"status": 404, "error": "no email found", "path": "/v1/people/export/single"},
                            status_code=404)
    if not await _bill("aiark", 1, key):
        return JSONResponse({"status": 402, "error": "insufficient credits"}, status_code=402)
    person = world.person_from_linkedin(url or f"https://www.linkedin.com/in/{body['id']}")
    email = world.email_for(person["first_name"], person["last_name"], person["domain"], person["suffix"])
    truth = world.verification(email)
    domain_type = {"valid": "SMTP", "catch_all": "CATCH_ALL"}.get(truth, "UNKNOWN")
    return JSONResponse({
        "id": key, "profile": {"first_name": person["first_name"], "last_name": person["last_name"],
                               "title": person["title"], "headline": person["title"]},
        "link": {"linkedin": person["linkedin"]},
        "location": {"default": "London, United Kingdom", "city": "London", "country": "United Kingdom"},
        "company": {"summary": {"name": person["company"], "staff": {"total": 120}},
                    "link": {"domain": person["domain"], "website": f"https://{person['domain']}"}},
        "email": {"state": "DONE", "output": [{"address": email, "domainType": domain_type,
                                               "status": "INVALID" if truth == "invalid" else "VALID",
                                               "subStatus": "EMPTY", "found": True}]},
    })


async def aiark_companies(request: Request) -> Response:
    if (gate := await _gate("aiark", request)) is not None:
        return gate
    body = await _json(request)
    include = ((body.get("account") or {}).get("domain") or {}).get("include") or []
    if not include:
        return JSONResponse({"status": 400, "error": "a filter is required"}, status_code=400)
    domain = str(include[0]).lower()
    key = f"company:{domain}"
    v = STATE.vendors["aiark"]
    if not world.hit("aiark-company", key, v.hit_rate):
        await _bill("aiark", 0, key)
        return JSONResponse({"content": [], "totalElements": 0, "totalPages": 0, "number": 0, "trackId": "t-0"})
    if not await _bill("aiark", 1, key):
        return JSONResponse({"status": 402, "error": "insufficient credits"}, status_code=402)
    c = world.company(domain)
    return JSONResponse({"content": [{
        "summary": {"name": c["name"], "industry": c["industry"], "staff": {"total": c["headcount"]},
                    "description": c["description"], "founded_year": c["founded"]},
        "link": {"domain": domain, "website": f"https://{domain}",
                 "linkedin": f"https://www.linkedin.com/company/{domain.split('.')[0]}"},
        "location": {"headquarter": "London, United Kingdom", "country": "United Kingdom"},
    }], "totalElements": 1, "totalPages": 1, "number": 0, "trackId": "t-1"})


# ------------------------------------------------------------------ LeadMagic

async def leadmagic_finder(request: Request) -> Response:
    if (gate := await _gate("leadmagic", request)) is not None:
        return gate
    body = await _json(request)
    first, last = body.get("first_name"), body.get("last_name")
    domain = body.get("domain") or (body.get("company_name") or "").lower().replace(" ", "") + ".example"
    if not (first and last and domain.strip(".")):
        return JSONResponse({"success": False, "errors": [{"code": "validation_error", "status": 400}]}, status_code=400)
    key = f"name:{first}|{last}|{domain}".lower()
    v = STATE.vendors["leadmagic"]
    if not world.hit("leadmagic", key, v.hit_rate):
        await _bill("leadmagic", 0, key)
        return JSONResponse({"email": None, "status": "not_found", "credits_consumed": 0,
                             "message": "No email found.", "first_name": first, "last_name": last, "domain": domain})
    if not await _bill("leadmagic", 1, key):
        return JSONResponse({"success": False, "errors": [{"code": "insufficient_credits", "status": 402}]},
                            status_code=402)
    email = world.email_for(first, last, domain)
    truth = world.verification(email)
    return JSONResponse({"email": email, "status": "valid_catch_all" if truth == "catch_all" else "valid",
                         "credits_consumed": 1, "message": "Valid email found.", "first_name": first,
                         "last_name": last, "domain": domain, "is_domain_catch_all": truth == "catch_all",
                         "company_name": domain.split(".")[0].title()})


async def leadmagic_validate(request: Request) -> Response:
    if (gate := await _gate("leadmagic", request)) is not None:
        return gate
    email = (await _json(request)).get("email")
    if not email:
        return JSONResponse({"success": False, "errors": [{"code": "validation_error", "status": 400}]}, status_code=400)
    truth = world.verification(email)
    status = {"risky": "catch_all"}.get(truth, truth)
    credits = 0 if status == "unknown" else 0.25
    if not await _bill("leadmagic", credits, f"verify:{email}"):
        return JSONResponse({"success": False, "errors": [{"code": "insufficient_credits", "status": 402}]},
                            status_code=402)
    return JSONResponse({"email": email, "email_status": status, "credits_consumed": credits,
                         "is_domain_catch_all": truth == "catch_all"})


# ------------------------------------------------------------------ FindyMail

async def _findymail_find(request: Request, by: str) -> Response:
    if (gate := await _gate("findymail", request)) is not None:
        return gate
    body = await _json(request)
    if by == "linkedin":
        if not body.get("linkedin_url"):
            return JSONResponse({"error": "linkedin_url is required"}, status_code=422)
        person = world.person_from_linkedin(body["linkedin_url"])
        key = f"li:{world.linkedin_slug(body['linkedin_url'])}"
    else:
        name, domain = body.get("name") or "", (body.get("domain") or "").lower()
        first, _, last = name.partition(" ")
        if not (first and last and domain):
            return JSONResponse({"error": "name and domain are required"}, status_code=422)
        person = {"first_name": first, "last_name": last, "domain": domain, "company": domain.split(".")[0].title(),
                  "title": None, "linkedin": None}
        key = f"name:{first}|{last}|{domain}".lower()
    v = STATE.vendors["findymail"]
    email = world.email_for(person["first_name"], person["last_name"], person["domain"], person.get("suffix", ""))
    # FindyMail only returns verified addresses: a miss when the truth is not valid.
    if not world.hit("findymail", key, v.hit_rate) or world.verification(email) != "valid":
        await _bill("findymail", 0, key)
        return JSONResponse({"contact": None})
    if not await _bill("findymail", 1, key):
        return JSONResponse({"error": "Not enough credits"}, status_code=402)
    return JSONResponse({"contact": {"id": int(world.roll("id", key) * 10**9), "name": f"{person['first_name']} {person['last_name']}",
                                     "email": email, "domain": person["domain"], "company": person["company"],
                                     "linkedin_url": person["linkedin"], "job_title": person["title"]}})


async def findymail_name(request: Request) -> Response:
    return await _findymail_find(request, "name")


async def findymail_linkedin(request: Request) -> Response:
    return await _findymail_find(request, "linkedin")


async def findymail_verify(request: Request) -> Response:
    if (gate := await _gate("findymail", request)) is not None:
        return gate
    email = (await _json(request)).get("email")
    if not email:
        return JSONResponse({"error": "email is required"}, status_code=422)
    if not await _bill("findymail", 1, f"verify:{email}"):
        return JSONResponse({"error": "Not enough credits"}, status_code=402)
    return JSONResponse({"email": email, "verified": world.verification(email) == "valid", "provider": "Google"})


# ------------------------------------------------------------------ Firecrawl

async def firecrawl_scrape(request: Request) -> Response:
    if (gate := await _gate("firecrawl", request)) is not None:
        return gate
    url = (await _json(request)).get("url")
    if not url or "://" not in url:
        return JSONResponse({"success": False, "error": "Invalid URL"}, status_code=400)
    domain = url.split("://", 1)[1].split("/", 1)[0].lower()
    if not await _bill("firecrawl", 1, f"scrape:{domain}"):
        return JSONResponse({"success": False, "error": "Payment Required: Insufficient credits"}, status_code=402)
    v = STATE.vendors["firecrawl"]
    if not world.hit("firecrawl", domain, v.hit_rate):
        return JSONResponse({"success": True, "data": {"markdown": "# Not Found", "metadata": {
            "title": "404", "sourceURL": url, "url": url, "statusCode": 404}}})
    c = world.company(domain)
    markdown = (f"# {c['name']}\n\n{c['description']}\n\n## What we do\n\n{c['name']} serves "
                f"{c['industry']} customers with {c['headcount']} people across Europe and North America.\n\n"
                "## Customers\n\nTrusted by finance, operations and people teams.\n")
    return JSONResponse({"success": True, "data": {"markdown": markdown, "links": [f"{url}/about"], "metadata": {
        "title": [c["name"], f"{c['name']} | Home"], "description": c["description"], "language": "en",
        "sourceURL": url, "url": url, "statusCode": 200, "contentType": "text/html", "error": None}}})


# ------------------------------------------------------------------ MillionVerifier

async def millionverifier_verify(request: Request) -> Response:
    if (gate := await _gate("millionverifier", request)) is not None:
        return gate
    email = request.query_params.get("email")
    if not email:
        return JSONResponse({"error": "No email specified", "credits": STATE.vendors["millionverifier"].credits})
    truth = world.verification(email)
    result = {"valid": "ok", "risky": "disposable"}.get(truth, truth)
    credits = 0 if result == "unknown" else 1
    if not await _bill("millionverifier", credits, f"verify:{email}"):
        return JSONResponse({"email": email, "error": "Insufficient credits", "credits": 0})
    return JSONResponse({"email": email, "quality": "good" if result == "ok" else "bad", "result": result,
                         "resultcode": {"ok": 1, "catch_all": 2, "unknown": 3, "disposable": 5, "invalid": 6}[result],
                         "subresult": "", "free": credits == 0, "role": False,
                         "credits": STATE.vendors["millionverifier"].credits, "executiontime": 1, "error": ""})


# ------------------------------------------------------------------ control

async def usage(request: Request) -> Response:
    return JSONResponse(STATE.usage())


async def calls(request: Request) -> Response:
    """Billable calls per question: a count above 1 means somebody paid twice for one answer."""
    return JSONResponse({"paid_requests": dict(STATE.request_counts), "calls": len(STATE.call_log)})


async def config(request: Request) -> Response:
    if request.method == "POST":
        body = await _json(request)
        for vendor, settings in body.items():
            if vendor not in STATE.vendors or not isinstance(settings, dict):
                return JSONResponse({"error": f"unknown vendor {vendor!r}"}, status_code=400)
            state = STATE.vendors[vendor]
            for key, value in settings.items():
                if key not in VendorState.__dataclass_fields__ or key in ("calls", "billed_credits", "tokens", "last_refill"):
                    return JSONResponse({"error": f"unknown setting {key!r}"}, status_code=400)
                setattr(state, key, list(value) if key == "fail_next" else value)
                if key in ("rate_per_second", "burst"):
                    state.tokens = -1.0
    return JSONResponse({name: {k: v for k, v in asdict(s).items() if k not in ("tokens", "last_refill")}
                         for name, s in STATE.vendors.items()})


async def reset(request: Request) -> Response:
    STATE.reset()
    emailbison.STATE.reset()
    inbox.reset()
    return JSONResponse({"reset": True})


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def _routes() -> list[Route]:
    return [
        Route("/_sandbox/health", health),
        Route("/_sandbox/usage", usage),
        Route("/_sandbox/calls", calls),
        Route("/_sandbox/config", config, methods=["GET", "POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/prospeo/enrich-person", prospeo_enrich, methods=["POST"]),
        Route("/prospeo/bulk-enrich-person", prospeo_bulk, methods=["POST"]),
        Route("/prospeo/account-information", prospeo_account, methods=["GET", "POST"]),
        Route("/aiark/v1/people/export/single", aiark_export_single, methods=["POST"]),
        Route("/aiark/v1/companies", aiark_companies, methods=["POST"]),
        Route("/leadmagic/v1/people/email-finder", leadmagic_finder, methods=["POST"]),
        Route("/leadmagic/v1/people/email-validation", leadmagic_validate, methods=["POST"]),
        Route("/findymail/api/search/name", findymail_name, methods=["POST"]),
        Route("/findymail/api/search/linkedin", findymail_linkedin, methods=["POST"]),
        Route("/findymail/api/verify", findymail_verify, methods=["POST"]),
        Route("/firecrawl/v2/scrape", firecrawl_scrape, methods=["POST"]),
        Route("/millionverifier/api/v3/", millionverifier_verify, methods=["GET"]),
        *emailbison.routes("/emailbison"),
        *inbox.routes(),
    ]


def create_app() -> Starlette:
    return Starlette(routes=_routes())


app = create_app()


def run(host: str = "127.0.0.1", port: int = 8765, smtp_port: int | None = None) -> None:
    import uvicorn

    controller = inbox.start_smtp(host, smtp_port) if smtp_port else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if controller is not None:
            controller.stop()
