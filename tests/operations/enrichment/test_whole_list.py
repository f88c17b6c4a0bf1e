"""A whole list enriched at once (people, companies, verification): the two waterfalls overlap and a
person's verification follows their own waterfall, while what is paid, found and reported stays what
the steps run one after another give."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from outsignal_pipelines.clients import registry
from outsignal_pipelines.operations.enrichment.list_enrichment import STEPS, enrich_list
from outsignal_pipelines.operations.setup import init_store
from outsignal_pipelines.operations.workspaces import upsert_workspace
from outsignal_pipelines.store import query_df, transaction
from tests.operations.enrichment.test_waterfall import _cfg, _make_list, _person

STALE = 4       # people with an old 'valid' email, re-verified when the run asks for it
FRESH = 12      # people without email, through the finders


class Recorder(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox, noting when each request went out and when its answer was read."""

    def __init__(self, vendor: str, calls: list[dict]):
        self.vendor, self.calls, self.inner = vendor, calls, httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.calls.append({"vendor": self.vendor, "path": request.url.path, "email": request.url.params.get("email"),
                           "started": started, "ended": time.monotonic()})
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _company_call(call: dict) -> bool:
    return call["vendor"] == "firecrawl" or call["path"].endswith("/v1/companies")


def _stale_people() -> list[dict]:
    return [_person(100 + i, email=f"stale{i}@verify.example", email_status="valid") for i in range(STALE)]


def _seed_list() -> None:
    _make_list([_person(i) for i in range(FRESH)] + _stale_people())
    with transaction() as con:
        con.execute("UPDATE people SET verified_at = current_timestamp - INTERVAL 200 DAY WHERE email IS NOT NULL")


def _summary(report) -> dict:
    return {"emails_found": report.emails_found, "verified": report.verified, "verified_valid": report.verified_valid,
            "paid_calls": report.paid_calls, "cost_usd": round(report.cost_usd, 6), "errors": len(report.errors),
            "skipped_no_input": report.skipped_no_input, "cap_reached": report.cap_reached}


def _stored() -> tuple[list, list]:
    people = query_df("SELECT linkedin_url, email, email_status, verified_at IS NOT NULL AS verified, job_title "
                      "FROM people ORDER BY linkedin_url").rows()
    companies = query_df("SELECT domain, name, industry, headcount, description, crawl_markdown IS NOT NULL AS crawled "
                         "FROM companies ORDER BY domain").rows()
    return people, companies


def test_companies_and_verification_do_not_wait_for_the_whole_person_step(workspace, sandbox):
    _seed_list()
    sandbox.configure(**{v: {"latency_ms": 40} for v in registry.VENDORS})
    calls: list[dict] = []
    seen: list[tuple[int, int]] = []
    report = enrich_list(workspace, "T", steps=STEPS, reverify_older_than_days=90,
                         config=_cfg(transports={v: Recorder(v, calls) for v in registry.VENDORS}),
                         on_progress=lambda done, total: seen.append((done, total)))
    company_calls = [c for c in calls if _company_call(c)]
    person_calls = [c for c in calls if not _company_call(c) and c["vendor"] != "millionverifier"]
    stale = {p["email"] for p in _stale_people()}
    reverify_calls = [c for c in calls if c["vendor"] == "millionverifier" and c["email"] in stale]
    assert person_calls and company_calls and len(reverify_calls) == STALE
    last_person_call_ended = max(c["ended"] for c in person_calls)
    overlap = {
        # The company waterfall runs beside the person waterfall, not after it ...
        "a company call began before the last person call ended":
            min(c["started"] for c in company_calls) < last_person_call_ended,
        # ... and a person's verification follows their own waterfall, not the whole list's.
        "a verification began before the last person call ended":
            min(c["started"] for c in reverify_calls) < last_person_call_ended,
    }
    assert overlap == dict.fromkeys(overlap, True)
    assert report.verified >= STALE
    # Progress counts every person twice (waterfall, verification) and every company once, and ends there.
    total = 2 * (FRESH + STALE) + report.companies
    assert seen and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == list(range(1, total + 1))


