"""The EmailBison client accepts any 2xx (with or without the data envelope), turns each error class
into a clear exception, waits out 429 with Retry-After, and never blind-retries a POST that appends."""

from __future__ import annotations

import json

import httpx
import pytest

from outsignal_pipelines.clients import emailbison as eb


def make(handler, **kw) -> eb.EmailBisonClient:
    return eb.EmailBisonClient("https://bison.test", "7|token", transport=httpx.MockTransport(handler), **kw)


@pytest.mark.parametrize("status, body", [(200, {"data": {"id": 5, "name": "C"}}), (201, {"data": {"id": 5, "name": "C"}}),
                                          (200, {"id": 5, "name": "C"})])
def test_any_2xx_with_or_without_envelope(status, body):
    seen = {}

    def handler(request):
        seen["auth"] = request.headers["authorization"]
        seen["accept"] = request.headers["accept"]
        return httpx.Response(status, json=body)

    assert make(handler).create_campaign("C")["id"] == 5
    assert seen == {"auth": "Bearer 7|token", "accept": "application/json"}


@pytest.mark.parametrize("status, body, error, text", [
    (401, {"message": "Unauthenticated."}, eb.EmailBisonAuthError, "token"),
    (404, {"data": {"record_not_found": {"campaign": "9"}}}, eb.EmailBisonNotFound, "404"),
    (422, {"message": "The email has already been taken.", "errors": {"email": ["taken"]}}, eb.EmailBisonValidationError,
     "already been taken"),
    (400, {"data": {"success": False, "message": "You do not have a custom variable named x."}}, eb.EmailBisonError,
     "custom variable"),
    (200, {"data": {"success": False, "message": "Sequence steps do not exist"}}, eb.EmailBisonError, "do not exist"),
])
def test_errors_are_clear(status, body, error, text):
    with pytest.raises(error, match=text):
        make(lambda r: httpx.Response(status, json=body)).get_campaign(9)


def test_validation_errors_keep_the_field_details():
    body = {"message": "The leads field must not have more than 500 items.", "errors": {"leads": ["too many"]}}
    with pytest.raises(eb.EmailBisonValidationError) as info:
        make(lambda r: httpx.Response(422, json=body)).upsert_leads([])
    assert info.value.errors == {"leads": ["too many"]}


def test_429_is_waited_out_using_retry_after(monkeypatch):
    sleeps = []
    monkeypatch.setattr(eb.time, "sleep", sleeps.append)
    answers = iter([httpx.Response(429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "7"}),
                    httpx.Response(201, json={"data": {"id": 1, "name": "C"}})])
    assert make(lambda r: next(answers)).create_campaign("C")["id"] == 1
    assert sleeps == [7.0]


def test_5xx_is_retried_for_idempotent_calls_only(monkeypatch):
    monkeypatch.setattr(eb.time, "sleep", lambda s: None)
    calls = []

    def flaky(request):
        calls.append(request.url.path)
        return httpx.Response(503) if len(calls) == 1 else httpx.Response(200, json={"data": {"id": 3}})

    assert make(flaky).get_campaign(3)["id"] == 3 and len(calls) == 2
    calls.clear()
    with pytest.raises(eb.EmailBisonServerError):
        make(flaky).create_sequence_steps(3, "t", [{"email_subject": "s", "email_body": "b", "wait_in_days": 1}])
    assert len(calls) == 1  # an appending POST is never retried blindly


def test_pagination_follows_meta_last_page():
    def handler(request):
        page = int(request.url.params.get("page", 1))
        items = [{"id": i} for i in range((page - 1) * 15, min(page * 15, 40))]
        return httpx.Response(200, json={"data": items, "meta": {"current_page": page, "last_page": 3}})

    assert [c["id"] for c in make(handler).find_campaigns("x")] == list(range(40))


def test_a_batch_over_500_is_refused_before_sending():
    with pytest.raises(ValueError):
        make(lambda r: httpx.Response(201, json={"data": []})).upsert_leads([{"email": "a@b.co"}] * 501)


def test_non_json_2xx_is_an_error():
    with pytest.raises(eb.EmailBisonServerError, match="not JSON"):
        make(lambda r: httpx.Response(200, text="<html>")).get_campaign(1)


def test_sequence_steps_accept_the_documented_shapes():
    body = {"data": {"sequence_id": 2, "sequence_steps": [{"id": 1, "order": "1", "wait_in_days": "1"}]}}
    assert make(lambda r: httpx.Response(200, json=body)).sequence_steps(1)[0]["id"] == 1
    assert make(lambda r: httpx.Response(200, json={"data": [{"id": 4}]})).sequence_steps(1) == [{"id": 4}]
    json.dumps(body)


def test_paginated_reads_wait_out_429_too(monkeypatch):
    sleeps = []
    monkeypatch.setattr(eb.time, "sleep", sleeps.append)
    answers = iter([httpx.Response(429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "2"}),
                    httpx.Response(200, json={"data": [{"name": "linkedin_url"}], "meta": {"last_page": 1}})])
    assert make(lambda r: next(answers)).custom_variables() == ["linkedin_url"]
    assert sleeps == [2.0]


def test_default_base_url_is_the_configured_one_then_the_sandbox(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_EMAILBISON_URL", raising=False)
    with pytest.raises(eb.EmailBisonError, match="no EmailBison URL"):
        eb.default_base_url()
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", "http://127.0.0.1:8765/")
    assert eb.default_base_url() == "http://127.0.0.1:8765/emailbison"
    monkeypatch.setenv("OUTSIGNAL_EMAILBISON_URL", "https://bison.example/")
    assert eb.default_base_url() == "https://bison.example"
