"""Four lists enriching at once under the production profile: Debian's PostgreSQL and Redis, the code
server, daemon and two Celery workers (tests/orchestration/production_stack.py), the sandbox vendors
each with a rate limit (429 above it) and our clients capped at the same rate. Each list's workspace
asks a different email finder first, so every finder has work of its own.

The sandbox's bucket holds max(2, limit) calls, so a few milliseconds of network jitter between two calls
we spaced exactly 1/limit apart is not a 429 (a limit below 1/s with a bucket of one would refuse
every call).

Reported per vendor, from the sandbox's own arrival times (/_sandbox/timeline):
- busiest 10 s: the most calls that arrived in any 10-second window, minus one, over 10 s, ÷ the limit.
  The shared limiter spaces calls 1/rate apart, so this is at most 1.0 (never above the limit) and,
  while there is work waiting for the vendor, at least 0.9 (the limit is used, not wasted);
- whole span: (calls − 1) ÷ (last − first arrival) ÷ the limit, lower wherever the vendor had no work;
- 429s: calls the vendor refused for going over its limit.

    python benchmarks/production_profile.py [--people-per-list 120] [--latency-ms 100] [--rates aiark=4,...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _sandbox import sandbox_server  # noqa: E402

from outsignal_pipelines.clients import registry  # noqa: E402

WINDOW = 10.0
# Each vendor's limit, chosen so that each has work waiting for it at some point of the run (a finder
# behind another in the waterfall only gets its misses) and limit × window is a whole number of calls.
# The vendors come from the registry (a new vendor joins the benchmark by its registry entry); 6/s
# for any vendor not named here.
VENDORS = tuple(registry.VENDORS)
RATES = {name: {"aiark": 4.0, "firecrawl": 8.0, "millionverifier": 1.5}.get(name, 6.0) for name in VENDORS}
FINDERS = list(registry.names_with(registry.FIND_EMAIL))
WORKSPACES = ["rise", "lime-recruitment", "yoopknows", "outsignal"]


def busiest(times: list[float], window: float) -> float:
    """(most arrivals in any `window` seconds − 1) / window."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return max(0, best - 1) / window


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people-per-list", type=int, default=120)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--seed-people", type=int, default=6000)
    parser.add_argument("--rates", default="", help="vendor=limit,... (default: RATES)")
    args = parser.parse_args()
    for item in filter(None, args.rates.split(",")):
        vendor, rate = item.split("=")
        RATES[vendor.strip()] = float(rate)

    tmp = Path(tempfile.mkdtemp(prefix="outsignal-bench-prod-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None))
    os.environ.update(OUTSIGNAL_DB=str(tmp / "store" / "outsignal.duckdb"), DAGSTER_HOME=str(tmp / "dagster_home"),
                      LITELLM_LOCAL_MODEL_COST_MAP="True", OUTSIGNAL_DAILY_CAP_USD="1000")
    os.environ.pop("OUTSIGNAL_LLM_MODEL", None)
    from outsignal_pipelines import orchestration
    from outsignal_pipelines.operations import run_requests
    from outsignal_pipelines.operations.demo_data import seed_demo
    from outsignal_pipelines.operations.lists import add_people, create_list
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.workspaces import update_settings
    from outsignal_pipelines.store import connect
    from tests.orchestration.production_stack import production_stack

    init_store()
    seed_demo(people=args.seed_people, seed=5)
    names, taken = [], set()
    for i, slug in enumerate(WORKSPACES):
        update_settings(slug, finder_order=FINDERS[i:] + FINDERS[:i], daily_cap_usd=1000)
        with connect() as con:
            ids = [r[0] for r in con.execute(
                """SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id AND w.workspace_slug = ?
                   WHERE p.email IS NULL AND p.id NOT IN (SELECT person_id FROM target_list_members)
                   ORDER BY hash(p.id) LIMIT ?""", [slug, args.people_per_list * 3]).fetchall()]
        ids = [p for p in ids if p not in taken][: args.people_per_list]
        taken.update(ids)
        name = f"Bench {slug}"
        create_list(slug, name)
        add_people(slug, name, ids)
        names.append((slug, name, len(ids)))

    with sandbox_server() as sandbox_url:
        httpx.post(f"{sandbox_url}/_sandbox/config", json={v: {"latency_ms": args.latency_ms, "rate_per_second": RATES[v],
                                                               "burst": max(2.0, RATES[v])} for v in VENDORS}, timeout=10).raise_for_status()
        from outsignal_pipelines.clients.registry import VENDORS as SPECS

        extra = {f"OUTSIGNAL_{SPECS[v].env}_RPS": str(RATES[v]) for v in VENDORS}
        extra.update(OUTSIGNAL_SANDBOX_URL=sandbox_url, OUTSIGNAL_MAX_CONCURRENT_RUNS="8")
        with production_stack(tmp, extra, workers=2, webserver=False):
            started = time.monotonic()
            requests = [orchestration.run(slug, "enrich", name, requested_by="benchmark", wait=False)
                        for slug, name, _ in names]
            while True:
                done = [run_requests.get_request(r.id, linger=False) for r in requests]
                if all(r.finished for r in done):
                    break
                time.sleep(1)
            elapsed = time.monotonic() - started
        timeline = httpx.get(f"{sandbox_url}/_sandbox/timeline", timeout=30).json()
        usage = httpx.get(f"{sandbox_url}/_sandbox/usage", timeout=30).json()
        paid = httpx.get(f"{sandbox_url}/_sandbox/calls", timeout=30).json()["paid_requests"]

    limits = ", ".join(f"{v} {r:g}/s" for v, r in RATES.items())
    print(f"\n4 lists × {args.people_per_list} people, 2 workers, sandbox latency {args.latency_ms:.0f} ms, "
          f"limits {limits}; all runs: {', '.join(r.status for r in done)}; "
          f"elapsed {elapsed:.1f} s; questions paid twice: {sum(1 for n in paid.values() if n > 1)}\n")
    print("| vendor | limit | calls | 429s | busiest 10 s (calls/s) | ratio to limit | whole span (calls/s) | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for vendor in VENDORS:
        times = timeline.get(vendor) or []
        if len(times) < 2:
            print(f"| {vendor} | {RATES[vendor]:g}/s | {len(times)} | {usage[vendor]['rate_limited']} | – | – | – | – |")
            continue
        peak = busiest(times, WINDOW)
        span = (len(times) - 1) / (max(times) - min(times))
        rate = RATES[vendor]
        print(f"| {vendor} | {rate:g}/s | {len(times)} | {usage[vendor]['rate_limited']} | {peak:.2f} | {peak / rate:.2f} "
              f"| {span:.2f} | {span / rate:.2f} |")
    for slug, name, n in names:
        print(f"  {name}: {n} people, finder order {', '.join(FINDERS[WORKSPACES.index(slug):] + FINDERS[:WORKSPACES.index(slug)])}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
