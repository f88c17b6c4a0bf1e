"""Enriching a TargetList: the person waterfall, the company waterfall with its homepage crawl cache,
and email verification, for one list of one workspace. Dagster assets, the CLI and (later) the chat
all run these functions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from outsignal_pipelines.clients import registry
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.enrichment.ledger import spent_today
from outsignal_pipelines.operations.enrichment.waterfall import (
    RunReport,
    Waterfall,
    WaterfallConfig,
    error_text,
    run_bounded,
)
from outsignal_pipelines.store import connect, transaction

STEPS = ("people", "companies", "verify")
PERSON_COLUMNS = ("id", "email", "first_name", "last_name", "job_title", "seniority", "company_name",
                  "company_domain", "linkedin_url", "phone", "location", "country", "vertical", "email_status",
                  "verified_at")


def require_callable_vendors() -> list[str]:
    """The enrichment vendors this process can call (an API key, or a sandbox / vendor URL). With none,
    an enrichment would make 0 calls and look like success, so it is refused with what to set."""
    names = [v.name for v in registry.VENDORS.values() if v.api_key()]
    if not names:
        keys = ", ".join(f"{env}_API_KEY" for env in registry.env_names())
        raise OperationError(
            "no enrichment vendor can be called from here: no API key is set and no sandbox is configured. "
            f"Set a vendor key ({keys}) or OUTSIGNAL_SANDBOX_URL; next to `make demo`, run "
            "`source .outsignal-demo.env` in this terminal first.")
    return names


def workspace_config(workspace: str, **overrides: Any) -> WaterfallConfig:
    with connect() as con:
        row = con.execute("SELECT finder_order, daily_spend_cap_usd FROM workspaces WHERE slug = ?",
                          [workspace]).fetchall()
    if not row:
        raise NotFound(f"unknown workspace {workspace!r}")
    order, cap = row[0]
    settings: dict[str, Any] = {}
    if order:
        settings["finder_order"] = tuple(json.loads(order))
    if cap is not None:
        settings["daily_cap_usd"] = float(cap)
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return WaterfallConfig(**settings)


def _members(list_id: str, only_unverified_before_days: int | None = None) -> list[dict]:
    columns = ", ".join(f"p.{c}" for c in PERSON_COLUMNS)
    with connect() as con:
        cursor = con.execute(
            f"""SELECT {columns} FROM target_list_members m JOIN people p ON p.id = m.person_id
                WHERE m.list_id = ? ORDER BY p.id""", [list_id])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _companies_for(people: list[dict]) -> list[dict]:
    """Company rows for the members' domains, created (domain only) where missing."""
    domains = sorted({p["company_domain"] for p in people if p.get("company_domain")})
    if not domains:
        return []
    with transaction() as con:
        con.execute("INSERT INTO companies (domain, source) SELECT unnest(?::VARCHAR[]), 'enrichment' "
                    "ON CONFLICT (domain) DO NOTHING", [domains])
        cursor = con.execute(
            """SELECT id, domain, name, industry, headcount, description, crawl_markdown IS NOT NULL AS crawl_markdown
               FROM companies WHERE domain IN (SELECT unnest(?::VARCHAR[])) ORDER BY id""", [domains])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def enrich_list(workspace: str, list_name: str | None = None, *, list_id: str | None = None,
                steps: tuple[str, ...] = STEPS, force: bool = False, reverify_older_than_days: int | None = None,
                config: WaterfallConfig | None = None,
                on_progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Run the chosen steps for every member of the list. Safe to re-run: answers already in the
    ledger are reused, so a second run pays nothing."""
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown steps {unknown}; choose from {STEPS}")
    target = resolve_list(workspace, list_name, list_id)
    cfg = config or workspace_config(workspace, force=force or None)
    if force:
        cfg.force = True
    people = _members(target.id)
    companies = _companies_for(people) if "companies" in steps else []
    return asyncio.run(_run(workspace, cfg, people, companies, steps, reverify_older_than_days, on_progress))


async def _run(workspace: str, cfg: WaterfallConfig, people: list[dict], companies: list[dict],
               steps: tuple[str, ...], reverify_days: int | None,
               on_progress: Callable[[int, int], None] | None) -> RunReport:
    """The chosen steps as two lanes that run at once, each with its own concurrency so neither can
    starve the other: people (each person's waterfall followed at once by that person's verification)
    and companies (AI Ark company data, then the crawl). Their inputs do not meet, so the whole job
    is bound by the busiest vendor's rate rather than by the sum of the steps. A person's verification
    reads the email and status their own waterfall just settled; without the people step it reads the
    store, as does the choice of stale addresses to re-verify (the people step never touches those)."""
    async with Waterfall(workspace, cfg) as wf:
        await asyncio.to_thread(wf.preload, "person", [p["id"] for p in people])
        await asyncio.to_thread(wf.preload, "company", [c["id"] for c in companies])
        wf.report.people, wf.report.companies = len(people), len(companies)
        find, verify = "people" in steps, "verify" in steps
        if verify and not find:   # verification alone: the emails and statuses the store holds now
            people = await asyncio.to_thread(_reload, [p["id"] for p in people])
        stale_ids: set[int] = set()
        if verify and reverify_days:
            stale_ids = await asyncio.to_thread(_stale, [p["id"] for p in people if p.get("email")], reverify_days)
        total = (len(people) if find else 0) + len(companies) + (len(people) if verify else 0)
        done = 0

        def tick(*_: int) -> None:
            nonlocal done
            done += 1
            if on_progress:
                on_progress(done, total)

        async def person_lane(person: dict) -> None:
            final = person
            if find:
                try:
                    final = await wf.enrich_person(person) or person
                except Exception as exc:  # noqa: BLE001 - one lead's failure must not stop the list
                    wf.report.errors.append(error_text(exc))
                tick()
            if verify:
                try:
                    await wf.verify_person(final, force_reverify=person["id"] in stale_ids)
                except Exception as exc:  # noqa: BLE001 - as above
                    wf.report.errors.append(error_text(exc))
                tick()

        lanes = []
        if find or verify:
            lanes.append(run_bounded(people, person_lane, cfg.concurrency))
        if companies:
            lanes.append(run_bounded(companies, wf.enrich_company, cfg.concurrency, tick))
        for errors in await asyncio.gather(*lanes):
            wf.report.errors += errors
    return wf.report


def _reload(ids: list[int]) -> list[dict]:
    if not ids:
        return []
    with connect() as con:
        cursor = con.execute("SELECT id, email, email_status, verified_at FROM people WHERE id IN (SELECT unnest(?::BIGINT[]))",
                             [ids])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


# The two rules the schedules and the enrichment itself share, written once.
REVERIFY_AFTER_DAYS = 90
NEEDS_ENRICHMENT = """NOT EXISTS (SELECT 1 FROM enrichment_log e WHERE e.entity_type = 'person'
                         AND e.entity_id = {person}.id AND e.outcome IN ('found', 'not_found'))"""
STALE_VALID = "{person}.email_status = 'valid' AND {person}.verified_at < current_timestamp - to_days(?)"


def _stale(ids: list[int], days: int) -> set[int]:
    with connect() as con:
        rows = con.execute(
            f"""SELECT id FROM people p WHERE id IN (SELECT unnest(?::BIGINT[]))
                AND {STALE_VALID.format(person="p")}""", [ids, int(days)]).fetchall()
    return {r[0] for r in rows}


def lists_needing_enrichment() -> list[str]:
    """Lists still being built that have members no finder has answered for yet (the nightly run)."""
    with connect() as con:
        rows = con.execute(
            f"""SELECT DISTINCT l.id FROM target_lists l JOIN target_list_members m ON m.list_id = l.id
                JOIN people p ON p.id = m.person_id
                WHERE l.status = 'building' AND {NEEDS_ENRICHMENT.format(person="p")} ORDER BY l.id""").fetchall()
    return [r[0] for r in rows]


def lists_needing_reverification(days: int = REVERIFY_AFTER_DAYS) -> list[str]:
    """Lists about to be deployed whose 'valid' emails were verified more than `days` ago (weekly)."""
    with connect() as con:
        rows = con.execute(
            f"""SELECT DISTINCT l.id FROM target_lists l JOIN target_list_members m ON m.list_id = l.id
                JOIN people p ON p.id = m.person_id
                WHERE l.status IN ('pending_review', 'approved') AND {STALE_VALID.format(person="p")}
                ORDER BY l.id""", [int(days)]).fetchall()
    return [r[0] for r in rows]


def duplicate_member_emails(list_id: str) -> list[str]:
    """Email addresses that appear more than once among a list's members (should be none)."""
    with connect() as con:
        rows = con.execute(
            """SELECT p.email FROM target_list_members m JOIN people p ON p.id = m.person_id
               WHERE m.list_id = ? AND p.email IS NOT NULL GROUP BY 1 HAVING count(*) > 1""", [list_id]).fetchall()
    return [r[0] for r in rows]


def spend_status(workspace: str) -> dict[str, float]:
    """Today's provider spend of a workspace against its daily cap."""
    return {"spent_today_usd": round(spent_today(workspace), 4), "cap_usd": workspace_config(workspace).daily_cap_usd}


PROVIDER_FIELDS = ("calls", "paid_calls", "cost_usd", "found", "not_found", "errors", "skipped_by_dedup",
                   "reused_in_flight")


def step_summary(report: RunReport, step: str, list_id: str) -> dict[str, Any]:
    """What one enrichment step did, in the shape run requests add up across steps."""
    summary: dict[str, Any] = {
        "paid_calls": report.paid_calls, "cost_usd": round(report.cost_usd, 6),
        "skipped_by_dedup": report.skipped_by_dedup, "reused_in_flight": report.reused_in_flight,
        "cap_reached": report.cap_reached,
        "by_provider": {name: {f: round(getattr(stats, f), 6) for f in PROVIDER_FIELDS}
                        for name, stats in sorted(report.by_provider.items())}}
    if step == "people":
        summary.update(people=report.people, emails_found=report.emails_found)
    elif step == "companies":
        summary["companies"] = report.companies
    else:
        coverage = list_coverage(list_id)
        summary.update(verified=report.verified, verified_valid=coverage.get("verified_valid", 0),
                       with_email=coverage.get("with_email", 0))
    return summary


def list_coverage(list_id: str) -> dict[str, Any]:
    """Coverage of one list after enrichment (from the list_stats model)."""
    with connect() as con:
        cursor = con.execute("SELECT * FROM list_stats WHERE list_id = ?", [list_id])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return dict(zip(names, rows[0])) if rows else {}
