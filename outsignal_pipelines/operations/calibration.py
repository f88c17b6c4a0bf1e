"""ICP calibration: does a workspace's score predict replies, and which rule factors earn their points?

Read from the workspace's deployed leads (operations.outcomes.lead_outcomes). Reply rates are over
delivered emails (sent and not bounced), like every outcome rate. Three answers:
- the reply rate per score band, with counts and a 95% Wilson interval;
- a verdict on whether the score predicts replies (domain.outcome_stats.score_predicts), "not enough
  data yet" below a minimum;
- per rule factor of the workspace's ICP (seniority, title keywords, vertical, headcount, country), the
  reply rate of leads that match it against those that do not, and the weight change that follows.

Applying the suggested weights (`apply_weights`) changes the workspace's icp_rules and writes an audit
row in the same transaction. It changes no score: scores follow at the next scoring run of a list
(forced, so people already scored are scored again), which the admin requests on the Lists page or
with `outsignal score --force`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl
from pydantic import ValidationError

from outsignal_pipelines.domain.icp_rules import WEIGHTS, IcpRules, factor_matches
from outsignal_pipelines.domain.outcome_stats import (
    FactorOutcome,
    Predictiveness,
    WeightAdvice,
    score_predicts,
    suggest_weights,
    wilson_interval,
)
from outsignal_pipelines.domain.outcomes import SCORE_BANDS, UNSCORED
from outsignal_pipelines.domain.titles import normalise_title
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.outcomes import lead_outcomes
from outsignal_pipelines.store import connect, transaction

FACTOR_NAMES = {"seniority": "Seniority", "title": "Title keywords", "vertical": "Vertical",
                "headcount": "Headcount range", "country": "Country"}
RESCORE_NOTE = ("Scores do not change by themselves: a list's scores follow the new weights when it is scored "
                "again ('Score all … again' on the Lists page, or `outsignal score --force`).")

_FEATURES_SQL = """
SELECT p.id AS person_id, p.job_title, p.seniority, coalesce(p.vertical, c.industry) AS vertical, c.headcount,
       coalesce(p.country, c.country) AS country, p.company_domain
