"""Per-lead outcomes of deployed lists, and rollups of them: what the engine learns from.

`lead_outcomes` is one row per lead (person) deployed to an EmailBison campaign of the workspace, with
what we knew when we chose them (ICP score and band, vertical, seniority, verification status, the
provider that found the email and what finding it cost) next to what happened (sent, bounced,
replied, interested, meeting, unsubscribed), read from campaign_events. `outcome_rollup` groups that
by one of those "what we knew" columns with counts and rates.

Which leads count as deployed: every lead_campaigns row of the workspace (the active campaign of each
lead), plus every person a stored event names with a campaign (a lead taken over by a later campaign
keeps its history with the earlier one). The list of a campaign comes from list_campaigns.

The finder of an email is the provider whose first `found` answer in enrichment_log carried the
address the person holds now (enrichment merges fill empty fields only, so that answer is the one
that wrote it); an email that came in with an import has no finder (null). `finder_cost_usd` is every
finder call paid for that person (hits and misses, all providers tried); `verify_cost_usd` the
verifier calls.

Rates: bounces over sent; replies, interested and meetings over delivered (sent minus bounced).
Untracked replies (no campaign) are stored and notified but not attributed to a lead's campaign.
"""

from __future__ import annotations

import duckdb
import polars as pl

from outsignal_pipelines.clients import registry
from outsignal_pipelines.domain.outcomes import ROLLUP_DIMENSIONS, score_band
from outsignal_pipelines.store import connect

OUTCOME_FLAGS = ("sent", "bounced", "replied", "interested", "meeting", "unsubscribed")

LEAD_OUTCOME_SCHEMA = {
    "person_id": pl.Int64, "list_id": pl.String, "emailbison_campaign_id": pl.Int64, "email": pl.String,
    "score": pl.Int64, "score_band": pl.String, "vertical": pl.String, "seniority": pl.String,
    "email_status": pl.String, "finder_provider": pl.String, "finder_cost_usd": pl.Float64,
    "verify_cost_usd": pl.Float64,
    **{flag: pl.Boolean for flag in OUTCOME_FLAGS},
}

ROLLUP_SCHEMA = {"leads": pl.Int64, "sent": pl.Int64, "delivered": pl.Int64, "bounced": pl.Int64,
                 "replied": pl.Int64, "interested": pl.Int64, "meetings": pl.Int64, "unsubscribed": pl.Int64,
                 "finder_cost_usd": pl.Float64, "bounce_rate": pl.Float64, "reply_rate": pl.Float64,
                 "interested_rate": pl.Float64, "meeting_rate": pl.Float64}


def _steps(kind: str) -> list[str]:
    return [registry.vendor(name).role(kind).step for name in registry.names_with(kind)]


