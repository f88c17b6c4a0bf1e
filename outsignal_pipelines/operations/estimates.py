"""What a paid action would cost before anyone confirms it: upper bounds from the ledger's prices,
counting only the calls the ledger does not already answer."""

from __future__ import annotations

from typing import Any

from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.enrichment.list_enrichment import NEEDS_ENRICHMENT, workspace_config
from outsignal_pipelines.operations.enrichment.ledger import spent_today
from outsignal_pipelines.clients import llm, registry
from outsignal_pipelines.store import read_view

LLM_CALL_ESTIMATE_USD = 0.002  # a scoring call with ~3k characters of homepage on a small model

_TO_ENRICH_SQL = f"""
SELECT count(*) FILTER (WHERE p.email IS NULL AND {NEEDS_ENRICHMENT.format(person="p")}),
       count(*) FILTER (WHERE p.email IS NOT NULL AND p.email_status IS NULL),
       count(DISTINCT p.company_domain) FILTER (WHERE c.crawled_at IS NULL),
       count(*)
FROM target_list_members m JOIN people p ON p.id = m.person_id
LEFT JOIN companies c ON c.domain = p.company_domain WHERE m.list_id = ?"""


def enrichment_estimate(workspace: str, list_name: str) -> dict[str, Any]:
    target = resolve_list(workspace, list_name)
    cfg = workspace_config(workspace)
    # An estimate, asked on every rerun of the Lists page for every list: in the app server it is counted
    # on the read copy and remembered there (the spend itself is checked against the cap when it happens).
    with read_view() as view:
        no_email, unverified, uncrawled, members = view.remember(
            ("enrichment_estimate", target.id), lambda con: con.execute(_TO_ENRICH_SQL, [target.id]).fetchall()[0])
    # Upper bound: every finder tried for every person without email (misses are free, so it is lower in practice).
    finders = sum(registry.cost_usd(f, 1) for f in cfg.finder_order)
    company_roles = (registry.first_role(registry.COMPANY_DATA), registry.first_role(registry.CRAWL))
    per_company = sum(registry.vendor_for_step(r.step).cost_usd(1) for r in company_roles if r)
    estimate = no_email * finders + (no_email + unverified) * registry.cost_usd(cfg.verifier, 1) \
        + uncrawled * per_company
    spent = spent_today(workspace)
    return {"list": target.name, "members": members, "people_to_search": no_email, "emails_to_verify": unverified,
            "companies_to_profile": uncrawled, "estimated_cost_usd": round(estimate, 2),
            "spent_today_usd": round(spent, 2), "daily_cap_usd": cfg.daily_cap_usd}


def scoring_estimate(workspace: str, list_name: str) -> dict[str, Any]:
    target = resolve_list(workspace, list_name)
    with read_view() as view:   # asked for every list on every rerun of the Lists page, like the above
        to_score = view.remember(("scoring_estimate", target.id, workspace), lambda con: con.execute(
            """SELECT count(*) FROM target_list_members m WHERE m.list_id = ? AND NOT EXISTS (
                 SELECT 1 FROM icp_scores s WHERE s.person_id = m.person_id AND s.workspace_slug = ?)""",
            [target.id, workspace]).fetchall()[0][0])
    model = llm.configured_model()
    return {"list": target.name, "to_score": to_score, "scorer": f"llm:{model}" if model else "rules",
            "estimated_cost_usd": round(to_score * LLM_CALL_ESTIMATE_USD, 2) if model else 0.0}
