"""The waterfall against the running sandbox server (real HTTP on loopback), with the sandbox's own
accounting as the judge of what was paid: stop at the first hit, skip providers that lack input,
fill-only merges, verification statuses, the spend cap, the circuit breaker, 429 storms, crashes."""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import pytest

from outsignal_pipelines.clients import registry
from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list
from outsignal_pipelines.operations.lists import add_members, ensure_list
from outsignal_pipelines.operations.enrichment.waterfall import WaterfallConfig
from outsignal_pipelines.sandbox import world
from outsignal_pipelines.store import connect, query_df, transaction


def _make_list(people: list[dict], name: str = "T") -> str:
    """Insert people into workspace 'acme' and a list; returns the list id."""
    with transaction() as con:
        ids = []
        for person in people:
            cols = ", ".join(person)
            marks = ", ".join("?" for _ in person)
            ids.append(con.execute(f"INSERT INTO people ({cols}) VALUES ({marks}) RETURNING id",
                                   list(person.values())).fetchall()[0][0])
        con.execute("INSERT INTO person_workspaces (person_id, workspace_slug) SELECT unnest(?::BIGINT[]), 'acme'", [ids])
        target, _ = ensure_list(con, "acme", name)
        add_members(con, target.id, ids)
    return target.id


def _person(i: int, linkedin: bool = True, **extra) -> dict:
    person = {"first_name": f"Ann{chr(97 + i % 26)}", "last_name": f"Lee{i}", "company_domain": f"co{i}.example",
              "company_name": f"Co {i}"}
    if linkedin:
        person["linkedin_url"] = f"https://www.linkedin.com/in/ann-lee-{i}"
    person.update(extra)
    return person


def _cfg(**kw) -> WaterfallConfig:
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("max_backoff", 0.2)
    return WaterfallConfig(**kw)


def test_stops_at_the_first_finder_with_a_verified_email(workspace, sandbox):
    _make_list([_person(i) for i in range(10)])
    sandbox.configure(aiark={"hit_rate": 1.0})
    def truth(i: int) -> str:
        p = world.person_from_linkedin(f"https://www.linkedin.com/in/ann-lee-{i}")
        return world.verification(world.email_for(p["first_name"], p["last_name"], p["domain"], p["suffix"]))

    valid = sum(truth(i) == "valid" for i in range(10))
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg())
    usage = sandbox.usage()
    assert usage["aiark"]["calls"] == 10
    # only people whose AI Ark email did not verify as valid go on to the next finder
    assert usage["prospeo"]["calls"] == 10 - valid
    assert report.emails_found == 10 and report.verified_valid >= valid


def test_providers_lacking_input_are_skipped_at_no_cost_and_do_not_block_later_runs(workspace, sandbox):
    _make_list([_person(1, linkedin=False)])
    sandbox.configure(prospeo={"hit_rate": 0.0}, leadmagic={"hit_rate": 0.0}, findymail={"hit_rate": 0.0})
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg())
    assert sandbox.usage()["aiark"]["calls"] == 0 and report.skipped_no_input == 1
    assert query_df("SELECT count(*) AS n FROM enrichment_log WHERE provider = 'aiark'")["n"][0] == 0
    # once a LinkedIn URL is known, AI Ark is tried: the earlier skip left nothing in its way
    with connect() as con:
        con.execute("UPDATE people SET linkedin_url = 'https://www.linkedin.com/in/ann-lee-1'")
    sandbox.configure(aiark={"hit_rate": 1.0})
    enrich_list(workspace, "T", steps=("people",), config=_cfg())
    assert sandbox.usage()["aiark"]["calls"] == 1


def test_merge_fills_empty_fields_only(workspace, sandbox):
    _make_list([_person(2, job_title="Chief Marketing Officer", company_name=None)])
    sandbox.configure(aiark={"hit_rate": 1.0})
    enrich_list(workspace, "T", steps=("people",), config=_cfg())
    row = query_df("SELECT * FROM people").to_dicts()[0]
    truth = world.person_from_linkedin("https://www.linkedin.com/in/ann-lee-2")
    assert row["job_title"] == "Chief Marketing Officer"                 # kept, not overwritten
    assert row["company_name"] == truth["company"]                       # was empty: filled
    assert row["company_domain"] == "co2.example"                        # kept
    assert row["email"] == world.email_for(truth["first_name"], truth["last_name"], truth["domain"], truth["suffix"])
    assert row["email_status"] is not None and row["verified_at"] is not None


