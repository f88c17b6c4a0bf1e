"""Each vendor says "miss", "out of credits", "slow down" and "broken" in its own way. These tests
pin every client's translation of those answers (hit, miss, each error class, bad JSON, timeout)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.vendors import (
    AIArkClient,
    FindyMailClient,
    FirecrawlClient,
    LeadMagicClient,
    MillionVerifierClient,
    PersonInput,
    ProspeoClient,
)

JANE = PersonInput("Jane", "Doe", "Acme", "acme.io", "https://www.linkedin.com/in/janedoe")
NO_LINKEDIN = PersonInput("Jane", "Doe", "Acme", "acme.io", None)


def make(cls, handler, **kwargs):
    return cls(key="k-test", url="https://vendor.test", transport=httpx.MockTransport(handler), **kwargs)


def run(coro):
    return asyncio.run(coro)


def answer(status: int, body=None, headers=None, text: str | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=body, headers=headers)
    return handler


def timeout_handler(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


# ------------------------------------------------------------------ shared error classes

ERROR_CASES = [
    (answer(401, {"error": True, "error_code": "INVALID_API_KEY"}), base.ProviderAuthError),
    (answer(429, {"error": "slow down"}, {"Retry-After": "3"}), base.ProviderRateLimited),
    (answer(500, {"error": "boom"}), base.ProviderServerError),
    (answer(503, text="<html>down</html>"), base.ProviderServerError),
    (answer(200, text="<html>not json</html>"), base.ProviderBadResponse),
    (timeout_handler, base.ProviderTimeout),
]

CALLS = {
    "prospeo": (ProspeoClient, lambda c: c.enrich_person(JANE)),
    "aiark": (AIArkClient, lambda c: c.export_person(JANE)),
    "aiark-company": (AIArkClient, lambda c: c.company("acme.io")),
    "leadmagic": (LeadMagicClient, lambda c: c.find_email(JANE)),
    "leadmagic-verify": (LeadMagicClient, lambda c: c.validate("jane@acme.io")),
    "findymail": (FindyMailClient, lambda c: c.find(JANE)),
    "findymail-verify": (FindyMailClient, lambda c: c.verify("jane@acme.io")),
    "firecrawl": (FirecrawlClient, lambda c: c.scrape_homepage("acme.io")),
    "millionverifier": (MillionVerifierClient, lambda c: c.verify("jane@acme.io")),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("handler, error", ERROR_CASES, ids=["401", "429", "500", "503-html", "200-garbage", "timeout"])
def test_every_client_maps_the_common_failures(call, handler, error):
    cls, fn = CALLS[call]
    client = make(cls, handler)
    with pytest.raises(error) as info:
        run(fn(client))
    assert info.value.provider == cls.vendor
    if error is base.ProviderRateLimited:
        assert info.value.retry_after == 3.0


def test_missing_key_means_not_configured(monkeypatch):
    monkeypatch.delenv("PROSPEO_API_KEY", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SANDBOX_URL", raising=False)
    with pytest.raises(base.ProviderNotConfigured, match="PROSPEO_API_KEY"):
        ProspeoClient()


def test_base_urls_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_PROSPEO_URL", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SANDBOX_URL", raising=False)
    assert base.base_url("prospeo") == "https://api.prospeo.io"
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", "http://127.0.0.1:9/")
    assert base.base_url("prospeo") == "http://127.0.0.1:9/prospeo"
    assert base.api_key("prospeo") == "sandbox-key"
    monkeypatch.setenv("OUTSIGNAL_PROSPEO_URL", "http://override/")
    assert base.base_url("prospeo") == "http://override"


# ------------------------------------------------------------------ Prospeo

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


# ------------------------------------------------------------------ AI Ark

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


# ------------------------------------------------------------------ LeadMagic

def test_leadmagic_finder_hit_miss_and_credits():
    hit = {"email": "jane@acme.io", "status": "valid_catch_all", "credits_consumed": 1}
    result = run(make(LeadMagicClient, answer(200, hit)).find_email(JANE))
    assert result.found and result.email_status == "catch_all" and result.credits == 1
    miss = {"email": None, "status": "not_found", "credits_consumed": 0}
    result = run(make(LeadMagicClient, answer(200, miss)).find_email(JANE))
    assert result.outcome == "not_found" and result.credits == 0


@pytest.mark.parametrize("raw, catch_all, expected", [
    ("valid", False, "valid"), ("valid", True, "catch_all"), ("valid_catch_all", False, "catch_all"),
    ("invalid", False, "invalid"), ("unknown", False, "unknown"),
])
def test_leadmagic_validation_statuses(raw, catch_all, expected):
    body = {"email": "jane@acme.io", "email_status": raw, "credits_consumed": 0.25, "is_domain_catch_all": catch_all}
    assert run(make(LeadMagicClient, answer(200, body)).validate("jane@acme.io")).email_status == expected


def test_leadmagic_402_and_unknown_status():
    with pytest.raises(base.ProviderOutOfCredits):
        run(make(LeadMagicClient, answer(402, {"success": False})).find_email(JANE))
    with pytest.raises(base.ProviderBadResponse):
        run(make(LeadMagicClient, answer(200, {"email_status": "maybe"})).validate("x@acme.io"))


# ------------------------------------------------------------------ FindyMail

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


# ------------------------------------------------------------------ Firecrawl

def test_firecrawl_scrape_returns_markdown_and_handles_array_metadata():
    body = {"success": True, "data": {"markdown": "# Acme\n" + "x" * 60_000,
                                      "metadata": {"title": ["Acme", "Home"], "description": ["We build"],
                                                   "statusCode": 200}}}
    result = run(make(FirecrawlClient, answer(200, body)).scrape_homepage("acme.io"))
    assert result.found and len(result.fields["crawl_markdown"]) == 50_000
    assert result.fields["description"] == "We build" and result.credits == 1


def test_firecrawl_target_404_is_a_billed_miss_and_402_is_out_of_credits():
    body = {"success": True, "data": {"markdown": "Not found", "metadata": {"statusCode": 404}}}
    result = run(make(FirecrawlClient, answer(200, body)).scrape_homepage("acme.io"))
    assert result.outcome == "not_found" and result.credits == 1
    with pytest.raises(base.ProviderOutOfCredits):
        run(make(FirecrawlClient, answer(402, {"success": False, "error": "Payment Required"})).scrape_homepage("a.io"))
    with pytest.raises(base.ProviderRateLimited):
        run(make(FirecrawlClient, answer(408, {"success": False})).scrape_homepage("a.io"))


# ------------------------------------------------------------------ MillionVerifier

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


def test_results_round_trip_through_json():
    result = base.ProviderResult("prospeo", "found", {"email": "a@b.co"}, "valid", 1.0, {"x": 1})
    assert base.ProviderResult.from_json(result.to_json()) == result
