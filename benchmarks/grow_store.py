"""Grow a seeded store N-fold by copying its people under new ids, for reading benchmarks at sizes
`seed_demo` cannot reach on this machine (seeding 5M people in one process needs more than 15 GB).

Each copy k of a person gets id + k × (max id), the same names, titles, companies and workspace, list
and score rows, and an email with ".c<k>" before the "@" (emails stay unique). Companies are shared.
The word index is rebuilt and sorted as a full refresh leaves it. Matches per search grow with the
store: "smith" finds N times as many people.

Usage: python benchmarks/grow_store.py SOURCE.duckdb TARGET.duckdb --times 5
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb

PEOPLE_COLUMNS = ("first_name, last_name, job_title, seniority, company_name, company_domain, linkedin_url, phone, "
                  "location, country, vertical, source, email_status, verified_at, created_at, updated_at")


def grow(source: Path, target: Path, times: int) -> dict:
    shutil.copyfile(source, target)
    started = time.perf_counter()
    con = duckdb.connect(str(target))
    con.execute(f"SET temp_directory = '{target.parent / (target.name + '.tmp')}'")
    top = con.execute("SELECT max(id) FROM people").fetchall()[0][0]
    for k in range(1, times):
        shift = k * top
        con.execute("BEGIN")
        con.execute(f"""INSERT INTO people (id, email, {PEOPLE_COLUMNS})
                        SELECT id + {shift}, replace(email, '@', '.c{k}@'), {PEOPLE_COLUMNS} FROM people
                        WHERE id <= {top}""")
        con.execute(f"""INSERT INTO person_workspaces SELECT person_id + {shift}, workspace_slug, source, added_at
                        FROM person_workspaces WHERE person_id <= {top}""")
        con.execute(f"""INSERT INTO icp_scores SELECT person_id + {shift}, workspace_slug, score, reasoning, confidence,
                               scorer, cost_usd, scored_at FROM icp_scores WHERE person_id <= {top}""")
        con.execute(f"""INSERT INTO target_list_members SELECT list_id, person_id + {shift}, added_at
                        FROM target_list_members WHERE person_id <= {top} AND list_id = 'rise.all-rise'""")
        con.execute("COMMIT")
        print(f"copy {k}: {time.perf_counter() - started:.0f} s", flush=True)
    con.close()
    # The word index as a full refresh leaves it (the product's own code, so it matches the scan).
    import os

    os.environ["OUTSIGNAL_DB"] = str(target)
    from outsignal_pipelines.operations.search_index import refresh_search_index
    from outsignal_pipelines.store import transaction

    with transaction() as tx:
        refresh_search_index(tx)
    with duckdb.connect(str(target)) as con:
        con.execute("CHECKPOINT")
        people = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
    return {"people": people, "seconds": round(time.perf_counter() - started, 1),
            "mb": round(target.stat().st_size / 2**20)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--times", type=int, default=5)
    args = parser.parse_args()
    print(grow(args.source, args.target, args.times))


if __name__ == "__main__":
    main()
