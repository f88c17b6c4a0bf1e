"""AI Ark: email status from domainType/status, free 404 misses, company search by domain."""

from __future__ import annotations

import json

import httpx
import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.aiark import AIArkClient
from tests.clients.vendor_helpers import JANE, answer, make, run


AIARK_HIT = {
    "profile": {"first_name": "Jane", "last_name": "Doe", "title": "CTO"},
    "link": {"linkedin": "https://www.linkedin.com/in/janedoe"},
    "company": {"summary": {"name": "Acme"}, "link": {"domain": "acme.io"}},
    "location": {"default": "London", "country": "United Kingdom"},
    "email": {"state": "DONE", "output": [{"address": "jane@acme.io", "domainType": "SMTP", "status": "VALID"}]},
}


@pytest.mark.parametrize("domain_type, status, expected", [
    ("SMTP", "VALID", "valid"), ("CATCH_ALL", "VALID", "catch_all"), ("UNKNOWN", "VALID", "unknown"),
    ("SMTP", "INVALID", "invalid"),
])
def test_aiark_email_status_comes_from_domain_type_and_status(domain_type, status, expected):
    body = json.loads(json.dumps(AIARK_HIT))
    body["email"]["output"][0].update(domainType=domain_type, status=status)
    seen = {}

    def handler(request):
        seen["token"] = request.headers["x-token"]
        return httpx.Response(200, json=body)

    result = run(make(AIArkClient, handler).export_person(JANE))
    assert seen["token"] == "k-test"
    assert result.email_status == expected and result.fields["email"] == "jane@acme.io"
    assert result.fields["country"] == "GB" and result.fields["job_title"] == "CTO"


def test_aiark_404_is_a_free_miss_and_402_is_out_of_credits():
    miss = run(make(AIArkClient, answer(404, {"status": 404, "error": "not found"})).export_person(JANE))
    assert miss.outcome == "not_found" and miss.credits == 0
    with pytest.raises(base.ProviderOutOfCredits):
        run(make(AIArkClient, answer(402, {"status": 402})).export_person(JANE))


def test_aiark_company_search_by_domain():
    body = {"content": [{"summary": {"name": "Acme", "industry": "B2B SaaS", "staff": {"total": 120},
                                     "description": "We build"}, "link": {"linkedin": "linkedin.com/company/acme"}}]}
    seen = {}

    def handler(request):
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json=body)

    result = run(make(AIArkClient, handler).company("acme.io"))
    assert seen["body"]["account"] == {"domain": {"include": ["acme.io"]}}
    assert result.fields["headcount"] == 120 and result.fields["linkedin_url"] == "https://www.linkedin.com/company/acme"
    empty = run(make(AIArkClient, answer(200, {"content": []})).company("acme.io"))
    assert empty.outcome == "not_found"
    with pytest.raises(base.ProviderBadResponse):
        run(make(AIArkClient, answer(200, {"unexpected": 1})).company("acme.io"))
