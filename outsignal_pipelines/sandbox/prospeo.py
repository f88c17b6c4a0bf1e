"""Prospeo's enrich-person, bulk-enrich-person and account-information. A miss and an empty balance
both come back as HTTP 400 with an error_code, as Prospeo answers them."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.state import STATE, FakeVendor, bill, gate, read_json, register

NAME = "prospeo"
FAKE = register(FakeVendor(
    NAME, api_key=lambda request: request.headers.get("x-key"),
    auth_body={"error": True, "error_code": "INVALID_API_KEY"},
    rate_body={"error": True, "error_code": "RATE_LIMITED"},
    rate_headers=lambda s: {"x-minute-reset-seconds": f"{s:.2f}", "x-minute-request-left": "0"},
))


async def enrich(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    data = (await read_json(request)).get("data") or {}
    return await _answer(data, bulk=False)


def _identity(data: dict) -> tuple[str, dict] | None:
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


async def _answer(data: dict, bulk: bool) -> Response:
    v = STATE.vendors[NAME]
    identity = _identity(data)
    if identity is None:
        return JSONResponse({"error": True, "error_code": "INVALID_DATAPOINTS"}, status_code=400)
    key, person = identity
    if not world.hit(NAME, key, v.hit_rate):
        await bill(NAME, 0, key)
        return JSONResponse({"error": True, "error_code": "NO_MATCH"}, status_code=400)
    if not await bill(NAME, 1, key):
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


async def bulk(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    items = (await read_json(request)).get("data") or []
    if not isinstance(items, list) or len(items) > 50:
        return JSONResponse({"error": True, "error_code": "INVALID_REQUEST"}, status_code=400)
    matched, not_matched, invalid, total = [], [], [], 0
    for item in items:
        answer = await _answer(item, bulk=True)
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


async def account(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    return JSONResponse({"error": False, "response": {"remaining_credits": STATE.vendors[NAME].credits}})


def routes(prefix: str) -> list[Route]:
    return [
        Route(f"{prefix}/enrich-person", enrich, methods=["POST"]),
        Route(f"{prefix}/bulk-enrich-person", bulk, methods=["POST"]),
        Route(f"{prefix}/account-information", account, methods=["GET", "POST"]),
    ]
