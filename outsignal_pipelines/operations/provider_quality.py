"""Provider quality: what a delivered email costs from each email finder, per workspace.

The leads are the workspace's deployed leads (operations.outcomes.lead_outcomes), each with the finder
whose answer gave it its email. Two tables:
- per finder × verification status: leads, sent, delivered (sent − bounced), bounce rate, the cost of
  the finding calls (that finder's calls for those leads) and cost per delivered email;
- per finder: the same, plus what that finder cost on the members of the deployed lists it did NOT find
  (its misses are part of its price in the waterfall), and cost per delivered = all its calls /
  delivered. This row ranks the finders.

`recommend` turns the per-finder rows into a finder order (domain.outcome_stats.recommend_order: well
measured finders cheapest per delivered email first, the rest keep their place). `apply_finder_order`
sets workspaces.finder_order and writes before/after to applied_suggestions in one transaction; the
next enrichment run uses it (the waterfall reads finder_order when a run starts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from outsignal_pipelines.clients import registry
from outsignal_pipelines.domain.outcome_stats import MIN_DELIVERED, FinderQuality, OrderAdvice, recommend_order
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.calibration import Applied
from outsignal_pipelines.operations.outcomes import lead_outcomes
from outsignal_pipelines.operations.workspaces import DEFAULT_FINDER_ORDER
from outsignal_pipelines.store import connect, transaction

NOT_FOUND_BY_US = "imported"   # an email that came with an import: no finder to judge

_SPEND_SQL = """
SELECT l.provider, l.entity_id AS person_id, sum(l.cost_usd)::DOUBLE AS cost_usd
FROM enrichment_log l
WHERE l.entity_type = 'person' AND l.workspace_slug = $ws AND list_contains($steps, l.provider)
  AND l.entity_id IN (SELECT m.person_id FROM target_list_members m
                      WHERE m.list_id IN (SELECT list_id FROM scope))
