"""Rule-scoring throughput on a million people (goal ≥ 200,000 people/s on this machine).

Seeds 1,000,000 demo people, reads them with their company facts from DuckDB, and scores them against
the Rise ICP with the vectorised rule scorer. Reported: the read, the scoring alone, and the two
together, best of three.

Usage: python benchmarks/scoring.py [--people 1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["OUTSIGNAL_DB"] = str(Path(folder) / "bench.duckdb")
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.scoring import workspace_icp
        from outsignal_pipelines.operations.setup import init_store
        from outsignal_pipelines.domain.icp_rules import score_frame
        from outsignal_pipelines.store import query_df

        init_store()
        seed_demo(people=args.people, seed=7)
        _, rules = workspace_icp("rise")
        sql = """SELECT p.id AS person_id, p.job_title, p.seniority, coalesce(p.vertical, c.industry) AS vertical,
                        c.headcount, coalesce(p.country, c.country) AS country, p.company_domain
                 FROM people p LEFT JOIN companies c ON c.domain = p.company_domain"""
        reads, scores = [], []
        for _ in range(3):
            started = time.perf_counter()
            frame = query_df(sql)
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            scored = score_frame(frame, rules)
            scores.append(time.perf_counter() - started)
        best_read, best_score = min(reads), min(scores)
        result = {
            "people": frame.height, "read_s": round(best_read, 3), "score_s": round(best_score, 3),
            "scoring_people_per_s": round(frame.height / best_score),
            "read_and_score_people_per_s": round(frame.height / (best_read + best_score)),
            "mean_score": round(float(scored["score"].mean()), 1),
            "green_share": round(float((scored["score"] >= 70).mean()), 3),
        }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
