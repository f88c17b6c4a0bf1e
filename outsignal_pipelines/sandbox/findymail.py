"""FindyMail's search by name or LinkedIn URL and its verify. It only returns verified addresses, so a
person whose address would not verify is a miss here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.state import STATE, FakeVendor, bill, gate, read_json, register

NAME = "findymail"
FAKE = register(FakeVendor(
    NAME, api_key=lambda request: (request.headers.get("authorization") or "").removeprefix("Bearer ").strip(),
))


async def _find(request: Request, by: str) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    body = await read_json(request)
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
    v = STATE.vendors[NAME]
    email = world.email_for(person["first_name"], person["last_name"], person["domain"], person.get("suffix", ""))
    # FindyMail only returns verified addresses: a miss when the truth is not valid.
    if not world.hit(NAME, key, v.hit_rate) or world.verification(email) != "valid":
        await bill(NAME, 0, key)
        return JSONResponse({"contact": None})
    if not await bill(NAME, 1, key):
        return JSONResponse({"error": "Not enough credits"}, status_code=402)
    return JSONResponse({"contact": {"id": int(world.roll("id", key) * 10**9), "name": f"{person['first_name']} {person['last_name']}",
                                     "email": email, "domain": person["domain"], "company": person["company"],
                                     "linkedin_url": person["linkedin"], "job_title": person["title"]}})


async def by_name(request: Request) -> Response:
    return await _find(request, "name")


async def by_linkedin(request: Request) -> Response:
    return await _find(request, "linkedin")


async def verify(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    email = (await read_json(request)).get("email")
    if not email:
        return JSONResponse({"error": "email is required"}, status_code=422)
    if not await bill(NAME, 1, f"verify:{email}"):
        return JSONResponse({"error": "Not enough credits"}, status_code=402)
    return JSONResponse({"email": email, "verified": world.verification(email) == "valid", "provider": "Google"})


def routes(prefix: str) -> list[Route]:
    return [
        Route(f"{prefix}/api/search/name", by_name, methods=["POST"]),
        Route(f"{prefix}/api/search/linkedin", by_linkedin, methods=["POST"]),
        Route(f"{prefix}/api/verify", verify, methods=["POST"]),
    ]