GROUP BY ALL
"""


def _finder_steps() -> dict[str, str]:
    """Ledger step → finder name, for every email finder."""
    return {registry.vendor(n).role(registry.FIND_EMAIL).step: n for n in registry.names_with(registry.FIND_EMAIL)}


def _current_order(con, workspace: str) -> list[str]:
    row = con.execute("SELECT finder_order FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    if not row:
        raise NotFound(f"unknown workspace {workspace!r}")
    return json.loads(row[0][0]) if row[0][0] else list(DEFAULT_FINDER_ORDER)


@dataclass
class ProviderQuality:
    workspace: str
    list_id: str | None
    by_status: pl.DataFrame        # finder, email_status, leads, sent, delivered, bounced, bounce_rate, cost_usd, cost_per_delivered
    by_finder: pl.DataFrame        # finder, leads, sent, delivered, bounced, bounce_rate, found_cost_usd, miss_cost_usd,
    #                                cost_usd, cost_per_delivered, enough_data; cheapest per delivered first
    current_order: list[str]
    advice: OrderAdvice

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "list_id": self.list_id, "by_status": self.by_status.to_dicts(),
                "by_finder": self.by_finder.to_dicts(), "current_order": self.current_order,
                "recommended_order": self.advice.recommended, "kept_for_lack_of_data": self.advice.kept,
                "reason": self.advice.reason, "changes": self.advice.changes}


def _counts(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    delivered = pl.col("sent") & ~pl.col("bounced")
    return frame.group_by(by).agg(
        pl.len().cast(pl.Int64).alias("leads"), pl.col("sent").sum().cast(pl.Int64).alias("sent"),
        delivered.sum().cast(pl.Int64).alias("delivered"), pl.col("bounced").sum().cast(pl.Int64).alias("bounced"),
        pl.col("found_cost_usd").sum().cast(pl.Float64).alias("found_cost_usd"))


def _per(numerator: str, denominator: str) -> pl.Expr:
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator)).otherwise(None)


def provider_quality(workspace: str, list_id: str | None = None) -> ProviderQuality:
    """The provider tables of a workspace's deployed leads (of one list when given) and the recommended
    finder order."""
    steps = _finder_steps()
    with connect() as con:
        order = _current_order(con, workspace)
        outcomes = lead_outcomes(con, workspace, list_id)
        scope = (outcomes.select("list_id").drop_nulls().unique()  # noqa: F841 - read by DuckDB
                 if outcomes.height else pl.DataFrame({"list_id": []}, schema={"list_id": pl.String}))
        spend = con.sql(_SPEND_SQL, params={"ws": workspace, "steps": list(steps)}).pl()
    spend = spend.with_columns(pl.col("provider").replace_strict(steps, default=None).alias("finder"))
    leads = outcomes.with_columns(pl.col("finder_provider").replace_strict(steps, default=pl.col("finder_provider"))
                                  .fill_null(NOT_FOUND_BY_US).alias("finder"))
    found = leads.join(spend.select("finder", "person_id", pl.col("cost_usd").alias("found_cost_usd")),
                       on=["finder", "person_id"], how="left").with_columns(pl.col("found_cost_usd").fill_null(0.0))

    by_status = _counts(found, ["finder", "email_status"]).with_columns(
        _per("bounced", "sent").alias("bounce_rate"), _per("found_cost_usd", "delivered").alias("cost_per_delivered"),
    ).sort("finder", "email_status", nulls_last=True)

    found_pairs = found.select("finder", "person_id")
    misses = spend.join(found_pairs, on=["finder", "person_id"], how="anti").group_by("finder").agg(
        pl.col("cost_usd").sum().alias("miss_cost_usd"))
    by_finder = _counts(found, ["finder"]).join(misses, on="finder", how="full", coalesce=True).with_columns(
        pl.col(c).fill_null(0) for c in ("leads", "sent", "delivered", "bounced")).with_columns(
        pl.col("found_cost_usd").fill_null(0.0), pl.col("miss_cost_usd").fill_null(0.0)).with_columns(
        (pl.col("found_cost_usd") + pl.col("miss_cost_usd")).alias("cost_usd")).with_columns(
        _per("bounced", "sent").alias("bounce_rate"), _per("cost_usd", "delivered").alias("cost_per_delivered"))
    by_finder = by_finder.select("finder", "leads", "sent", "delivered", "bounced", "bounce_rate", "found_cost_usd",
                                 "miss_cost_usd", "cost_usd", "cost_per_delivered")
    quality = [FinderQuality(r["finder"], r["sent"], r["delivered"], r["cost_usd"])
               for r in by_finder.to_dicts() if r["finder"] != NOT_FOUND_BY_US]
    advice = recommend_order(order, quality)
    # Cheapest per delivered email first; a finder with too little data is flagged (it keeps its place in
    # the recommended order), imported emails last.
    by_finder = by_finder.with_columns((pl.col("sent") >= MIN_DELIVERED).alias("enough_data")).sort(
        [pl.col("finder") == NOT_FOUND_BY_US, "cost_per_delivered", "finder"], nulls_last=True)
    return ProviderQuality(workspace, list_id, by_status, by_finder, order, advice)


def apply_finder_order(workspace: str, order: list[str], *, applied_by: str = "admin",
                       evidence: dict[str, Any] | None = None) -> Applied:
    """Set the workspace's finder order and record before/after in applied_suggestions, in one
    transaction. Only the order changes; the next enrichment run uses it."""
    known = registry.names_with(registry.FIND_EMAIL)
    order = [str(f).strip().lower() for f in order if str(f).strip()]
    if not order or len(set(order)) != len(order) or any(f not in known for f in order):
        raise OperationError(f"finder order not applied: name each finder once, from {', '.join(known)}")
    with transaction() as con:
        before = _current_order(con, workspace)
        con.execute("UPDATE workspaces SET finder_order = ? WHERE slug = ?", [json.dumps(order), workspace])
        row = con.execute(
            "INSERT INTO applied_suggestions (workspace_slug, kind, before_value, after_value, evidence, applied_by) "
            "VALUES (?, 'finder_order', ?, ?, ?, ?) RETURNING id",
            [workspace, json.dumps(before), json.dumps(order), json.dumps(evidence or {}), applied_by]).fetchall()[0]
    return Applied(int(row[0]), workspace, "finder_order", before, order,
                   "The next enrichment run asks the finders in this order; emails already found stay as they are.")

