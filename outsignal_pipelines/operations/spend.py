"""Provider spend as people look at it: per day and provider, and today's spend against each
workspace's cap. Read from the ledger, the single source of what was paid; answers reused instead of
bought are read from the runs' own summaries, since a reuse is not a call and leaves no ledger row."""

from __future__ import annotations

import json

import polars as pl

from outsignal_pipelines.operations.enrichment.waterfall import default_daily_cap
from outsignal_pipelines.store import connect


def daily_spend(days: int = 30, workspace: str | None = None) -> pl.DataFrame:
    """day × provider: cost_usd, paid_calls, calls (answered or failed)."""
    params: list = [int(days)]
    where = "created_at >= current_date - to_days(?)"
    if workspace:
        where += " AND workspace_slug = ?"
        params.append(workspace)
    with connect() as con:
        return con.sql(
            f"""SELECT CAST(created_at AS DATE) AS day, provider, round(sum(cost_usd), 6) AS cost_usd,
                       count(*) FILTER (WHERE cost_usd > 0) AS paid_calls, count(*) AS calls
                FROM enrichment_log WHERE {where} GROUP BY ALL ORDER BY day, provider""", params=params).pl()


def cap_status() -> list[dict]:
    """Per workspace: today's spend, its cap and whether paid calls are stopped."""
    default_cap = default_daily_cap()
    with connect() as con:
        rows = con.execute(
            """SELECT w.slug, w.name, coalesce(w.daily_spend_cap_usd, ?) AS cap,
                      coalesce((SELECT sum(cost_usd) FROM enrichment_log e
                                WHERE e.workspace_slug = w.slug AND e.created_at >= current_date), 0) AS spent
               FROM workspaces w ORDER BY w.name""", [default_cap]).fetchall()
    return [{"workspace_slug": slug, "workspace_name": name, "cap_usd": float(cap), "spent_today_usd": round(float(spent), 6),
             "share": round(float(spent) / float(cap), 4) if cap else 1.0, "cap_reached": float(spent) >= float(cap)}
            for slug, name, cap, spent in rows]


def reuse_today() -> list[dict]:
    """Per workspace, today's answers reused instead of paid for, as today's enrichment runs reported
    them: from the ledger (`skipped_by_dedup`) and from another run that was asking at the same time
    (`reused_in_flight`). Kept apart because the second says runs overlapped, not that work was redone."""
    with connect() as con:
        rows = con.execute("SELECT workspace_slug, steps_done FROM run_requests "
                           "WHERE kind IN ('enrich', 'reverify') AND created_at >= current_date").fetchall()
    totals: dict[str, dict] = {}
    for slug, steps_done in rows:
        into = totals.setdefault(slug, {"workspace_slug": slug, "skipped_by_dedup": 0, "reused_in_flight": 0})
        for summary in json.loads(steps_done or "{}").values():
            for key in ("skipped_by_dedup", "reused_in_flight"):
                into[key] += int((summary or {}).get(key) or 0)
    return [totals[slug] for slug in sorted(totals)]