def test_verification_statuses_are_kept_and_only_valid_is_valid(workspace, sandbox):
    emails = [f"person{i}@verify.example" for i in range(40)]
    _make_list([{"email": e, "first_name": "P", "last_name": str(i)} for i, e in enumerate(emails)])
    report = enrich_list(workspace, "T", steps=("verify",), config=_cfg())
    stored = dict(query_df("SELECT email, email_status FROM people").iter_rows())
    assert stored == {e: world.verification(e) for e in emails}
    assert len(set(stored.values())) >= 3  # several statuses really occur
    assert report.verified_valid == sum(s == "valid" for s in stored.values())
    paid = sum(1 for e in emails if world.verification(e) != "unknown")  # unknown results are free
    assert sandbox.usage()["millionverifier"]["credits"] == paid


def test_the_daily_cap_stops_paid_calls_mid_run(workspace, sandbox):
    _make_list([_person(i) for i in range(30)])
    sandbox.configure(aiark={"hit_rate": 1.0})
    cap = 0.03  # about ten AI Ark hits at $0.003
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg(daily_cap_usd=cap, concurrency=8))
    assert report.cap_reached
    spent = query_df("SELECT sum(cost_usd) AS s FROM enrichment_log")["s"][0]
    assert cap - 0.005 <= spent <= cap + 1e-9   # used up to the cap, never past it
    assert sandbox.usage()["aiark"]["calls"] < 30  # and the rest of the list was not called
    again = enrich_list(workspace, "T", steps=("people",), config=_cfg(daily_cap_usd=cap))
    assert again.cap_reached and again.paid_calls == 0  # the cap is per day, across runs


def test_circuit_breaker_switches_off_a_failing_provider(workspace, sandbox):
    _make_list([_person(i) for i in range(20)])
    sandbox.configure(aiark={"error_rate": 1.0}, prospeo={"hit_rate": 1.0})
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg(concurrency=1, max_attempts=2,
                                                                         breaker_threshold=3))
    assert "aiark" in report.disabled and "circuit breaker" in report.disabled["aiark"]
    assert sandbox.usage()["aiark"]["calls"] == 3 * 2  # three calls, two attempts each, then off
    assert report.emails_found == 20  # Prospeo carried the rest of the run
    errors = query_df("SELECT count(*) AS n FROM enrichment_log WHERE outcome = 'error'")["n"][0]
    assert errors == 3


def test_a_429_storm_is_ridden_out_without_paying_twice(workspace, sandbox):
    _make_list([_person(i) for i in range(25)])
    sandbox.configure(aiark={"hit_rate": 1.0, "rate_per_second": 20, "burst": 1})
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg(concurrency=25, max_attempts=30))
    stats = report.by_provider["aiark"]
    assert stats.retries > 0 and stats.errors == 0 and stats.found == 25
    assert sandbox.usage()["aiark"]["credits"] == 25
    assert all(count == 1 for count in sandbox.paid_requests().values())  # no answer bought twice


def test_garbage_and_server_errors_are_retried(workspace, sandbox):
    _make_list([_person(i) for i in range(10)])
    sandbox.configure(aiark={"hit_rate": 1.0, "fail_next": [500, 0, 503, 0]})
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg(concurrency=1))
    assert report.by_provider["aiark"].retries == 4 and report.by_provider["aiark"].found == 10


def test_out_of_credits_stops_that_provider_and_the_next_one_takes_over(workspace, sandbox):
    _make_list([_person(i) for i in range(6)])
    sandbox.configure(aiark={"hit_rate": 1.0, "credits": 2}, prospeo={"hit_rate": 1.0})
    report = enrich_list(workspace, "T", steps=("people",), config=_cfg(concurrency=1))
    assert "aiark" in report.disabled and "credits" in report.disabled["aiark"]
    assert sandbox.usage()["aiark"]["calls"] == 3 and report.emails_found == 6


