"""The ICP calibration on planted outcomes: it must find that replies rise with the score (and which
rule factor carries it), refuse to judge on too little data, and applying its suggestion must change
the workspace's rule weights with an audit row and nothing else (no score changes silently)."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.calibration import applied_history, apply_weights, calibrate
from outsignal_pipelines.store import connect
from tests.operations.outcome_fixtures import plant


def test_calibration_finds_the_planted_relation_and_the_factor_behind_it(workspace):
    plant(workspace)
    report = calibrate(workspace)
    assert report.predictiveness.state == "predicts" and report.predictiveness.verdict.startswith("Yes")
    bands = {b["band"]: b for b in report.bands}
    assert bands["0-39"]["reply_rate"] < bands["60-79"]["reply_rate"]
    assert bands["0-39"]["ci_high"] < bands["60-79"]["ci_low"], "the intervals should not even overlap"
    for band in bands.values():
        assert band["ci_low"] <= band["reply_rate"] <= band["ci_high"]
    assert sum(b["delivered"] for b in report.bands) == report.delivered
    assert sum(b["replies"] for b in report.bands) == report.replies
    factors = {a.factor: a for a in report.factors}
    assert factors["seniority"].state == "raise" and factors["vertical"].state in ("lower", "turn_off")
    assert report.suggested_weights["seniority"] > 30 and report.suggested_weights["vertical"] < 20


def test_calibration_says_not_enough_data_on_a_few_sends(workspace):
    plant(workspace, n=40)
    report = calibrate(workspace)
    assert report.predictiveness.state == "not_enough_data"
    assert "Not enough data yet" in report.predictiveness.verdict
    assert all(a.state == "not_enough_data" for a in report.factors) and report.suggested_weights == {}


def test_calibration_of_a_workspace_without_events_is_empty_not_an_error(workspace):
    report = calibrate(workspace)
    assert report.sent == 0 and report.predictiveness.state == "not_enough_data" and report.factors == []


def _snapshot(slug: str) -> tuple:
    with connect() as con:
        row = con.execute("SELECT * EXCLUDE (icp_rules) FROM workspaces WHERE slug = ?", [slug]).fetchall()[0]
        scores = con.execute("SELECT person_id, score, scored_at FROM icp_scores ORDER BY 1").fetchall()
    return row, scores


def test_applying_weights_changes_the_rules_with_an_audit_row_and_nothing_else(workspace):
    plant(workspace)
    report = calibrate(workspace)
    before = _snapshot(workspace)
    applied = apply_weights(workspace, report.suggested_weights, evidence=report.evidence)
    assert "Scores do not change by themselves" in applied.note
    assert applied.before["seniority"] == 30 and applied.after["seniority"] == report.suggested_weights["seniority"]
    assert _snapshot(workspace) == before, "only icp_rules may change; no score is touched"
    with connect() as con:
        rules = json.loads(con.execute("SELECT icp_rules FROM workspaces WHERE slug = ?", [workspace]).fetchall()[0][0])
        audit = con.execute("SELECT kind, before_value, after_value, applied_by FROM applied_suggestions").fetchall()
    assert rules["weights"] == report.suggested_weights and rules["seniorities"] == ["C-Suite", "VP"]
    assert len(audit) == 1 and audit[0][0] == "icp_weights" and audit[0][3] == "admin"
    assert json.loads(audit[0][2])["seniority"] == report.suggested_weights["seniority"]
    assert applied_history(workspace).height == 1


def test_bad_weights_are_refused_and_leave_no_audit_row(workspace):
    with pytest.raises(OperationError):
        apply_weights(workspace, {"seniority": 500})
    with pytest.raises(OperationError):
        apply_weights(workspace, {})
    assert applied_history(workspace).is_empty()
