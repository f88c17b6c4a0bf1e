"""Each vendor says "miss", "out of credits", "slow down" and "broken" in its own way; every client
must still raise the same ProviderError class for the failures all vendors share. The calls come
from the registry, so a new vendor is covered by adding its entry."""

from __future__ import annotations

import pytest

from outsignal_pipelines.clients import base, registry
from tests.clients.vendor_helpers import JANE, answer, make, run, timeout_handler

ERROR_CASES = [
    (answer(401, {"error": True, "error_code": "INVALID_API_KEY"}), base.ProviderAuthError),
    (answer(429, {"error": "slow down"}, {"Retry-After": "3"}), base.ProviderRateLimited),
    (answer(500, {"error": "boom"}), base.ProviderServerError),
    (answer(503, text="<html>down</html>"), base.ProviderServerError),
    (answer(200, text="<html>not json</html>"), base.ProviderBadResponse),
    (timeout_handler, base.ProviderTimeout),
]

QUESTIONS = {registry.FIND_EMAIL: JANE, registry.VERIFY_EMAIL: "jane@acme.io", registry.COMPANY_DATA: "acme.io",
             registry.CRAWL: "acme.io"}
CALLS = {role.step: (spec.client_class, role) for spec in registry.VENDORS.values() for role in spec.roles}


@pytest.mark.parametrize("step", sorted(CALLS))
@pytest.mark.parametrize("handler, error", ERROR_CASES, ids=["401", "429", "500", "503-html", "200-garbage", "timeout"])
def test_every_client_maps_the_common_failures(step, handler, error):
    cls, role = CALLS[step]
    client = make(cls, handler)
    with pytest.raises(error) as info:
        run(role.call(client, QUESTIONS[role.kind]))
    assert info.value.provider == cls.vendor
    if error is base.ProviderRateLimited:
        assert info.value.retry_after == 3.0


def test_a_client_without_a_key_is_not_configured():
    cls = registry.vendor("prospeo").client_class
    with pytest.raises(base.ProviderNotConfigured):
        cls(key=None, url="https://vendor.test")


def test_results_round_trip_through_json():
    result = base.ProviderResult("prospeo", "found", {"email": "a@b.co"}, "valid", 1.0, {"x": 1})
    assert base.ProviderResult.from_json(result.to_json()) == result
