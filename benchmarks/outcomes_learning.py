"""Does the engine learn from outcomes? On the sandbox's outcome model (replies rise with the lead's true
fit; LeadMagic's stale finder data bounces clearly the most):

1. Enrich, score and deploy list A with the workspace's current finder order; drive the sandbox
   EmailBison's clock two weeks on and pull what happened (the backfill: the same facts the webhook
   brings).
2. Provider quality on A: cost per delivered email per finder, and the recommended finder order, which
   the benchmark applies (audited, like the admin's click on the Settings page).
3. Enrich and deploy a FRESH list B (other people) with the new order, drive the clock, pull.
4. Compare the finder cost per delivered email of A (old order) and B (new order), and print the ICP
   calibration table (reply rate per score band with its 95% interval) and its verdict.

Usage: python benchmarks/outcomes_learning.py [--people 3000] [--list-size 400] [--seed 11] [--json]
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

WORKSPACE = "rise"


def _fresh_people(count: int, taken: set[int]) -> list[int]:
    """People of the workspace the waterfall can look up (a name and a company domain), none of them
    already used. The demo data ships most people with an email; these are made as they were before any
    enrichment (email and verification cleared, nothing in the ledger), so the finders are asked."""
    from outsignal_pipelines.store import connect, transaction

    with connect() as con:
        rows = con.execute(
            """SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id AND w.workspace_slug = ?
               WHERE p.first_name IS NOT NULL AND p.last_name IS NOT NULL AND p.company_domain IS NOT NULL
                 AND p.id NOT IN (SELECT entity_id FROM enrichment_log WHERE entity_type = 'person')
               ORDER BY hash(p.id)""", [WORKSPACE]).fetchall()
    ids = [r[0] for r in rows if r[0] not in taken][:count]
    with transaction() as con:
        con.execute("UPDATE people SET email = NULL, email_status = NULL, verified_at = NULL "
                    "WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids])
    return ids


def _run_list(name: str, ids: list[int], url: str) -> dict:
    """Enrich, score, approve and deploy a list; move the sandbox clock on; pull the outcomes."""
    from outsignal_pipelines.operations.deploy import prepare_deploy, run_deploy
    from outsignal_pipelines.operations.enrichment.list_enrichment import enrich_list
    from outsignal_pipelines.operations.lists import add_people, create_list
    from outsignal_pipelines.operations.outcomes_backfill import backfill_outcomes
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status
    from outsignal_pipelines.operations.scoring import score_list

    target, _ = create_list(WORKSPACE, name)
    add_people(WORKSPACE, name, ids)
    seconds: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        seconds[phase] = round(now - mark, 1)
        mark = now

    report = enrich_list(WORKSPACE, name, steps=("people",))   # finders and the verifier; companies are seeded
    lap("enrich")
    score_list(WORKSPACE, name)
    send_list_to_review(WORKSPACE, name)
    set_list_status(WORKSPACE, name, "approved")
    deployed = run_deploy(WORKSPACE, prepare_deploy(WORKSPACE, name)[0]["id"])
    lap("score_and_deploy")
    clock = httpx.post(f"{url}/_sandbox/emailbison/clock", json={"advance_days": 14, "deliver": False},
                       timeout=600)
    clock.raise_for_status()
    lap("sandbox_clock")
    pulled = backfill_outcomes(WORKSPACE, target.id)
    lap("backfill")
    return {"list_id": target.id, "enrich": report, "deployed": deployed, "pulled": pulled, "seconds": seconds}


def _list_cost(list_id: str) -> dict:
    """Finder spend on every member of the list (found or not) against the list's delivered emails."""
    from outsignal_pipelines.clients import registry
    from outsignal_pipelines.operations.outcomes import lead_outcomes
    from outsignal_pipelines.operations.results import totals
    from outsignal_pipelines.store import connect

    finders = [registry.vendor(n).role(registry.FIND_EMAIL).step for n in registry.names_with(registry.FIND_EMAIL)]
    with connect() as con:
        spend = con.execute(
            """SELECT coalesce(sum(cost_usd), 0) FROM enrichment_log
               WHERE entity_type = 'person' AND list_contains(?, provider)
                 AND entity_id IN (SELECT person_id FROM target_list_members WHERE list_id = ?)""",
            [finders, list_id]).fetchall()[0][0]
        by_finder = con.execute(
            """SELECT provider, count(*) FILTER (WHERE outcome = 'found') AS found, count(*) AS calls,
                      round(sum(cost_usd), 4) AS cost_usd FROM enrichment_log
               WHERE entity_type = 'person' AND list_contains(?, provider)
                 AND entity_id IN (SELECT person_id FROM target_list_members WHERE list_id = ?)
               GROUP BY 1 ORDER BY 1""", [finders, list_id]).fetchall()
        outcome = totals(lead_outcomes(con, WORKSPACE, list_id))
    return {"finder_spend_usd": round(float(spend), 4), "sent": outcome["sent"], "bounced": outcome["bounced"],
            "delivered": outcome["delivered"], "bounce_rate": outcome["bounce_rate"],
            "replied": outcome["replied"],
            "cost_per_delivered_usd": round(float(spend) / outcome["delivered"], 5) if outcome["delivered"] else None,
            "finder_calls": {p: {"found": f, "calls": c, "cost_usd": u} for p, f, c, u in by_finder}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3000, help="demo people seeded")
    parser.add_argument("--list-size", type=int, default=400, help="people on each of the two lists")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, sandbox_server() as url:
        os.environ.update(OUTSIGNAL_DB=str(Path(folder) / "bench.duckdb"), OUTSIGNAL_SANDBOX_URL=url,
                          DAGSTER_HOME=str(Path(folder) / "dagster"))
        from outsignal_pipelines.clients.registry import env_names

        for vendor in env_names():   # the sandbox's own limits (429s) still apply; ours step aside, as in tests
            os.environ[f"OUTSIGNAL_{vendor}_RPS"] = "1000"
        from outsignal_pipelines.operations.calibration import calibrate
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.notifications import settle
        from outsignal_pipelines.operations.provider_quality import apply_finder_order, provider_quality
        from outsignal_pipelines.operations.setup import init_store
        from outsignal_pipelines.operations.workspaces import workspace_settings

        init_store()
        seed_demo(people=args.people, seed=args.seed)
        first = _fresh_people(args.list_size, set())
        second = _fresh_people(args.list_size, set(first))
        if len(second) < args.list_size:
            raise SystemExit(f"only {len(first) + len(second)} people to look up: seed more (--people)")
        order_before = workspace_settings(WORKSPACE).finder_order
        a = _run_list("Learning A", first, url)
        quality = provider_quality(WORKSPACE, a["list_id"])
        applied = apply_finder_order(WORKSPACE, quality.advice.recommended, applied_by="benchmark",
                                     evidence={"by_finder": quality.by_finder.to_dicts()})
        b = _run_list("Learning B", second, url)
        calibration = calibrate(WORKSPACE)
        settle(timeout=300)   # reply notifications of the backfill, before the store goes away
        cost_a, cost_b = _list_cost(a["list_id"]), _list_cost(b["list_id"])
    table = [{k: (round(v, 5) if isinstance(v, float) else v) for k, v in row.items()}
             for row in quality.by_finder.to_dicts()]
    report = {
        "people_seeded": args.people, "list_size": args.list_size,
        "order_before": order_before, "order_after": applied.after, "why": quality.advice.reason,
        "provider_quality_on_A": table,
        "list_A_old_order": cost_a, "list_B_new_order": cost_b,
        "cost_per_delivered_change": (None if not (cost_a["cost_per_delivered_usd"] and cost_b["cost_per_delivered_usd"])
                                      else round(cost_b["cost_per_delivered_usd"] / cost_a["cost_per_delivered_usd"] - 1, 3)),
        "calibration": {"verdict": calibration.predictiveness.verdict,
                        "bands": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in b.items()}
                                  for b in calibration.bands],
                        "suggested_weights": calibration.suggested_weights},
        "seconds": {"list_A": a["seconds"], "list_B": b["seconds"]},
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"finder order: {' → '.join(order_before)}  ⇒  {' → '.join(applied.after)}")
    print(f"  because: {quality.advice.reason}")
    print("provider quality on list A (old order):")
    for row in table:
        per = "—" if row["cost_per_delivered"] is None else f"${row['cost_per_delivered']:.5f}"
        print(f"  {row['finder']:<10} sent {row['sent']:>4}  delivered {row['delivered']:>4}  bounce "
              f"{(row['bounce_rate'] or 0) * 100:5.1f}%  spend ${row['cost_usd']:.4f}  per delivered {per}")
    for label, cost in (("A, old order", cost_a), ("B, new order", cost_b)):
        print(f"list {label}: finder spend ${cost['finder_spend_usd']:.4f}, sent {cost['sent']}, bounced "
              f"{cost['bounced']} ({(cost['bounce_rate'] or 0) * 100:.1f}%), delivered {cost['delivered']} → "
              f"${cost['cost_per_delivered_usd']} per delivered email")
    print(f"cost per delivered email, B vs A: {report['cost_per_delivered_change']:+.1%}"
          if report["cost_per_delivered_change"] is not None else "cost per delivered email: not comparable")
    print("calibration (lists A and B): " + calibration.predictiveness.verdict)
    for row in calibration.bands:
        rate = "—" if row["reply_rate"] is None else f"{row['reply_rate'] * 100:5.1f}%"
        ci = "" if row["ci_low"] is None else f"  95% {row['ci_low'] * 100:4.1f}–{row['ci_high'] * 100:4.1f}%"
        print(f"  score {row['band']:<8} delivered {row['delivered']:>4}  replies {row['replies']:>3}  {rate}{ci}")
    print(f"suggested weights: {calibration.suggested_weights or 'none'}")
    print(f"elapsed: {report['elapsed_s']} s (list A {a['seconds']}, list B {b['seconds']})")


if __name__ == "__main__":
    main()
