"""FindyMail: by LinkedIn then by name, misses in every documented form, 402/423, errors in 200."""

from __future__ import annotations

import json

import httpx
import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.findymail import FindyMailClient
from tests.clients.vendor_helpers import JANE, NO_LINKEDIN, answer, make, run


def test_findymail_by_linkedin_then_by_name():
    paths = []

    def handler(request):
        paths.append((request.url.path, json.loads(request.content), request.headers["authorization"]))
        return httpx.Response(200, json={"contact": {"name": "Jane Doe", "email": "jane@acme.io", "domain": "acme.io"}})

    client = make(FindyMailClient, handler)
    result = run(client.find(JANE))
    run(client.find(NO_LINKEDIN))
    assert paths[0][0] == "/api/search/linkedin" and paths[0][2] == "Bearer k-test"
    assert paths[1][0] == "/api/search/name" and paths[1][1] == {"name": "Jane Doe", "domain": "acme.io"}
    assert result.found and result.fields["first_name"] == "Jane" and result.email_status == "valid"


@pytest.mark.parametrize("handler", [answer(200, {"contact": None}), answer(404, {"error": "not found"}),
                                     answer(200, {})])
def test_findymail_misses_in_every_documented_form(handler):
    result = run(make(FindyMailClient, handler).find(JANE))
    assert result.outcome == "not_found" and result.credits == 0


@pytest.mark.parametrize("status", [402, 423])
def test_findymail_402_and_423_stop_the_provider(status):
    with pytest.raises(base.ProviderOutOfCredits):
        run(make(FindyMailClient, answer(status, {"error": "x"})).find(JANE))


def test_findymail_verify_and_credit_error_in_200():
    assert run(make(FindyMailClient, answer(200, {"verified": True})).verify("j@acme.io")).email_status == "valid"
    assert run(make(FindyMailClient, answer(200, {"verified": False})).verify("j@acme.io")).email_status == "invalid"
    with pytest.raises(base.ProviderOutOfCredits):
        run(make(FindyMailClient, answer(200, {"error": "Not enough credits"})).verify("j@acme.io"))
