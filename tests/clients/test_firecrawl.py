"""Firecrawl: markdown capped, array metadata, billed 4xx pages, 402 and 408."""

from __future__ import annotations

import pytest

from outsignal_pipelines.clients import base
from outsignal_pipelines.clients.firecrawl import FirecrawlClient
from tests.clients.vendor_helpers import answer, make, run


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
