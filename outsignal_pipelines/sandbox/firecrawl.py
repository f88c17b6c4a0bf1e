"""Firecrawl's scrape: a homepage as markdown. It bills the page even when the site answers 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.state import STATE, FakeVendor, bill, gate, read_json, register

NAME = "firecrawl"
FAKE = register(FakeVendor(
    NAME, api_key=lambda request: (request.headers.get("authorization") or "").removeprefix("Bearer ").strip(),
    rate_body={"success": False, "error": "Rate limit exceeded"},
    rate_headers=lambda s: {"Retry-After": f"{s:.2f}"},
    defaults={"hit_rate": 0.9},
))


async def scrape(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    url = (await read_json(request)).get("url")
    if not url or "://" not in url:
        return JSONResponse({"success": False, "error": "Invalid URL"}, status_code=400)
    domain = url.split("://", 1)[1].split("/", 1)[0].lower()
    if not await bill(NAME, 1, f"scrape:{domain}"):
        return JSONResponse({"success": False, "error": "Payment Required: Insufficient credits"}, status_code=402)
    v = STATE.vendors[NAME]
    if not world.hit(NAME, domain, v.hit_rate):
        return JSONResponse({"success": True, "data": {"markdown": "# Not Found", "metadata": {
            "title": "404", "sourceURL": url, "url": url, "statusCode": 404}}})
    c = world.company(domain)
    markdown = (f"# {c['name']}\n\n{c['description']}\n\n## What we do\n\n{c['name']} serves "
                f"{c['industry']} customers with {c['headcount']} people across Europe and North America.\n\n"
                "## Customers\n\nTrusted by finance, operations and people teams.\n")
    return JSONResponse({"success": True, "data": {"markdown": markdown, "links": [f"{url}/about"], "metadata": {
        "title": [c["name"], f"{c['name']} | Home"], "description": c["description"], "language": "en",
        "sourceURL": url, "url": url, "statusCode": 200, "contentType": "text/html", "error": None}}})


def routes(prefix: str) -> list[Route]:
    return [Route(f"{prefix}/v2/scrape", scrape, methods=["POST"])]
