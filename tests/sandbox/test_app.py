"""The assembled sandbox app, in process: every registered vendor is mounted under /<vendor>, answers
a refused key and a 429 in its own words through the shared gate, and the control endpoints list
and reset every vendor."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from outsignal_pipelines.clients import registry
from outsignal_pipelines.sandbox import state
from outsignal_pipelines.sandbox.app import create_app, vendor_routes

VENDORS = list(registry.VENDORS)


def _credentials(key: str) -> tuple[dict, dict]:
    """The key everywhere any vendor looks for it (headers and query)."""
    headers = {"x-key": key, "x-token": key, "x-api-key": key, "authorization": f"Bearer {key}"}
    return headers, {"api": key, "email": "ann.lee@acme-labs.example"}


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        c.post("/_sandbox/reset").raise_for_status()
        yield c
        c.post("/_sandbox/reset").raise_for_status()


def _first_route(name: str):
    return next(r for r in vendor_routes() if r.path.startswith(f"/{name}/"))


def _call(client, name: str, key: str):
    route = _first_route(name)
    method = "POST" if "POST" in route.methods else "GET"
    headers, params = _credentials(key)
    return client.request(method, route.path, headers=headers, params=params, json={})


def test_control_endpoints_list_every_registered_vendor(client):
    assert list(client.get("/_sandbox/usage").json()) == VENDORS
    assert list(client.get("/_sandbox/config").json()) == VENDORS


def test_reset_restores_each_vendors_own_defaults(client):
    client.post("/_sandbox/config", json={"firecrawl": {"hit_rate": 0.1}, "aiark": {"credits": 3}}).raise_for_status()
    client.post("/_sandbox/reset").raise_for_status()
    config = client.get("/_sandbox/config").json()
    assert config["firecrawl"]["hit_rate"] == 0.9 and config["aiark"]["hit_rate"] == 0.6
    assert config["aiark"]["credits"] == 1_000_000.0


def test_config_refuses_unknown_vendors_and_settings(client):
    assert client.post("/_sandbox/config", json={"nobody": {}}).status_code == 400
    assert client.post("/_sandbox/config", json={"aiark": {"calls": 5}}).status_code == 400


@pytest.mark.parametrize("name", VENDORS)
def test_a_refused_key_is_answered_in_the_vendors_words(client, name):
    fake = state.FAKES[name]
    response = _call(client, name, "invalid-key")
    assert response.status_code == fake.auth_status and response.json() == fake.auth_body


@pytest.mark.parametrize("name", VENDORS)
def test_an_injected_429_is_answered_in_the_vendors_words(client, name):
    fake = state.FAKES[name]
    client.post("/_sandbox/config", json={name: {"fail_next": [429]}}).raise_for_status()
    response = _call(client, name, "k")
    assert response.status_code == 429 and response.json() == fake.rate_body
    assert {h.lower() for h in fake.rate_headers(0.05)} <= set(response.headers)
    assert client.get("/_sandbox/usage").json()[name]["calls"] == 1
