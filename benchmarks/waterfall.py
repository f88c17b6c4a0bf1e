"""Waterfall throughput against the vendors' rate limits.

The sandbox answers with 200 ms latency and allows 10 requests/s per vendor; our clients are set to
the same 10/s. 2,000 people without email go through the person waterfall. The bound is the busiest
vendor's calls divided by its rate: no client could finish sooner. Reported: elapsed time, the
fraction of that bound achieved (goal ≥ 0.9), and paid calls per enriched lead against the minimum
(one paid answer per lead that got an email).

Usage: python benchmarks/waterfall.py [--people 2000] [--latency-ms 200] [--rate 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox import sandbox_server  # noqa: E402

from outsignal_pipelines.clients.registry import VENDORS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, sandbox_server() as url:
        os.environ["OUTSIGNAL_DB"] = str(Path(folder) / "bench.duckdb")
        os.environ["OUTSIGNAL_SANDBOX_URL"] = url
        os.environ["OUTSIGNAL_DAILY_CAP_USD"] = "1000"
        for spec in VENDORS.values():
            os.environ[f"OUTSIGNAL_{spec.env}_RPS"] = str(args.rate)
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list
        from outsignal_pipelines.operations.lists import add_members, ensure_list
        from outsignal_pipelines.operations.setup import init_store
        from outsignal_pipelines.operations.enrichment.waterfall import WaterfallConfig
        from outsignal_pipelines.store import transaction

        init_store()
        seed_demo(people=args.people * 2, seed=21)
        with transaction() as con:
            ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT ?", [args.people]).fetchall()]
            con.execute("UPDATE people SET email = NULL, email_status = NULL, verified_at = NULL "
                        "WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids])
            target, _ = ensure_list(con, "rise", "Benchmark")
            add_members(con, target.id, ids)
        httpx.post(f"{url}/_sandbox/config", json={v: {"latency_ms": args.latency_ms, "rate_per_second": args.rate,
                                                       "burst": args.rate} for v in VENDORS}).raise_for_status()
        started = time.perf_counter()
        report = enrich_list("rise", "Benchmark", steps=("people",), config=WaterfallConfig(concurrency=96))
        elapsed = time.perf_counter() - started
        usage = httpx.get(f"{url}/_sandbox/usage").json()
        rate_limited = {v: s.retries for v, s in report.by_provider.items()}
        answered = {v: s.found + s.not_found for v, s in report.by_provider.items()}
        vendor_calls: dict[str, int] = {}
        for step, n in answered.items():
            vendor = step.split("-")[0]
            vendor_calls[vendor] = vendor_calls.get(vendor, 0) + n
        bound = max(n / args.rate for n in vendor_calls.values())
        result = {
            "people": report.people, "elapsed_s": round(elapsed, 1), "bound_s": round(bound, 1),
            "fraction_of_rate_limit_bound": round(bound / elapsed, 3),
            "busiest_vendor": max(vendor_calls, key=vendor_calls.get), "calls_by_vendor": vendor_calls,
            "retries_by_step": rate_limited, "emails_found": report.emails_found,
            "verified_valid": report.verified_valid, "paid_calls": report.paid_calls,
            "paid_calls_per_enriched_lead": round(report.paid_calls / max(report.emails_found, 1), 3),
            "minimum_paid_calls_per_enriched_lead": 1.0, "cost_usd": round(report.cost_usd, 4),
            "sandbox_credits": {v: usage[v]["credits"] for v in VENDORS if usage[v]["calls"]},
        }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
