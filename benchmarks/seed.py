"""How long `outsignal seed-demo --people N` takes and how big the store gets (benchmarks of search
and scoring start from this). Usage: python benchmarks/seed.py [--people 1000000] [--json]"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        os.environ["OUTSIGNAL_DB"] = str(db)
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.setup import init_store

        init_store()
        started = time.perf_counter()
        result = seed_demo(people=args.people, seed=7)
        seconds = time.perf_counter() - started
        report = {
            "people": result.people, "companies": result.companies, "seconds": round(seconds, 2),
            "people_per_second": round(result.people / seconds),
            "db_mb": round(db.stat().st_size / 2**20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
