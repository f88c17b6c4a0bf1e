"""LeadMagic's email finder and email validation; credits consumed are part of every answer. Its finder
data is partly stale (see world: an old address format for some people, which bounces)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.state import STATE, FakeVendor, bill, gate, read_json, register

NAME = "leadmagic"
FAKE = register(FakeVendor(
    NAME, api_key=lambda request: request.headers.get("x-api-key"),
    auth_body={"success": False, "errors": [{"code": "unauthorized", "status": 401}]},
    rate_body={"success": False, "errors": [{"code": "rate_limited", "status": 429, "title": "Too many requests"}]},
    rate_headers=lambda s: {"Retry-After": f"{s:.2f}", "RateLimit-Remaining": "0", "RateLimit-Reset": f"{s:.2f}"},
))


async def finder(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    body = await read_json(request)
    first, last = body.get("first_name"), body.get("last_name")
    domain = body.get("domain") or (body.get("company_name") or "").lower().replace(" ", "") + ".example"
    if not (first and last and domain.strip(".")):
        return JSONResponse({"success": False, "errors": [{"code": "validation_error", "status": 400}]}, status_code=400)
    key = f"name:{first}|{last}|{domain}".lower()
    v = STATE.vendors[NAME]
    if not world.hit(NAME, key, v.hit_rate):
        await bill(NAME, 0, key)
        return JSONResponse({"email": None, "status": "not_found", "credits_consumed": 0,
                             "message": "No email found.", "first_name": first, "last_name": last, "domain": domain})
    if not await bill(NAME, 1, key):
        return JSONResponse({"success": False, "errors": [{"code": "insufficient_credits", "status": 402}]},
                            status_code=402)
    # Stale data (world.STALE_SHARE of those it finds): an old address format that bounces half the time.
    email = (world.stale_email_for(first, last, domain) if world.finder_is_stale(NAME, key)
             else world.email_for(first, last, domain))
    truth = world.verification(email)
    return JSONResponse({"email": email, "status": "valid_catch_all" if truth == "catch_all" else "valid",
                         "credits_consumed": 1, "message": "Valid email found.", "first_name": first,
                         "last_name": last, "domain": domain, "is_domain_catch_all": truth == "catch_all",
                         "company_name": domain.split(".")[0].title()})


async def validate(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    email = (await read_json(request)).get("email")
    if not email:
        return JSONResponse({"success": False, "errors": [{"code": "validation_error", "status": 400}]}, status_code=400)
    truth = world.verification(email)
    status = {"risky": "catch_all"}.get(truth, truth)
    credits = 0 if status == "unknown" else 0.25
    if not await bill(NAME, credits, f"verify:{email}"):
        return JSONResponse({"success": False, "errors": [{"code": "insufficient_credits", "status": 402}]},
                            status_code=402)
    return JSONResponse({"email": email, "email_status": status, "credits_consumed": credits,
                         "is_domain_catch_all": truth == "catch_all"})


def routes(prefix: str) -> list[Route]:
    return [
        Route(f"{prefix}/v1/people/email-finder", finder, methods=["POST"]),
        Route(f"{prefix}/v1/people/email-validation", validate, methods=["POST"]),
    ]
