"""Prospeo says "miss" and "out of credits" with HTTP 400 and an error_code."""

from __future__ import annotations

import json

import httpx
import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.base import PersonInput
from outsignal_pipelines.clients.prospeo import ProspeoClient
from tests.clients.vendor_helpers import JANE, NO_LINKEDIN, answer, make, run


PROSPEO_HIT = {
    "error": False, "free_enrichment": False,
    "person": {"first_name": "Jane", "last_name": "Doe", "current_job_title": "Head of Ops",
               "linkedin_url": "https://uk.linkedin.com/in/JaneDoe",
               "email": {"status": "VERIFIED", "revealed": True, "email": "Jane@Acme.io"},
               "mobile": {"status": "VERIFIED", "revealed": False, "mobile": "+1 415-3**-****"},
               "location": None},
    "company": {"name": "ACME FINTECH LTD", "domain": "acme.io"},
}


def test_prospeo_hit_maps_fields_and_sends_its_auth_header():
    seen = {}

    def handler(request):
        seen["key"] = request.headers["x-key"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json=PROSPEO_HIT)

    result = run(make(ProspeoClient, handler).enrich_person(JANE))
    assert seen["key"] == "k-test" and seen["body"]["data"] == {"linkedin_url": JANE.linkedin_url}
    assert result.found and result.credits == 1 and result.email_status == "valid"
    assert result.fields["email"] == "jane@acme.io"
    assert result.fields["linkedin_url"] == "https://www.linkedin.com/in/janedoe"
    assert result.fields["company_name"] == "Acme Fintech" and "phone" not in result.fields  # masked mobile ignored


def test_prospeo_uses_name_and_company_without_linkedin():
    bodies = []
    client = make(ProspeoClient, lambda r: bodies.append(json.loads(r.content)) or httpx.Response(200, json=PROSPEO_HIT))
    run(client.enrich_person(NO_LINKEDIN))
    assert bodies[0]["data"] == {"first_name": "Jane", "last_name": "Doe", "company_website": "acme.io",
                                 "company_name": "Acme"}


@pytest.mark.parametrize("code", ["NO_MATCH", "INVALID_DATAPOINTS"])
def test_prospeo_400_no_match_is_a_clean_free_miss(code):
    result = run(make(ProspeoClient, answer(400, {"error": True, "error_code": code})).enrich_person(JANE))
    assert result.outcome == "not_found" and result.credits == 0


def test_prospeo_insufficient_credits_arrives_as_400():
    with pytest.raises(base.ProviderOutOfCredits):
        run(make(ProspeoClient, answer(400, {"error": True, "error_code": "INSUFFICIENT_CREDITS"})).enrich_person(JANE))


def test_prospeo_rate_limit_reads_its_own_reset_header():
    handler = answer(429, {"error": True, "error_code": "RATE_LIMITED"}, {"x-minute-reset-seconds": "12"})
    with pytest.raises(base.ProviderRateLimited) as info:
        run(make(ProspeoClient, handler).enrich_person(JANE))
    assert info.value.retry_after == 12.0


def test_prospeo_free_re_enrichment_costs_nothing():
    result = run(make(ProspeoClient, answer(200, {**PROSPEO_HIT, "free_enrichment": True})).enrich_person(JANE))
    assert result.credits == 0


def test_prospeo_bulk_separates_matched_and_not_matched():
    body = {"error": False, "total_cost": 1, "matched": [{"identifier": "a", **PROSPEO_HIT}], "not_matched": ["b"]}
    results = run(make(ProspeoClient, answer(200, body)).bulk_enrich_person({"a": JANE, "b": JANE}))
    assert results["a"].found and results["b"].outcome == "not_found"
    with pytest.raises(ValueError):
        run(make(ProspeoClient, answer(200, body)).bulk_enrich_person({str(i): JANE for i in range(51)}))


def test_prospeo_refuses_to_call_without_enough_input():
    with pytest.raises(base.ProviderRequestError):
        run(make(ProspeoClient, answer(200, PROSPEO_HIT)).enrich_person(PersonInput(first_name="Jane")))
