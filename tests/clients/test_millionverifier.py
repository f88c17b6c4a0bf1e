"""MillionVerifier: result mapping, free unknowns, errors inside HTTP 200."""

from __future__ import annotations

import httpx
import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.millionverifier import MillionVerifierClient
from tests.clients.vendor_helpers import answer, make, run


@pytest.mark.parametrize("result, expected, credits", [
    ("ok", "valid", 1), ("catch_all", "catch_all", 1), ("invalid", "invalid", 1), ("disposable", "risky", 1),
    ("unknown", "unknown", 0),
])
def test_millionverifier_results(result, expected, credits):
    seen = {}

    def handler(request):
        seen["params"] = dict(request.url.params)
        return httpx.Response(200, json={"email": "j@acme.io", "result": result, "error": "", "free": False})

    verdict = run(make(MillionVerifierClient, handler).verify("j@acme.io"))
    assert seen["params"]["api"] == "k-test" and seen["params"]["email"] == "j@acme.io"
    assert verdict.email_status == expected and verdict.credits == credits


@pytest.mark.parametrize("error, exc", [("Insufficient credits", base.ProviderOutOfCredits),
                                        ("Invalid API key", base.ProviderAuthError),
                                        ("Internal error", base.ProviderBadResponse)])
def test_millionverifier_errors_inside_http_200(error, exc):
    with pytest.raises(exc):
        run(make(MillionVerifierClient, answer(200, {"error": error, "credits": 0})).verify("j@acme.io"))
