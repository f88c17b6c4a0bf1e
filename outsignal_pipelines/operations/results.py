"""Results: what happened after the send, per workspace and per list, for the Results page, the client
portal's Results card and the chat. Every number comes from operations.outcomes (deployed leads and
their campaign_events); rates are over delivered emails (sent − bounced), bounces over sent.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from outsignal_pipelines.domain.outcome_stats import MIN_DELIVERED, wilson_interval
from outsignal_pipelines.domain.outcomes import rate
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.outcomes import lead_outcomes, rollup_frame
from outsignal_pipelines.store import connect

TOTALS = ("leads", "sent", "delivered", "bounced", "replied", "interested", "meetings", "unsubscribed")


def totals(outcomes: pl.DataFrame) -> dict[str, Any]:
    """Counts and rates of a lead_outcomes frame (pure)."""
    delivered = outcomes.filter(pl.col("sent") & ~pl.col("bounced"))
    out = {"leads": outcomes.height, "sent": int(outcomes["sent"].sum()) if outcomes.height else 0,
           "delivered": delivered.height,
           "bounced": int(outcomes["bounced"].sum()) if outcomes.height else 0,
           "replied": int(delivered["replied"].sum()) if delivered.height else 0,
           "interested": int(delivered["interested"].sum()) if delivered.height else 0,
           "meetings": int(delivered["meeting"].sum()) if delivered.height else 0,
           "unsubscribed": int(outcomes["unsubscribed"].sum()) if outcomes.height else 0}
    out.update(bounce_rate=rate(out["bounced"], out["sent"]), reply_rate=rate(out["replied"], out["delivered"]),
               interested_rate=rate(out["interested"], out["delivered"]),
               meeting_rate=rate(out["meetings"], out["delivered"]))
    return out


def _outcomes(workspace: str, list_id: str | None = None) -> tuple[pl.DataFrame, dict[str, str]]:
    with connect() as con:
        frame = lead_outcomes(con, workspace, list_id)
        names = dict(con.execute("SELECT id, name FROM target_lists WHERE workspace_slug = ?", [workspace]).fetchall())
    return frame, names


def with_interval(rollup: pl.DataFrame) -> pl.DataFrame:
    """A rollup with the 95% Wilson interval of its reply rate (reply_low, reply_high)."""
    bounds = [wilson_interval(r, d) if d else (None, None) for r, d in zip(rollup["replied"], rollup["delivered"])]
    return rollup.with_columns(pl.Series("reply_low", [b[0] for b in bounds], dtype=pl.Float64),
                               pl.Series("reply_high", [b[1] for b in bounds], dtype=pl.Float64))


def workspace_results(workspace: str, list_id: str | None = None) -> dict[str, Any]:
    """Totals, one row per deployed list, and rollups by score band, vertical, seniority and finder."""
    frame, names = _outcomes(workspace, list_id)
    lists = []
    for key in sorted({k for k in frame["list_id"].to_list() if k is not None}):
        lists.append({"list_id": key, "list": names.get(key, key),
                      **totals(frame.filter(pl.col("list_id") == key))})
    return {"workspace": workspace, "list_id": list_id, "totals": totals(frame), "lists": lists,
            "by": {dim: with_interval(rollup_frame(frame, dim)) if frame.height else None
                   for dim in ("score_band", "vertical", "seniority", "finder_provider")}}


def list_results(workspace: str, list_name: str) -> dict[str, Any]:
    """One list's numbers, for the chat ("how is Rise Q1 doing?")."""
    from outsignal_pipelines.operations.lists import resolve_list

    target = resolve_list(workspace, list_name)
    frame, _ = _outcomes(workspace, target.id)
    out = {"workspace": workspace, "list": target.name, "status": target.status, **totals(frame)}
    if not frame.height:
        out["note"] = ("not deployed yet: no campaign results" if target.status != "deployed"
                       else "no events yet: connect the EmailBison webhook or run the backfill")
    return out


def best_by(workspace: str, by: str, min_delivered: int = MIN_DELIVERED) -> dict[str, Any]:
    """The groups of one dimension (vertical, seniority, ...) ranked by reply rate, for "which vertical
    replies most?". Groups with fewer than `min_delivered` delivered emails are listed after the others
    and flagged, so a 1-of-1 does not win."""
    frame, _ = _outcomes(workspace)
    if not frame.height:
        return {"workspace": workspace, "by": by, "results": [], "note": "no deployed leads with results yet"}
    rows = with_interval(rollup_frame(frame, by)).filter(pl.col("sent") > 0).with_columns(
        (pl.col("delivered") >= min_delivered).alias("enough_data"))
    rows = rows.sort(["enough_data", "reply_rate", "delivered"], descending=True, nulls_last=True)
    return {"workspace": workspace, "by": by, "min_delivered": min_delivered,
            "results": rows.select(by, "delivered", "replied", "reply_rate", "reply_low", "reply_high",
                                   "interested", "meetings", "enough_data").rename({by: "group"}).to_dicts()}


def bounce_by_provider(workspace: str | None = None) -> dict[str, Any]:
    """Bounce rate per email finder, highest first, in one workspace or across all of them."""
    with connect() as con:
        slugs = [workspace] if workspace else [r[0] for r in con.execute("SELECT slug FROM workspaces ORDER BY slug"
                                                                         ).fetchall()]
        if workspace and not con.execute("SELECT 1 FROM workspaces WHERE slug = ?", [workspace]).fetchall():
            raise OperationError(f"unknown workspace {workspace!r}")
        frames = [lead_outcomes(con, slug) for slug in slugs]
    frame = pl.concat(frames) if frames else pl.DataFrame()
    if not frame.height or not frame["sent"].any():
        return {"workspace": workspace, "results": [], "note": "no emails sent yet, so no bounces to compare"}
    rows = rollup_frame(frame.with_columns(pl.col("finder_provider").fill_null("imported")), "finder_provider")
    rows = rows.filter(pl.col("sent") > 0).sort(["bounce_rate", "sent"], descending=True, nulls_last=True)
    return {"workspace": workspace,
            "results": rows.select(pl.col("finder_provider").alias("provider"), "sent", "bounced",
                                   "bounce_rate").to_dicts()}


def results_card(workspace: str) -> dict[str, int]:
    """The four numbers a client cares about, for their own workspace: sent, replies, interested,
    meetings. The caller (operations.portal) supplies the workspace from the client's session."""
    frame, _ = _outcomes(workspace)
    t = totals(frame)
    return {"sent": t["sent"], "replies": t["replied"], "interested": t["interested"], "meetings": t["meetings"]}
