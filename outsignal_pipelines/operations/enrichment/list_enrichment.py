"""Enriching a TargetList: the person waterfall, the company waterfall with its homepage crawl cache,
and email verification, for one list of one workspace. Dagster assets, the CLI and (later) the chat
all run these functions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from outsignal_pipelines.operations import NotFound
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.enrichment.waterfall import RunReport, Waterfall, WaterfallConfig, run_bounded
from outsignal_pipelines.store import connect, transaction

STEPS = ("people", "companies", "verify")
PERSON_COLUMNS = ("id", "email", "first_name", "last_name", "job_title", "seniority", "company_name",
                  "company_domain", "linkedin_url", "phone", "location", "country", "vertical", "email_status",
                  "verified_at")


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
    async with Waterfall(workspace, cfg) as wf:
        await asyncio.to_thread(wf.preload, "person", [p["id"] for p in people])
        await asyncio.to_thread(wf.preload, "company", [c["id"] for c in companies])
        wf.report.people, wf.report.companies = len(people), len(companies)
        total = (len(people) if "people" in steps else 0) + len(companies) \
            + (len(people) if "verify" in steps else 0)
        done_before = 0

        def progress(done: int, _n: int) -> None:
            if on_progress:
                on_progress(done_before + done, total)

        if "people" in steps:
            wf.report.errors += await run_bounded(people, wf.enrich_person, cfg.concurrency, progress)
            done_before += len(people)
        if companies:
            wf.report.errors += await run_bounded(companies, wf.enrich_company, cfg.concurrency, progress)
            done_before += len(companies)
        if "verify" in steps:
            await wf.ledger.close()  # merges from the people step must land before we read them back
            wf.ledger = type(wf.ledger)()
            fresh = {p["id"]: p for p in await asyncio.to_thread(_reload, [p["id"] for p in people])}
            stale_ids = await asyncio.to_thread(_stale, list(fresh), reverify_days) if reverify_days else set()

            async def verify_one(person: dict) -> None:
                await wf.verify_person(person, force_reverify=person["id"] in stale_ids)

            wf.report.errors += await run_bounded(list(fresh.values()), verify_one, cfg.concurrency, progress)
    return wf.report


def _reload(ids: list[int]) -> list[dict]:
    if not ids:
        return []
    with connect() as con:
        cursor = con.execute("SELECT id, email, email_status, verified_at FROM people WHERE id IN (SELECT unnest(?::BIGINT[]))",
                             [ids])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _stale(ids: list[int], days: int) -> set[int]:
    with connect() as con:
        rows = con.execute(
            """SELECT id FROM people WHERE id IN (SELECT unnest(?::BIGINT[])) AND email_status = 'valid'
               AND verified_at < current_timestamp - to_days(?)""", [ids, int(days)]).fetchall()
    return {r[0] for r in rows}


def list_coverage(list_id: str) -> dict[str, Any]:
    """Coverage of one list after enrichment (from the list_stats model)."""
    with connect() as con:
        cursor = con.execute("SELECT * FROM list_stats WHERE list_id = ?", [list_id])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return dict(zip(names, rows[0])) if rows else {}
