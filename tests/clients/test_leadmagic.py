"""LeadMagic: credits from the answer, validation statuses, 402."""

from __future__ import annotations

import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.leadmagic import LeadMagicClient
from tests.clients.vendor_helpers import JANE, answer, make, run


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
