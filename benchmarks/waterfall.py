"""Waterfall throughput against the vendors' rate limits.

The sandbox answers with 200 ms latency and allows 10 requests/s per vendor; our clients are set to
the same 10/s. 2,000 people without email go through the person waterfall. The bound is the busiest
vendor's calls divided by its rate: no client could finish sooner. Reported: elapsed time, the
fraction of that bound achieved (goal ≥ 0.9), and paid calls per enriched lead against the minimum
(one paid answer per lead that got an email).

Usage: python benchmarks/waterfall.py [--people 2000] [--latency-ms 200] [--rate 10] [--json]

Whole job (`--whole-job`, issue 19): a list whose people lack an email and whose companies lack industry,
headcount, description and a crawl, enriched with every step (people, companies with the crawl,
verification) in one `enrich_list` call. Each vendor runs at its registry default rate times
`--rate-scale` (or at `--rate` when given), in the sandbox and in our clients alike. The bound is the
busiest vendor's answered calls ÷ that vendor's rate. `--tree DIR` (repeatable) runs the product code of
another checkout in a subprocess against a copy of the same seeded store, for a side-by-side run.

Usage: python benchmarks/waterfall.py --whole-job [--people 300] [--rate-scale 1.5] [--tree DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
WHOLE_LIST = "Whole Job"
sys.path.insert(0, str(HERE.parent))
from _sandbox import sandbox_server  # noqa: E402

from outsignal_pipelines.clients.registry import VENDORS  # noqa: E402


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_role":
        role, rest = sys.argv[2], sys.argv[3:]
        if role == "seed":
            _seed_whole_job(rest[0], int(rest[1]))
        elif role == "whole":
            _enrich_whole_job(rest[0], int(rest[1]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=None, help="2000; 300 with --whole-job")
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--rate", type=float, default=None, help="every vendor at this rate (default 10/s; "
                        "with --whole-job, each vendor's registry default × --rate-scale)")
    parser.add_argument("--whole-job", action="store_true", help="people + companies + verification in one run")
    parser.add_argument("--rate-scale", type=float, default=1.5)
    parser.add_argument("--concurrency", type=int, default=32, help="--whole-job: WaterfallConfig.concurrency")
    parser.add_argument("--tree", action="append", default=[],
                        help="--whole-job: product checkout to run (repeat for a side-by-side run; default this one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.whole_job:
        whole_job(args)
        return
    args.people = args.people or 2000
    args.rate = args.rate or 10.0
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



# -- the whole job ---------------------------------------------------------------------------------------
def _seed_whole_job(db: str, people: int) -> None:
    """Child role (run with this checkout): the demo store, and a list of `people` people without email
    whose companies lack industry, headcount, description and a crawl."""
    os.environ["OUTSIGNAL_DB"] = db
    from outsignal_pipelines.operations.demo_data import seed_demo
    from outsignal_pipelines.operations.lists import add_members, ensure_list
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.store import transaction

    init_store()
    seed_demo(people=people * 2, seed=21)
    with transaction() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM people ORDER BY id LIMIT ?", [people]).fetchall()]
        con.execute("UPDATE people SET email = NULL, email_status = NULL, verified_at = NULL "
                    "WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids])
        con.execute("""UPDATE companies SET industry = NULL, headcount = NULL, description = NULL,
                              crawl_markdown = NULL, crawled_at = NULL
                       WHERE domain IN (SELECT company_domain FROM people WHERE id IN (SELECT unnest(?::BIGINT[])))""",
                    [ids])
        target, _ = ensure_list(con, "rise", WHOLE_LIST)
        add_members(con, target.id, ids)


def _enrich_whole_job(out: str, concurrency: int) -> None:
    """Child role (run with the tree under test on PYTHONPATH): one enrich_list call with every step."""
    from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list
    from outsignal_pipelines.operations.enrichment.waterfall import WaterfallConfig

    started, started_at = time.perf_counter(), time.time()
    report = enrich_list("rise", WHOLE_LIST, steps=("people", "companies", "verify"),
                         config=WaterfallConfig(concurrency=concurrency))
    elapsed = time.perf_counter() - started
    Path(out).write_text(json.dumps({"elapsed_s": elapsed, "started_at": started_at, "report": report.to_dict()},
                                    default=str))


def _whole_job_row(tree: Path, template: Path, folder: Path, sandbox: str, rates: dict[str, float], args) -> dict:
    from outsignal_pipelines.clients.registry import VENDORS, steps

    work = folder / tree.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    db = work / "store.duckdb"
    shutil.copy(template, db)
    httpx.post(f"{sandbox}/_sandbox/reset").raise_for_status()
    vendors = {v: {"latency_ms": args.latency_ms, "rate_per_second": rates[v], "burst": max(1.0, rates[v])}
               for v in VENDORS}
    httpx.post(f"{sandbox}/_sandbox/config", json=vendors).raise_for_status()
    env = {**os.environ, "PYTHONPATH": str(tree), "OUTSIGNAL_DB": str(db), "OUTSIGNAL_SANDBOX_URL": sandbox,
           "OUTSIGNAL_DAILY_CAP_USD": "1000", **{f"OUTSIGNAL_{VENDORS[v].env}_RPS": str(r) for v, r in rates.items()}}
    out = work / "result.json"
    subprocess.run([sys.executable, str(HERE), "_role", "whole", str(out), str(args.concurrency)], env=env,
                   cwd=str(tree), check=True)
    data = json.loads(out.read_text())
    report, elapsed = data["report"], data["elapsed_s"]
    step_vendor = steps()
    answered: dict[str, int] = {}
    for step, stats in report["by_provider"].items():
        vendor = step_vendor[step]
        answered[vendor] = answered.get(vendor, 0) + stats["found"] + stats["not_found"]
    seconds = {v: n / rates[v] for v, n in answered.items()}
    busiest = max(seconds, key=seconds.get)
    usage = httpx.get(f"{sandbox}/_sandbox/usage").json()
    # When the busiest vendor was first and last called, from the start of the run: the rest is setup and tail.
    arrivals = httpx.get(f"{sandbox}/_sandbox/timeline").json()[busiest]
    window = [round(min(arrivals) - data["started_at"], 1), round(max(arrivals) - data["started_at"], 1)]
    shutil.rmtree(work, ignore_errors=True)
    return {
        "tree": str(tree), "people": report["people"], "companies": report["companies"],
        "elapsed_s": round(elapsed, 1), "bound_s": round(seconds[busiest], 1),
        "fraction_of_rate_limit_bound": round(seconds[busiest] / elapsed, 3), "busiest_vendor": busiest,
        "busiest_vendor_first_last_call_s": window,
        "answered_calls_by_vendor": dict(sorted(answered.items())),
        "seconds_at_rate_by_vendor": {v: round(s, 1) for v, s in sorted(seconds.items())},
        "emails_found": report["emails_found"], "verified": report["verified"],
        "verified_valid": report["verified_valid"], "paid_calls": report["paid_calls"],
        "cost_usd": round(report["cost_usd"], 4), "errors": len(report["errors"]),
        "vendor_429s": {v: u["rate_limited"] for v, u in usage.items() if u.get("rate_limited")},
    }


def whole_job(args) -> None:
    sys.path.insert(0, str(REPO))
    from outsignal_pipelines.clients.registry import VENDORS

    people = args.people or 300
    rates = {v: round(args.rate if args.rate else spec.default_rps * args.rate_scale, 3) for v, spec in VENDORS.items()}
    trees = [Path(t).resolve() for t in args.tree] or [REPO]
    result: dict = {"people": people, "latency_ms": args.latency_ms, "concurrency": args.concurrency,
                    "rates_per_s": rates, "runs": []}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp, sandbox_server() as sandbox:
        folder = Path(tmp)
        template = folder / "template.duckdb"
        started = time.perf_counter()
        subprocess.run([sys.executable, str(HERE), "_role", "seed", str(template), str(people)],
                       env={**os.environ, "PYTHONPATH": str(REPO), "OUTSIGNAL_DB": str(template)}, cwd=str(REPO),
                       check=True)
        result["seed_s"] = round(time.perf_counter() - started, 1)
        for tree in trees:
            row = _whole_job_row(tree, template, folder, sandbox, rates, args)
            result["runs"].append(row)
            if not args.json:
                print(json.dumps(row), flush=True)
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps({k: v for k, v in result.items() if k != "runs"}))


if __name__ == "__main__":
    main()