def test_companies_get_profiles_and_a_homepage_crawl_cache(workspace, sandbox):
    _make_list([_person(i) for i in range(5)])
    sandbox.configure(aiark={"hit_rate": 1.0}, firecrawl={"hit_rate": 1.0})
    enrich_list(workspace, "T", steps=("companies",), config=_cfg())
    rows = query_df("SELECT domain, industry, headcount, crawl_markdown, crawled_at FROM companies ORDER BY domain")
    assert rows.height == 5
    assert rows["crawl_markdown"].str.starts_with("# ").all() and rows["crawled_at"].is_not_null().all()
    assert rows["headcount"].is_not_null().all()
    enrich_list(workspace, "T", steps=("companies",), config=_cfg())
    assert sandbox.usage()["firecrawl"]["calls"] == 5  # cached: never crawled twice


def test_enriching_rise_q1_twice_pays_nothing_the_second_time(seeded_store, sandbox):
    first = enrich_list("rise", "Rise Q1", config=_cfg())
    paid_after_first = sandbox.credits()
    assert first.paid_calls > 0 and paid_after_first > 0
    second = enrich_list("rise", "Rise Q1", config=_cfg())
    assert sandbox.credits() == paid_after_first          # the sandbox's own accounting
    assert second.paid_calls == 0 and second.cost_usd == 0
    forced = enrich_list("rise", "Rise Q1", steps=("companies",), force=True, config=_cfg(force=True))
    assert forced.paid_calls > 0                          # --force really asks again


KILLED_CONCURRENCY = 12  # the victim's person lane; its company lane adds its own calls in flight


def _enrich_in_child(db: str, sandbox_url: str) -> None:
    os.environ.update(OUTSIGNAL_DB=db, OUTSIGNAL_SANDBOX_URL=sandbox_url)
    for env in registry.env_names():
        os.environ[f"OUTSIGNAL_{env}_RPS"] = "1000"
    from outsignal_pipelines.operations.enrichment import claims

    claims.CLAIM_LEASE_SECONDS = 2.0  # the rerun takes the killed run's claims over after 2 s, not 2 min
    enrich_list("rise", "Rise Q1", config=WaterfallConfig(concurrency=KILLED_CONCURRENCY))


@pytest.mark.slow
def test_a_run_killed_midway_pays_nothing_twice_when_rerun(seeded_store, sandbox):
    # A clean, uninterrupted run on a copy tells what the list costs in total.
    import shutil

    baseline_db = seeded_store.parent / "baseline.duckdb"
    shutil.copy(seeded_store, baseline_db)
    sandbox.configure(**{v: {"latency_ms": 40} for v in registry.VENDORS})
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_enrich_in_child, args=(str(baseline_db), sandbox.url))
    proc.start()
    proc.join(240)
    assert proc.exitcode == 0
    full_cost = sandbox.credits()
    sandbox_reset = __import__("httpx").post(f"{sandbox.url}/_sandbox/reset", timeout=10)
    sandbox_reset.raise_for_status()
    sandbox.configure(**{v: {"latency_ms": 40} for v in registry.VENDORS})

    proc = ctx.Process(target=_enrich_in_child, args=(str(seeded_store), sandbox.url))
    proc.start()
    deadline = time.monotonic() + 120
    while sandbox.credits() < full_cost * 0.4:
        assert time.monotonic() < deadline and proc.is_alive()
        time.sleep(0.05)
    proc.kill()  # SIGKILL: no cleanup, no flush
    proc.join(30)
    logged = query_df("SELECT count(*) AS n FROM enrichment_log")["n"][0]
    assert logged > 0
    # The claims the victim still held are exactly its calls in flight (both lanes: people, and companies
    # with their crawl), each perhaps already paid at the vendor.
    held = query_df("SELECT count(*) AS n FROM paid_call_claims")["n"][0]

    rerun = ctx.Process(target=_enrich_in_child, args=(str(seeded_store), sandbox.url))
    rerun.start()
    rerun.join(240)
    assert rerun.exitcode == 0
    repaid = sum(count - 1 for count in sandbox.paid_requests().values() if count > 1)
    # Only calls that were in flight at the moment of the kill can be paid again: everything answered
    # before it was in the ledger.
    assert repaid <= held
    assert sandbox.credits() <= full_cost + held
