"""People-search latency on 1,000,000 seeded people (goal: p95 ≤ 100 ms).

Six representative searches through the same operation the pages, CLI and chat use (count + one
page): free text, a multi-filter, an ICP threshold, list membership, a deep page, and a workspace
with verified-only. Each runs 30 times after one warm-up; p50 and p95 in milliseconds.

Usage: python benchmarks/search.py [--people 1000000] [--runs 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["OUTSIGNAL_DB"] = str(Path(folder) / "bench.duckdb")
        # As in the app server (see store.connection._Linger): the reader keeps DuckDB warm for 1 s.
        os.environ.setdefault("OUTSIGNAL_DB_LINGER_SECONDS", "1")
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.lists import add_search_results, create_list
        from outsignal_pipelines.operations.scoring import score_list
        from outsignal_pipelines.operations.search import PeopleQuery, search_people
        from outsignal_pipelines.operations.setup import init_store

        init_store()
        seed_demo(people=args.people, seed=7)
        create_list("rise", "All Rise")
        add_search_results("rise", "All Rise", PeopleQuery(workspace="rise"))
        score_list("rise", "All Rise")
        searches = {
            "free text": PeopleQuery(text="smith"),
            "multi-filter": PeopleQuery(workspace="rise", verticals=["B2B SaaS", "Accounting & Finance"],
                                        seniorities=["C-Suite", "VP"], location="london", headcount_min=50),
            "ICP threshold": PeopleQuery(workspace="rise", min_icp_score=70, sort="icp"),
            "list membership": PeopleQuery(in_list="rise.rise-q1", text="a"),
            "deep page": PeopleQuery(workspace="outsignal", page=1500, page_size=50),
            "verified in workspace": PeopleQuery(workspace="myacq", has_verified_email=True, title_contains="director"),
        }
        results = {}
        for name, query in searches.items():
            total = search_people(query).total  # warm-up
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                search_people(query)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results[name] = {"total": total, "p50_ms": round(statistics.median(times), 1),
                             "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}
    report = {"people": args.people, "searches": results,
              "worst_p95_ms": max(r["p95_ms"] for r in results.values())}
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
