"""Deploy throughput against a rate-limited EmailBison, and how fast a deploy request answers.

10,000 verified leads (and a 3-step sequence) go to the sandbox EmailBison, which allows 2 requests
per second (429 with Retry-After beyond that). Reported: requests made, elapsed time, throughput as
a fraction of the rate limit (goal ≥ 0.9), and the latency of filing the deploy request (goal < 2 s).

Usage: python benchmarks/deploy.py [--leads 10000] [--rate 2] [--json]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, sandbox_server() as url:
        os.environ.update(OUTSIGNAL_DB=str(Path(folder) / "bench.duckdb"), OUTSIGNAL_SANDBOX_URL=url)
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.deploy import request_deploy, run_deploy
        from outsignal_pipelines.operations.lists import add_people, create_list
        from outsignal_pipelines.operations.review import save_step, send_campaign_to_review, send_list_to_review, \
            set_drafts_status, set_list_status
        from outsignal_pipelines.operations.setup import init_store
        from outsignal_pipelines.store import connect

        init_store()
        seed_demo(people=int(args.leads * 1.6), seed=5)
        with connect() as con:
            ids = [r[0] for r in con.execute("SELECT id FROM people WHERE email IS NOT NULL ORDER BY id LIMIT ?",
                                             [args.leads]).fetchall()]
            con.execute("UPDATE people SET email_status = 'valid', first_name = coalesce(first_name, 'A'), "
                        "last_name = coalesce(last_name, 'B') WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids])
        create_list("rise", "Big")
        add_people("rise", "Big", ids)
        send_list_to_review("rise", "Big")
        set_list_status("rise", "Big", "approved")
        for step in (1, 2, 3):
            save_step("rise", "Big", step, "quick question about merch" if step == 1 else None,
                      "Hi {FIRST_NAME}, a short note. Open to a chat?", step)
        send_campaign_to_review("rise", "Big")
        set_drafts_status("rise", "Big", "review", "approved")
        httpx.post(f"{url}/emailbison/_config", json={"rate_per_second": args.rate}).raise_for_status()

        started = time.perf_counter()
        record = request_deploy("rise", "Big", "Big")
        request_seconds = time.perf_counter() - started
        before_state = httpx.get(f"{url}/emailbison/_state").json()
        before, before_429 = before_state["_requests"], before_state["_rate_limited"]
        started = time.perf_counter()
        done = run_deploy("rise", record["id"])
        elapsed = time.perf_counter() - started
        state = httpx.get(f"{url}/emailbison/_state").json()
        requests = state["_requests"] - before
        refused = state["_rate_limited"] - before_429
        campaign = str(done["emailbison_campaign_id"])
        from outsignal_pipelines.operations.notifications import settle

        settle()  # the deploy's announcement finishes before the store and the sandbox go away
        attached = len(state["sandbox-rise"]["campaign_leads"][campaign])
    # 429s are refused requests (counted by the sandbox): the work is the requests that were answered
    answered_rate = (requests - refused) / elapsed
    report = {"leads": args.leads, "attached": attached, "steps": done["step_count"], "requests": requests,
              "answered": requests - refused, "rate_limited_429": refused,
              "elapsed_s": round(elapsed, 1), "rate_limit_per_s": args.rate,
              "fraction_of_rate_limit": round(answered_rate / args.rate, 3),
              "request_latency_s": round(request_seconds, 3)}
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
