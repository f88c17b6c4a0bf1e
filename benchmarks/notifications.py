"""Time from a client's decision to the admin's Slack message and email (goal under 5 s; the
roadmap's bar is 30 s). The sandbox runs a real SMTP server (aiosmtpd) and the Slack webhook sink in
its own process; each run approves a list through the portal operation and polls the sandbox inbox
until both messages are there.

Usage: python benchmarks/notifications.py [--runs 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox import free_port, sandbox_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    smtp_port = free_port()
    with tempfile.TemporaryDirectory() as folder, sandbox_server(smtp_port) as url:
        os.environ.update(OUTSIGNAL_DB=str(Path(folder) / "bench.duckdb"), OUTSIGNAL_SANDBOX_URL=url,
                          OUTSIGNAL_SANDBOX_SMTP_PORT=str(smtp_port))
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.lists import add_people, create_list
        from outsignal_pipelines.operations.portal import record_external_decision
        from outsignal_pipelines.operations.review import send_list_to_review
        from outsignal_pipelines.operations.setup import init_store
        from outsignal_pipelines.store import connect

        init_store()
        seed_demo(people=2000, seed=3)
        with connect() as con:
            con.execute("UPDATE people SET email_status = 'valid' WHERE email IS NOT NULL")
            ids = [r[0] for r in con.execute("SELECT id FROM people WHERE email IS NOT NULL LIMIT 50").fetchall()]
        timings, slack_times, email_times = [], [], []
        for i in range(args.runs):
            name = f"Bench {i}"
            create_list("rise", name)
            add_people("rise", name, ids)
            send_list_to_review("rise", name)
            before = httpx.get(f"{url}/_sandbox/inbox").json()
            started = time.perf_counter()
            record_external_decision("rise", "client@rise.example", "approved", list_name=name)
            slack_at = email_at = None
            while slack_at is None or email_at is None:
                inbox = httpx.get(f"{url}/_sandbox/inbox").json()
                now = time.perf_counter() - started
                if slack_at is None and len(inbox["slack"]) > len(before["slack"]):
                    slack_at = now
                if email_at is None and len(inbox["emails"]) > len(before["emails"]):
                    email_at = now
                if now > 30:
                    raise SystemExit("notifications did not arrive within 30 s")
                time.sleep(0.01)
            slack_times.append(slack_at)
            email_times.append(email_at)
            timings.append(max(slack_at, email_at))
        report = {"runs": args.runs, "both_delivered_p50_s": round(statistics.median(timings), 3),
                  "both_delivered_max_s": round(max(timings), 3),
                  "slack_p50_s": round(statistics.median(slack_times), 3),
                  "email_p50_s": round(statistics.median(email_times), 3)}
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