_LEAD_OUTCOMES_SQL = """
WITH pairs AS (
    SELECT person_id, emailbison_campaign_id FROM lead_campaigns WHERE workspace_slug = $ws
    UNION
    SELECT person_id, emailbison_campaign_id FROM campaign_events
    WHERE workspace_slug = $ws AND person_id IS NOT NULL AND emailbison_campaign_id IS NOT NULL
),
deployed AS (
    SELECT p.person_id, p.emailbison_campaign_id,
           coalesce(lc.list_id, (SELECT any_value(a.list_id) FROM lead_campaigns a
                                 WHERE a.workspace_slug = $ws AND a.person_id = p.person_id
                                   AND a.emailbison_campaign_id = p.emailbison_campaign_id)) AS list_id
    FROM pairs p
    LEFT JOIN list_campaigns lc ON lc.workspace_slug = $ws AND lc.emailbison_campaign_id = p.emailbison_campaign_id
),
events AS (
    SELECT person_id, emailbison_campaign_id,
           bool_or(event_type IN ('sent', 'opened', 'bounced', 'replied', 'interested', 'unsubscribed',
                                  'meeting_booked')) AS sent,
           bool_or(event_type = 'bounced') AS bounced,
           bool_or(event_type IN ('replied', 'interested', 'meeting_booked')) AS replied,
           bool_or(event_type IN ('interested', 'meeting_booked')) AS interested,
           bool_or(event_type = 'meeting_booked') AS meeting,
           bool_or(event_type = 'unsubscribed') AS unsubscribed
    FROM campaign_events
    WHERE workspace_slug = $ws AND person_id IS NOT NULL AND emailbison_campaign_id IS NOT NULL
    GROUP BY ALL
),
finder AS (
    SELECT l.entity_id AS person_id, arg_min(l.provider, l.id) AS finder_provider
    FROM enrichment_log l JOIN people p ON p.id = l.entity_id
    WHERE l.entity_type = 'person' AND l.outcome = 'found' AND list_contains($finders, l.provider)
      AND p.email IS NOT NULL
      AND lower(json_extract_string(l.fields_written, '$.fields.email')) = p.email
      AND l.entity_id IN (SELECT person_id FROM deployed)
    GROUP BY 1
),
costs AS (
    SELECT entity_id AS person_id,
           sum(cost_usd) FILTER (WHERE list_contains($finders, provider)) AS finder_cost_usd,
           sum(cost_usd) FILTER (WHERE list_contains($verifiers, provider)) AS verify_cost_usd
    FROM enrichment_log
    WHERE entity_type = 'person' AND entity_id IN (SELECT person_id FROM deployed)
    GROUP BY 1
)
SELECT d.person_id, d.list_id, d.emailbison_campaign_id, p.email, s.score, p.vertical, p.seniority,
       p.email_status, f.finder_provider,
       coalesce(c.finder_cost_usd, 0)::DOUBLE AS finder_cost_usd,
       coalesce(c.verify_cost_usd, 0)::DOUBLE AS verify_cost_usd,
       coalesce(e.sent, false) AS sent, coalesce(e.bounced, false) AS bounced,
       coalesce(e.replied, false) AS replied, coalesce(e.interested, false) AS interested,
       coalesce(e.meeting, false) AS meeting, coalesce(e.unsubscribed, false) AS unsubscribed
FROM deployed d
JOIN people p ON p.id = d.person_id
LEFT JOIN icp_scores s ON s.person_id = d.person_id AND s.workspace_slug = $ws
LEFT JOIN finder f ON f.person_id = d.person_id
LEFT JOIN costs c ON c.person_id = d.person_id
LEFT JOIN events e ON e.person_id = d.person_id AND e.emailbison_campaign_id = d.emailbison_campaign_id
WHERE $list_id IS NULL OR d.list_id = $list_id
ORDER BY d.list_id, d.person_id
"""


def lead_outcomes(con: duckdb.DuckDBPyConnection, workspace: str, list_id: str | None = None) -> pl.DataFrame:
    """One row per deployed lead of the workspace (of one list when given): what we knew, what happened."""
    frame = con.sql(_LEAD_OUTCOMES_SQL, params={
        "ws": workspace, "list_id": list_id, "finders": _steps(registry.FIND_EMAIL),
        "verifiers": _steps(registry.VERIFY_EMAIL)}).pl()
    bands = pl.Series("score_band", [score_band(s) for s in frame["score"].to_list()], dtype=pl.String)
    return frame.with_columns(bands).select(
        [pl.col(name).cast(dtype) for name, dtype in LEAD_OUTCOME_SCHEMA.items()])


