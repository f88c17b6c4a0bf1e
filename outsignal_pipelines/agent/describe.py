"""Tool results in short plain sentences for the offline planner; rows go to the tables. Never a
Python repr: dicts and lists are spelled out in words."""

from __future__ import annotations

from typing import Any

from outsignal_pipelines.domain.icp_rules import bands_line

_PERIODS = {"today": "today", "this_week": "this week", "this_month": "this month", "last_7_days": "in the last 7 days",
            "last_30_days": "in the last 30 days"}
_STATUS = {"catch_all": "catch-all", "risky": "risky", "invalid": "invalid", "valid": "valid", "unknown": "unknown"}


def _usd(value: Any) -> str:
    return f"${float(value or 0):,.2f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def search_summary(args: dict[str, Any]) -> str:
    """The filters a search used, in words ("VP · title: sales · B2B SaaS · verified email")."""
    parts: list[str] = []
    if args.get("seniorities"):
        parts.append(", ".join(args["seniorities"]))
    if args.get("title_any"):
        parts.append("title: " + " or ".join(args["title_any"]))
    if args.get("verticals"):
        parts.append(", ".join(args["verticals"]))
    if args.get("location"):
        parts.append(f"in {args['location']}")
    if args.get("headcount_min") is not None or args.get("headcount_max") is not None:
        low, high = args.get("headcount_min"), args.get("headcount_max")
        parts.append(f"{low}–{high} staff" if low is not None and high is not None else
                     f"{low}+ staff" if low is not None else f"up to {high} staff")
    if args.get("min_icp_score") is not None:
        parts.append(f"ICP score ≥ {args['min_icp_score']}")
    if args.get("has_verified_email") is True:
        parts.append("verified email")
    if args.get("has_verified_email") is False:
        parts.append("no verified email")
    if args.get("email_status"):
        parts.append(f"{_STATUS.get(args['email_status'], args['email_status'])} emails")
    if args.get("company"):
        parts.append(f"at {args['company']}")
    if args.get("in_list"):
        parts.append(f"on {args['in_list']}")
    if args.get("not_in_list"):
        parts.append(f"not on {args['not_in_list']}")
    if args.get("text"):
        parts.append(f"“{args['text']}”")
    return " · ".join(parts) or "everyone"


def _person(row: dict[str, Any]) -> str:
    bits = [row.get("full_name") or "Someone"]
    role = " at ".join(x for x in (row.get("job_title"), row.get("company_name")) if x)
    if role:
        bits.append(f"is {role}")
    if row.get("location"):
        bits.append(f"({row['location']})")
    email = row.get("email")
    line = " ".join(bits)
    if email:
        line += f"; email {email} ({_STATUS.get(row.get('email_status') or '', 'not verified yet')})"
    if row.get("icp_score") is not None:
        line += f"; ICP score {row['icp_score']}"
    return line + "."


