"""MillionVerifier's single verification: a GET with the key in the query, errors (bad key included)
inside HTTP 200, unknown results free."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from outsignal_pipelines.sandbox import world
from outsignal_pipelines.sandbox.state import STATE, FakeVendor, bill, gate, register

NAME = "millionverifier"
FAKE = register(FakeVendor(
    NAME, api_key=lambda request: request.query_params.get("api"),
    auth_status=200, auth_body={"error": "Invalid API key", "credits": 0},
))


async def verify(request: Request) -> Response:
    if (answer := await gate(FAKE, request)) is not None:
        return answer
    email = request.query_params.get("email")
    if not email:
        return JSONResponse({"error": "No email specified", "credits": STATE.vendors[NAME].credits})
    truth = world.verification(email)
    result = {"valid": "ok", "risky": "disposable"}.get(truth, truth)
    credits = 0 if result == "unknown" else 1
    if not await bill(NAME, credits, f"verify:{email}"):
        return JSONResponse({"email": email, "error": "Insufficient credits", "credits": 0})
    return JSONResponse({"email": email, "quality": "good" if result == "ok" else "bad", "result": result,
                         "resultcode": {"ok": 1, "catch_all": 2, "unknown": 3, "disposable": 5, "invalid": 6}[result],
                         "subresult": "", "free": credits == 0, "role": False,
                         "credits": STATE.vendors[NAME].credits, "executiontime": 1, "error": ""})


def routes(prefix: str) -> list[Route]:
    return [Route(f"{prefix}/api/v3/", verify, methods=["GET"])]
