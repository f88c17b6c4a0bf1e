"""Tool results in plain words for the offline planner; the rows themselves go to the tables."""

from __future__ import annotations

import json
from typing import Any

from outsignal_pipelines.domain.icp_rules import bands_line


def describe(name: str, args: dict[str, Any], result: dict[str, Any]) -> str:
    """A short plain answer for a tool result; the tables carry the detail."""
    if "error" in result:
        return f"I couldn't do that: {result['error']}"
    if result.get("note"):
        return f"Started: {result['note']}. Ask me again to see how it ended."
    if result.get("requires_confirmation"):
        what = {"enrich_list": "Enriching", "score_list": "LLM-scoring", "export_list": "Exporting to EmailBison"}[name]
        details = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.items()
                            if k not in ("requires_confirmation", "list") and not isinstance(v, dict))
        return f"{what} {args.get('name')!r} would cost about ${result.get('estimated_cost_usd', 0):.2f} ({details}). Reply \"yes\" to run it."
    if name == "search_people":
        return (f"Found {result['total']:,} people (page {result['page']} of {result['pages']}), best ICP scores first "
                "when a workspace is set." if result["total"] else "No one matches that. Try a broader search.")
    if name == "create_list":
        return (f"Created list {result['name']!r} in {result['workspace']}." if result["created"] else
                f"List {result['name']!r} already exists in {result['workspace']} ({result['members']} members).")
    if name == "add_to_list":
        return f"Added {result['added']} people to {args['name']!r} ({result.get('already_on_list', 0)} were already on it)."
    if name == "list_lists":
        lists = result["lists"]
        return (f"{result['workspace']} has {len(lists)} lists: " + "; ".join(
            f"{l['name']} ({l['status']}, {l['members']} members)" for l in lists)) if lists else \
            f"{result['workspace']} has no lists yet."
    if name == "show_list":
        return (f"{result['name']} ({result['status']}): {result['members']} members, email {result['email_coverage']:.0%}, "
                f"verified {result['verified_share']:.0%}, ICP bands {result['icp_bands']}.")
    if name == "score_list":
        d = result["distribution"]
        return (f"Scored {result['scored']} with {result['scorer']} ({result['skipped_already_scored']} already scored, "
                f"skipped; no enrichment calls). {bands_line(d)}.")
    if name == "enrich_list":
        return (f"Enriched {result['people']} people: {result['emails_found']} emails found, {result['paid_calls']} paid "
                f"calls, ${result['cost_usd']:.2f}; {result['skipped_by_dedup']} answers reused from the ledger.")
    if name == "export_list":
        if result.get("refused"):
            return f"Export refused: {result['reason']}."
        reasons = result.get("blocked_reasons") or result.get("excluded_reasons") or {}
        why = "; ".join(f"{n} × {r}" for r, n in reasons.items())
        where = result.get("file") or f"EmailBison campaign {result.get('campaign_name')!r} (id {result.get('campaign_id')})"
        return f"Exported {result['exported']} verified leads to {where}. Excluded {result['excluded']['blocked']}" + \
            (f": {why}." if why else ".")
    if name == "send_to_review":
        return f"{args.get('list_name') or args.get('campaign')!r} is now {result['status']}; the client can review it in the portal."
    if name == "deploy":
        return (f"Deploy {result['id']} of {result['campaign_name']!r} ({result['path'].replace('_', ' ')}) is "
                f"{result['status']} (run request #{result.get('request_id')}); you will be notified when it is done.")
    if name == "deploy_status":
        latest = result["deploys"][0] if result["deploys"] else None
        return f"{result['list']} is {result['status']}" + (f"; last deploy {latest['status']}." if latest else "; no deploys yet.")
    return json.dumps(result, default=str)[:500]