def describe(name: str, args: dict[str, Any], result: dict[str, Any]) -> str:
    """A short plain answer for a tool result; the tables carry the detail."""
    if "error" in result:
        return f"I couldn't do that: {result['error']}"
    if result.get("note"):
        return f"Started: {result['note']}. Ask me again to see how it ended."
    if result.get("requires_confirmation"):
        if name == "delete_list":
            return (f"Delete the list {result['list']} ({result['members']} members, {result['status']})? The people "
                    "stay in the database. Reply \"yes\" to delete it.")
        what = {"enrich_list": "Enriching", "score_list": "LLM-scoring", "export_list": "Exporting to EmailBison"}[name]
        counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in result.items()
                           if isinstance(v, int) and not isinstance(v, bool) and k != "estimated_cost_usd")
        return (f"{what} {args.get('name')} would cost about {_usd(result.get('estimated_cost_usd'))}"
                + (f" ({counts})" if counts else "") + ". Reply \"yes\" to run it.")
    if name in ("search_people", "count_people"):
        filters = search_summary(args)
        if name == "count_people":
            return f"{result['total']:,} people match: {filters}."
        if not result["total"]:
            return f"No one matches {filters}. Try a broader search."
        return (f"Found {result['total']:,} people ({filters}); page {result['page']} of {result['pages']}"
                + (", best ICP scores first." if args.get("workspace") else "."))
    if name == "find_person":
        rows = result["results"]
        if not rows:
            return f"I found no one called {args['name']}."
        if result["total"] == 1:
            return _person(rows[0])
        return f"{result['total']} people match {args['name']}: " + " ".join(_person(r) for r in rows[:3])
    if name == "spend_summary":
        when = _PERIODS.get(result["period"], result["period"])
        scope = f" for {result['workspace']}" if result.get("workspace") else " across all workspaces"
        if not result["results"]:
            return f"Nothing was spent {when}{scope}."
        top = ", ".join(f"{p['provider']} {_usd(p['cost_usd'])}" for p in result["results"][:3])
        return f"We spent {_usd(result['total_usd'])} {when}{scope} on {result['paid_calls']:,} paid calls ({top})."
    if name == "create_list":
        added = f" with {result['added']:,} people" if result.get("added") is not None else ""
        return (f"Created the list {result['name']} in {result['workspace']}{added}." if result["created"] else
                f"The list {result['name']} already exists in {result['workspace']} ({result['members']:,} members)"
                + (f"; added {result['added']:,} more." if result.get("added") else "."))
    if name == "add_to_list":
        return (f"Added {result['added']:,} people to {args['name']} "
                f"({result.get('already_on_list', 0):,} were already on it).")
    if name == "remove_from_list":
        return f"Removed {result['removed']:,} members from {args['name']} ({search_summary(args.get('search') or {})}); " \
               f"{result['remaining']:,} remain."
    if name == "rename_list":
        return f"Renamed {args['name']} to {result['name']}."
    if name == "delete_list":
        return f"Deleted the list {result['deleted']} ({result['members']:,} members; the people stay in the database)."
    if name == "set_workspace":
        return f"Now working in {result['name']}."
    if name == "list_lists":
        lists = result["lists"]
        return (f"{result['workspace']} has {len(lists)} lists: " + "; ".join(
            f"{item['name']} ({item['status'].replace('_', ' ')}, {item['members']:,} members)" for item in lists) + "."
                ) if lists else f"{result['workspace']} has no lists yet."
    if name == "show_list":
        bands = result.get("icp_bands") or {}
        return (f"{result['name']} ({result['status'].replace('_', ' ')}): {result['members']:,} members, email "
                f"{result['email_coverage']:.0%}, verified {result['verified_share']:.0%}. ICP scores: "
                f"{bands_line(bands)}" + (f", not scored: {bands['unscored']}" if bands.get("unscored") else "") + ".")
    if name == "score_list":
        return (f"Scored {result['scored']:,} with {result['scorer']} ({result['skipped_already_scored']:,} already "
                f"scored, skipped; no enrichment calls). {bands_line(result['distribution'])}.")
    if name == "enrich_list":
        return (f"Enriched {result['people']:,} people: {result['emails_found']:,} emails found, {result['paid_calls']:,} "
                f"paid calls, {_usd(result['cost_usd'])}; {result['skipped_by_dedup']:,} answers reused from the ledger.")
    if name == "export_list":
        if result.get("refused"):
            return f"Export refused: {result['reason']}."
        reasons = result.get("blocked_reasons") or result.get("excluded_reasons") or {}
        why = "; ".join(f"{n} × {r}" for r, n in reasons.items())
        excluded = result.get("excluded")
        blocked = excluded.get("blocked", 0) if isinstance(excluded, dict) else (excluded or 0)
        where = ("a CSV file: download it below" if result.get("download") else
                 f"the EmailBison campaign {result.get('campaign_name')} (id {result.get('campaign_id')})")
        return f"Exported {result['exported']:,} verified leads to {where}. Excluded {blocked}" + (f": {why}." if why else ".")
    if name == "send_to_review":
        return f"{args.get('list_name') or args.get('campaign')} is now {result['status'].replace('_', ' ')}; " \
               "the client can review it in the portal."
    if name == "deploy":
        return (f"Deploy {result['id']} of {result['campaign_name']} ({result['path'].replace('_', ' ')}) is "
                f"{result['status']} (run request #{result.get('request_id')}); you will be notified when it is done.")
    if name == "deploy_status":
        latest = result["deploys"][0] if result["deploys"] else None
        return (f"{result['list']} is {result['status'].replace('_', ' ')}"
                + (f"; last deploy {latest['status']}." if latest else "; no deploys yet."))
    if name == "campaign_results":
        where = result.get("list") or result.get("workspace")
        if not result.get("sent"):
            return f"{where}: no emails sent yet" + (f" ({result['note']})." if result.get("note") else ".")
        return (f"{where}: {result['sent']:,} sent, {result['bounced']:,} bounced ({_pct(result['bounce_rate'])}), "
                f"{result['replied']:,} replies ({_pct(result['reply_rate'])} of delivered), "
                f"{result['interested']:,} interested, {result['meetings']:,} meetings.")
    if name == "best_replying":
        rows = result["results"]
        what = {"score_band": "score band", "finder_provider": "email finder"}.get(result["by"], result["by"])
        if not rows:
            return f"No replies to compare yet in {result['workspace']}: {result.get('note', 'no results')}."
        top = rows[0]
        line = (f"In {result['workspace']}, the {what} that replies most is {top['group'] or 'unknown'}: "
                f"{_pct(top['reply_rate'])} ({top['replied']:,} of {top['delivered']:,} delivered)")
        if not top["enough_data"]:
            line += f"; no {what} has {result['min_delivered']} delivered emails yet, so this is a hint, not a finding"
        others = ", ".join(f"{r['group'] or 'unknown'} {_pct(r['reply_rate'])}" for r in rows[1:4])
        return line + (f". Next: {others}." if others else ".")
    if name == "provider_bounces":
        rows = result["results"]
        scope = f" in {result['workspace']}" if result.get("workspace") else " across all workspaces"
        if not rows:
            return f"No bounces to compare{scope}: {result.get('note', 'nothing sent yet')}."
        top = rows[0]
        others = ", ".join(f"{r['provider']} {_pct(r['bounce_rate'])}" for r in rows[1:])
        return (f"{top['provider']} bounces most{scope}: {_pct(top['bounce_rate'])} ({top['bounced']:,} of "
                f"{top['sent']:,} sent)" + (f"; then {others}." if others else "."))
    return "Done."
