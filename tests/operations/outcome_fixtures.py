"""Deployed leads with planted outcomes, written straight into the store (people, scores, the ledger,
lead_campaigns, campaign_events), for the tests of what the engine learns from them.

The planted truth: leads whose seniority matches the ICP reply far more often (25% against 3%), the
vertical makes no difference, and 'aiark' bounces 30% of the emails it found while 'prospeo' bounces
5% and 'findymail' 8%."""

from __future__ import annotations

import json
import random

from outsignal_pipelines.domain.icp_rules import IcpRules, score_frame
from outsignal_pipelines.store import connect

RULES = {"seniorities": ["C-Suite", "VP"], "verticals": ["B2B SaaS"]}
BOUNCE = {"aiark": 0.30, "prospeo": 0.05, "findymail": 0.08}
COST = {"aiark": 0.003, "prospeo": 0.002, "findymail": 0.001}
LIST_ID, CAMPAIGN = "acme.q1", 10


def plant(workspace: str = "acme", n: int = 600, seed: int = 7, start_id: int = 1000,
          reply_matched: float = 0.25, reply_other: float = 0.03, list_id: str | None = None,
          vertical_of: dict[str, str] | None = None) -> dict:
    """n deployed leads of one list in `workspace` (a new list 'Q1', or the existing `list_id`); returns
    what was planted (counts per finder). `vertical_of` maps a seniority to the vertical its leads get."""
    import polars as pl

    rng = random.Random(seed)
    people = []
    for i in range(n):
        people.append({"person_id": start_id + i, "seniority": rng.choice(["C-Suite", "VP", "Manager", "IC"]),
                       "vertical": rng.choice(["B2B SaaS", "Logistics & Supply Chain"]),
                       "finder": ("aiark", "prospeo", "findymail")[i % 3]})
    for p in people:
        if vertical_of and p["seniority"] in vertical_of:
            p["vertical"] = vertical_of[p["seniority"]]
    scores = score_frame(pl.DataFrame(people).select("person_id", "seniority", "vertical"),
                         IcpRules.model_validate(RULES))
    by_id = {r["person_id"]: r["score"] for r in scores.to_dicts()}
    planted = {f: {"leads": 0, "bounced": 0} for f in BOUNCE}
    existing = list_id is not None
    list_id, campaign = list_id or f"{workspace}.q1", CAMPAIGN + start_id
    rows: dict[str, list[dict]] = {"people": [], "scores": [], "log": [], "events": []}
    for p in people:
        pid, finder = p["person_id"], p["finder"]
        email = f"lead{pid}@x{pid}.example"
        rows["people"].append({"id": pid, "email": email, "seniority": p["seniority"], "vertical": p["vertical"],
                               "score": by_id[pid]})
        rows["log"].append({"pid": pid, "provider": finder, "cost": COST[finder],
                            "fields": json.dumps({"fields": {"email": email}, "email_status": "valid"})})
        rows["events"].append({"key": f"{workspace}:s{pid}", "kind": "sent", "pid": pid})
        planted[finder]["leads"] += 1
        if rng.random() < BOUNCE[finder]:
            rows["events"].append({"key": f"{workspace}:b{pid}", "kind": "bounced", "pid": pid})
            planted[finder]["bounced"] += 1
            continue
        matched = p["seniority"] in RULES["seniorities"]
        if rng.random() < (reply_matched if matched else reply_other):
            rows["events"].append({"key": f"{workspace}:r{pid}", "kind": "replied", "pid": pid})
            if rng.random() < 0.5:
                rows["events"].append({"key": f"{workspace}:i{pid}", "kind": "interested", "pid": pid})
    people_df, log_df, events_df = (pl.DataFrame(rows[k]) for k in ("people", "log", "events"))  # noqa: F841
    with connect() as con:
        if not existing:
            con.execute("UPDATE workspaces SET icp_rules = ?, finder_order = ? WHERE slug = ?",
                        [json.dumps(RULES), json.dumps(["aiark", "prospeo", "leadmagic", "findymail"]), workspace])
        if existing:
            con.execute("UPDATE target_lists SET status = 'deployed' WHERE id = ?", [list_id])
        else:
            con.execute("INSERT INTO target_lists (id, workspace_slug, name, status) VALUES (?, ?, 'Q1', 'deployed')",
                        [list_id, workspace])
        con.execute("INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id) "
                    "VALUES (?, ?, 'Q1', ?)", [list_id, workspace, campaign])
        con.execute("INSERT INTO people (id, email, seniority, vertical, email_status) "
                    "SELECT id, email, seniority, vertical, 'valid' FROM people_df")
        con.execute("INSERT INTO target_list_members (list_id, person_id) SELECT ?, id FROM people_df", [list_id])
        con.execute("INSERT INTO icp_scores (person_id, workspace_slug, score, scorer) "
                    "SELECT id, ?, score, 'rules' FROM people_df", [workspace])
        con.execute("INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) "
                    "SELECT ?, id, ?, ? FROM people_df", [workspace, campaign, list_id])
        con.execute("INSERT INTO enrichment_log (entity_type, entity_id, provider, request_key, outcome, fields_written, "
                    "cost_usd, workspace_slug) SELECT 'person', pid, provider, 'k', 'found', fields::JSON, cost, ? "
                    "FROM log_df", [workspace])
        con.execute("INSERT INTO campaign_events (event_key, workspace_slug, event_type, emailbison_campaign_id, "
                    "person_id, source) SELECT key, ?, kind, ?, pid, 'webhook' FROM events_df", [workspace, campaign])
    return planted


def _log(con, workspace: str, pid: int, provider: str, outcome: str, email: str | None, cost: float) -> None:
    fields = json.dumps({"fields": {"email": email} if email else {}, "email_status": "valid" if email else None})
    con.execute("INSERT INTO enrichment_log (entity_type, entity_id, provider, request_key, outcome, fields_written, "
                "cost_usd, workspace_slug) VALUES ('person', ?, ?, 'k', ?, ?::JSON, ?, ?)",
                [pid, provider, outcome, fields, cost, workspace])


def _event(con, workspace: str, key: str, kind: str, pid: int, campaign: int) -> None:
    con.execute("INSERT INTO campaign_events (event_key, workspace_slug, event_type, emailbison_campaign_id, person_id, "
                "source) VALUES (?, ?, ?, ?, ?, 'webhook')", [f"{workspace}:{key}", workspace, kind, campaign, pid])