FROM people p LEFT JOIN companies c ON c.domain = p.company_domain
WHERE p.id IN (SELECT person_id FROM ids)
"""


@dataclass
class Calibration:
    workspace: str
    list_id: str | None
    sent: int
    delivered: int
    replies: int
    bands: list[dict[str, Any]]          # band, delivered, replies, reply_rate, ci_low, ci_high
    predictiveness: Predictiveness
    factors: list[WeightAdvice]
    current_weights: dict[str, int]
    suggested_weights: dict[str, int]    # only the factors whose weight would change
    note: str = RESCORE_NOTE
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["predictiveness"] = asdict(self.predictiveness)
        out["factors"] = [{**asdict(a), "changes": a.changes} for a in self.factors]
        return out


def _rules(con, workspace: str) -> IcpRules:
    row = con.execute("SELECT icp_rules FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    if not row:
        raise NotFound(f"unknown workspace {workspace!r}")
    try:
        return IcpRules.model_validate(json.loads(row[0][0]) if row[0][0] else {})
    except (ValidationError, ValueError) as exc:
        raise OperationError(f"the ICP rules of {workspace!r} are not valid: {exc}") from exc


def _features(con, person_ids: list[int]) -> pl.DataFrame:
    ids = pl.DataFrame({"person_id": person_ids}, schema={"person_id": pl.Int64})  # noqa: F841 - read by DuckDB
    frame = con.sql(_FEATURES_SQL).pl()
    if frame.is_empty():
        return frame
    # As the scorer sees them: a missing seniority is read from the title by rule.
    missing = frame["seniority"].is_null() | (frame["seniority"] == "Unknown")
    levels = [normalise_title(t)[1] if m and t else s
              for t, s, m in zip(frame["job_title"], frame["seniority"], missing)]
    return frame.with_columns(pl.Series("seniority", levels, dtype=pl.String))


def band_table(delivered: pl.DataFrame) -> list[dict[str, Any]]:
    """Reply rate per score band (every band, lowest first; unscored last when there are any)."""
    rows = []
    for name in (*SCORE_BANDS, UNSCORED):
        part = delivered.filter(pl.col("score_band") == name)
        n, hits = part.height, int(part["replied"].sum()) if part.height else 0
        if name == UNSCORED and not n:
            continue
        low, high = wilson_interval(hits, n)
        rows.append({"band": name, "delivered": n, "replies": hits, "reply_rate": hits / n if n else None,
                     "ci_low": low if n else None, "ci_high": high if n else None})
    return rows


def calibrate(workspace: str, list_id: str | None = None) -> Calibration:
    """The calibration report of a workspace (of one of its lists when given)."""
    with connect() as con:
        rules = _rules(con, workspace)
        outcomes = lead_outcomes(con, workspace, list_id)
        features = _features(con, outcomes["person_id"].to_list()) if outcomes.height else None
    sent = outcomes.filter(pl.col("sent"))
    delivered = sent.filter(~pl.col("bounced"))
    scored = delivered.filter(pl.col("score").is_not_null())
    verdict = score_predicts(scored.filter(pl.col("replied"))["score"].to_list(),
                             scored.filter(~pl.col("replied"))["score"].to_list())
    factor_rows: list[FactorOutcome] = []
    if features is not None and delivered.height:
        matches = factor_matches(features, rules).join(delivered.select("person_id", "replied"), on="person_id")
        for factor in (c for c in matches.columns if c not in ("person_id", "replied")):
            hit = matches.filter(pl.col(factor) == True)  # noqa: E712 - null (unknown) is neither side
            miss = matches.filter(pl.col(factor) == False)  # noqa: E712
            factor_rows.append(FactorOutcome(factor, rules.weight(factor), hit.height, int(hit["replied"].sum()),
                                             miss.height, int(miss["replied"].sum())))
    advice = suggest_weights(factor_rows)
    current = {f: rules.weight(f) for f in WEIGHTS}
    return Calibration(
        workspace=workspace, list_id=list_id, sent=sent.height, delivered=delivered.height,
        replies=int(delivered["replied"].sum()) if delivered.height else 0, bands=band_table(delivered),
        predictiveness=verdict, factors=advice, current_weights=current,
        suggested_weights={a.factor: a.suggested for a in advice if a.changes},
        evidence={a.factor: {**a.numbers, "z": round(a.z, 3)} for a in advice})


@dataclass(frozen=True)
class Applied:
    id: int
    workspace: str
    kind: str
    before: Any
    after: Any
    note: str


def apply_weights(workspace: str, weights: dict[str, int], *, applied_by: str = "admin",
                  evidence: dict[str, Any] | None = None) -> Applied:
    """Set these factor weights in the workspace's icp_rules (the other rules stay as they are) and
    record before/after in applied_suggestions, in one transaction. Scores are not touched."""
    if not weights:
        raise OperationError("no weight to change")
    with transaction() as con:
        rules = _rules(con, workspace)
        before = {f: rules.weight(f) for f in WEIGHTS}
        try:
            updated = rules.model_copy(update={"weights": {**rules.weights, **{k: int(v) for k, v in weights.items()}}})
            updated = IcpRules.model_validate(updated.model_dump())
        except (ValidationError, ValueError, TypeError) as exc:
            raise OperationError(f"weights not applied: {exc}") from exc
        after = {f: updated.weight(f) for f in WEIGHTS}
        con.execute("UPDATE workspaces SET icp_rules = ? WHERE slug = ?", [updated.model_dump_json(), workspace])
        row = con.execute(
            "INSERT INTO applied_suggestions (workspace_slug, kind, before_value, after_value, evidence, applied_by) "
            "VALUES (?, 'icp_weights', ?, ?, ?, ?) RETURNING id",
            [workspace, json.dumps(before), json.dumps(after), json.dumps(evidence or {}), applied_by]).fetchall()[0]
    return Applied(int(row[0]), workspace, "icp_weights", before, after, RESCORE_NOTE)


def applied_history(workspace: str, limit: int = 20) -> pl.DataFrame:
    """The suggestions applied in a workspace, newest first: kind, before, after, by whom, when."""
    with connect() as con:
        return con.sql(
            "SELECT kind, before_value::TEXT AS before, after_value::TEXT AS after, applied_by, applied_at "
            "FROM applied_suggestions WHERE workspace_slug = $ws ORDER BY applied_at DESC, id DESC LIMIT $n",
            params={"ws": workspace, "n": limit}).pl()