def rollup_frame(outcomes: pl.DataFrame, by: str) -> pl.DataFrame:
    """Counts and rates of a lead_outcomes frame grouped by one of ROLLUP_DIMENSIONS (pure)."""
    if by not in ROLLUP_DIMENSIONS:
        raise ValueError(f"cannot group outcomes by {by!r}; choose from {', '.join(ROLLUP_DIMENSIONS)}")
    delivered = pl.col("sent") & ~pl.col("bounced")
    grouped = outcomes.group_by(by).agg(
        pl.len().cast(pl.Int64).alias("leads"),
        pl.col("sent").sum().cast(pl.Int64).alias("sent"),
        delivered.sum().cast(pl.Int64).alias("delivered"),
        pl.col("bounced").sum().cast(pl.Int64).alias("bounced"),
        (pl.col("replied") & delivered).sum().cast(pl.Int64).alias("replied"),
        (pl.col("interested") & delivered).sum().cast(pl.Int64).alias("interested"),
        (pl.col("meeting") & delivered).sum().cast(pl.Int64).alias("meetings"),
        pl.col("unsubscribed").sum().cast(pl.Int64).alias("unsubscribed"),
        pl.col("finder_cost_usd").sum().cast(pl.Float64).alias("finder_cost_usd"),
    )

    def share(numerator: str, denominator: str) -> pl.Expr:
        return (pl.when(pl.col(denominator) > 0)
                .then((pl.col(numerator) / pl.col(denominator)).round(4))
                .otherwise(None)).cast(pl.Float64)

    result = grouped.with_columns(
        share("bounced", "sent").alias("bounce_rate"), share("replied", "delivered").alias("reply_rate"),
        share("interested", "delivered").alias("interested_rate"),
        share("meetings", "delivered").alias("meeting_rate"),
    )
    return result.select(pl.col(by).cast(pl.String), *[pl.col(c).cast(t) for c, t in ROLLUP_SCHEMA.items()]
                         ).sort(by, nulls_last=True)


def outcome_rollup(con: duckdb.DuckDBPyConnection, workspace: str, list_id: str | None = None, *,
                   by: str) -> pl.DataFrame:
    """lead_outcomes grouped by score_band | vertical | seniority | finder_provider | email_status:
    leads, sent, delivered, bounced, replied, interested, meetings, unsubscribed, finder_cost_usd and
    bounce_rate (over sent), reply/interested/meeting rates (over delivered; null when none delivered).
    Replies, interest and meetings count delivered leads only, so a rate never exceeds 1."""
    return rollup_frame(lead_outcomes(con, workspace, list_id), by)


def read_lead_outcomes(workspace: str, list_id: str | None = None) -> pl.DataFrame:
    """lead_outcomes in its own short connection (for faces and assets, which hold no connection)."""
    with connect() as con:
        return lead_outcomes(con, workspace, list_id)


def read_rollup(workspace: str, by: str, list_id: str | None = None) -> pl.DataFrame:
    """outcome_rollup in its own short connection."""
    with connect() as con:
        return outcome_rollup(con, workspace, list_id, by=by)


def outcome_totals(outcomes: pl.DataFrame) -> dict:
    """One list's (or workspace's) totals: the rollup of every lead as one group, as a dict."""
    whole = rollup_frame(outcomes.with_columns(pl.lit("all").alias("email_status")), "email_status")
    if whole.height == 0:
        return {"leads": 0, "sent": 0, "delivered": 0, "bounced": 0, "replied": 0, "interested": 0, "meetings": 0,
                "unsubscribed": 0, "finder_cost_usd": 0.0, "bounce_rate": None, "reply_rate": None,
                "interested_rate": None, "meeting_rate": None}
    return {k: v for k, v in whole.to_dicts()[0].items() if k != "email_status"}


def list_bounce_check(workspace: str, list_id: str, threshold: float) -> dict:
    """Whether a list's bounce rate (bounced / sent) is within `threshold`: {passed, bounce_rate, ...}.
    A list that has sent nothing passes (there is nothing to judge yet)."""
    totals = outcome_totals(read_lead_outcomes(workspace, list_id))
    rate = totals["bounce_rate"]
    return {"passed": rate is None or rate <= threshold, "bounce_rate": rate, "threshold": threshold,
            "sent": totals["sent"], "bounced": totals["bounced"]}