def test_a_company_is_crawled_without_waiting_for_its_profile(workspace, sandbox):
    _make_list([_person(0)])
    sandbox.configure(aiark={"latency_ms": 150, "hit_rate": 1.0}, firecrawl={"hit_rate": 1.0})
    calls: list[dict] = []
    enrich_list(workspace, "T", steps=("companies",), config=_cfg(transports={v: Recorder(v, calls)
                                                                              for v in registry.VENDORS}))
    profile = next(c for c in calls if c["path"].endswith("/v1/companies"))
    crawl = next(c for c in calls if c["vendor"] == "firecrawl")
    assert crawl["started"] < profile["ended"]        # the crawl needs only the domain
    row = query_df("SELECT industry, headcount, description, crawl_markdown FROM companies").to_dicts()[0]
    assert row["industry"] and row["headcount"] and row["description"] and row["crawl_markdown"]


@pytest.mark.slow
def test_the_whole_job_pays_finds_and_reports_what_the_steps_one_after_another_do(workspace, sandbox, tmp_path,
                                                                                   monkeypatch):
    _seed_list()
    sandbox.configure(**{v: {"latency_ms": 5} for v in registry.VENDORS})
    whole = enrich_list(workspace, "T", steps=STEPS, reverify_older_than_days=90, config=_cfg())
    whole_paid = sandbox.paid_requests()
    assert whole.paid_calls > 0 and whole_paid
    assert all(n == 1 for n in whole_paid.values())          # no question paid twice
    whole_stored = _stored()

    # The same list in a second store, each step alone and in turn: the sequential behaviour.
    monkeypatch.setenv("OUTSIGNAL_DB", str(Path(tmp_path) / "sequential" / "outsignal.duckdb"))
    init_store()
    upsert_workspace("acme", "Acme Client", client_emails=["client@acme.example"])
    _seed_list()
    httpx.post(f"{sandbox.url}/_sandbox/reset", timeout=10).raise_for_status()
    sandbox.configure(**{v: {"latency_ms": 5} for v in registry.VENDORS})
    reports = [enrich_list(workspace, "T", steps=(step,), reverify_older_than_days=90, config=_cfg())
               for step in STEPS]
    summed = {k: sum(_summary(r)[k] for r in reports) for k in _summary(whole)}
    summed["cost_usd"], summed["cap_reached"] = round(summed["cost_usd"], 6), any(r.cap_reached for r in reports)
    assert _summary(whole) == summed
    assert sandbox.paid_requests() == whole_paid             # the same questions, each paid once
    assert _stored() == whole_stored                         # and the same people and companies stored
    for field in ("found", "not_found", "paid_calls"):
        per_step = {}
        for r in reports:
            for step, stats in r.by_provider.items():
                per_step[step] = per_step.get(step, 0) + getattr(stats, field)
        assert {s: getattr(v, field) for s, v in whole.by_provider.items()} == per_step


def test_verification_alone_reads_the_emails_an_earlier_run_merged(workspace, sandbox):
    _make_list([_person(i) for i in range(8)])
    sandbox.configure(aiark={"hit_rate": 1.0})
    enrich_list(workspace, "T", steps=("people",), config=_cfg())
    valid = query_df("SELECT email FROM people WHERE email_status = 'valid'")["email"].to_list()
    assert valid
    with transaction() as con:
        con.execute("UPDATE people SET verified_at = current_timestamp - INTERVAL 200 DAY WHERE email IS NOT NULL")
    before = sandbox.usage()["millionverifier"]["calls"]
    report = enrich_list(workspace, "T", steps=("verify",), reverify_older_than_days=90, config=_cfg())
    assert sandbox.usage()["millionverifier"]["calls"] - before == len(valid)   # only the stale ones
    assert report.verified == len(valid) and report.paid_calls <= len(valid)
    assert query_df("SELECT count(*) AS n FROM people WHERE email IS NOT NULL "
                    "AND verified_at < current_timestamp - INTERVAL 1 DAY AND email_status = 'valid'")["n"][0] == 0
    again = enrich_list(workspace, "T", steps=("verify",), reverify_older_than_days=90, config=_cfg())
    assert again.paid_calls == 0                                                # nothing stale is left


@pytest.mark.parametrize("steps", [("people",), ("companies",)])
def test_one_step_alone_calls_only_its_own_vendors(workspace, sandbox, steps):
    _seed_list()
    calls: list[dict] = []
    report = enrich_list(workspace, "T", steps=steps, reverify_older_than_days=90,
                         config=_cfg(transports={v: Recorder(v, calls) for v in registry.VENDORS}))
    company = [c for c in calls if _company_call(c)]
    stale = {p["email"] for p in _stale_people()}
    assert not [c for c in calls if c["email"] in stale]                    # no re-verification unasked
    if steps == ("people",):
        assert not company and report.emails_found > 0
    else:
        assert len(company) >= report.companies > 0 and len(company) == len(calls)
