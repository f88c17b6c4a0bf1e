"""AI Ark's people export (profile plus a verified email, 404 when it has none) and company search."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.state import STATE, FakeVendor, bill, gate, read_json, register

NAME = "aiark"
FAKE = register(FakeVendor(
    NAME, api_key=lambda request: request.headers.get("x-token"),
    rate_body={"status": 429, "error": "Too Many Requests"},
))


async def export_single(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    body = await read_json(request)
    url = body.get("url")
    if not url and not body.get("id"):
        return JSONResponse({"status": 400, "error": "id or url is required"}, status_code=400)
    key = f"li:{world.linkedin_slug(url or body['id'])}"
    v = STATE.vendors[NAME]
    if not world.hit(NAME, key, v.hit_rate):
        await bill(NAME, 0, key)
        return JSONResponse({"status": 404, "error": "no email found", "path": "/v1/people/export/single"},
                            status_code=404)
    if not await bill(NAME, 1, key):
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


async def companies(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    body = await read_json(request)
    include = ((body.get("account") or {}).get("domain") or {}).get("include") or []
    if not include:
        return JSONResponse({"status": 400, "error": "a filter is required"}, status_code=400)
    domain = str(include[0]).lower()
    key = f"company:{domain}"
    v = STATE.vendors[NAME]
    if not world.hit("aiark-company", key, v.hit_rate):
        await bill(NAME, 0, key)
        return JSONResponse({"content": [], "totalElements": 0, "totalPages": 0, "number": 0, "trackId": "t-0"})
    if not await bill(NAME, 1, key):
        return JSONResponse({"status": 402, "error": "insufficient credits"}, status_code=402)
    c = world.company(domain)
    return JSONResponse({"content": [{
        "summary": {"name": c["name"], "industry": c["industry"], "staff": {"total": c["headcount"]},
                    "description": c["description"], "founded_year": c["founded"]},
        "link": {"domain": domain, "website": f"https://{domain}",
                 "linkedin": f"https://www.linkedin.com/company/{domain.split('.')[0]}"},
        "location": {"headquarter": "London, United Kingdom", "country": "United Kingdom"},
    }], "totalElements": 1, "totalPages": 1, "number": 0, "trackId": "t-1"})


def routes(prefix: str) -> list[Route]:
    return [
        Route(f"{prefix}/v1/people/export/single", export_single, methods=["POST"]),
        Route(f"{prefix}/v1/companies", companies, methods=["POST"]),
    ]
