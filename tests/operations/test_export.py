"""The verification gate in its three states, and a CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.export import export_csv, export_file_name, verification_gate
from outsignal_pipelines.operations.lists import add_people, create_list
from outsignal_pipelines.store import transaction


def _people(rows: list[dict]) -> None:
    create_list("acme", "Gate")
    with transaction() as con:
        ids = [con.execute("INSERT INTO people (first_name, last_name, email, email_status, company_name) "
                           "VALUES (?, ?, ?, ?, ?) RETURNING id",
                           [r.get("first_name", "Ann"), r.get("last_name", "Lee"), r.get("email"), r.get("status"),
                            r.get("company", "Acme")]).fetchall()[0][0] for r in rows]
    add_people("acme", "Gate", ids)


def test_gate_needs_verification_refuses_and_quotes_a_cost(workspace):
    _people([{"email": "a@acme.io", "status": "valid"}, {"email": "b@acme.io", "status": None}])
    gate = verification_gate("acme", "Gate")
    assert gate.state == "needs_verification" and gate.verify_cost_estimate_usd > 0
    with pytest.raises(OperationError, match="1 members .* never been verified") as info:
        export_csv("acme", "Gate")
    assert "outsignal enrich" in str(info.value)


def test_gate_ready_exports_only_valid_and_reports_the_rest(workspace, tmp_path):
    _people([{"email": "a@acme.io", "status": "valid"}, {"email": "b@acme.io", "status": "catch_all"},
             {"email": "c@acme.io", "status": "invalid"}, {"email": None, "status": None}])
    assert verification_gate("acme", "Gate").state == "ready"
    result = export_csv("acme", "Gate", tmp_path / "out.csv")
    assert result["exported"] == 1 and result["excluded"] == {"needs_verification": 0, "blocked": 3}
    assert result["blocked_reasons"] == {"email verified as catch_all": 1, "email verified as invalid": 1,
                                         "no email found": 1}
    rows = list(csv.DictReader(open(result["file"], encoding="utf-8")))
    assert [r["email"] for r in rows] == ["a@acme.io"]
    excluded = list(csv.DictReader(open(result["excluded_file"], encoding="utf-8")))
    assert sorted(r["reason"] for r in excluded) == ["email verified as catch_all", "email verified as invalid",
                                                     "no email found"]


def test_gate_with_nothing_exportable(workspace):
    _people([{"email": "b@acme.io", "status": "risky"}])
    assert verification_gate("acme", "Gate").state == "nothing_exportable"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+cmd", "-2+3", "@SUM(A1)", "\tTab"])
def test_csv_cells_that_a_spreadsheet_would_execute_are_neutralised(workspace, tmp_path, value):
    _people([{"email": "a@acme.io", "status": "valid", "company": value, "first_name": value}])
    result = export_csv("acme", "Gate", tmp_path / "x.csv")
    row = next(csv.DictReader(open(result["file"], encoding="utf-8")))
    assert row["company_name"] == "'" + value and row["first_name"] == "'" + value


def test_export_file_name():
    assert export_file_name("Rise Q1 / 'CTOs'", date(2026, 11, 25)) == "rise_q1_ctos_2026-11-25.csv"


@pytest.mark.parametrize("value", ["+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\u200b=HYPERLINK(\"http://x\")",
                                   "\ufeff=1+1", "\x01@SUM(A1)", " =1+1", "\r=1+1"])
def test_formulas_behind_invisible_characters_are_written_inert(workspace, tmp_path, value):
    _people([{"email": "a@acme.io", "status": "valid", "company": value, "first_name": value}])
    result = export_csv("acme", "Gate", tmp_path / "x.csv")
    row = next(csv.DictReader(open(result["file"], encoding="utf-8", newline="")))
    assert row["company_name"] == "'" + value and row["first_name"] == "'" + value


def test_numeric_columns_stay_numbers(workspace, tmp_path):
    _people([{"email": "a@acme.io", "status": "valid"}])
    with transaction() as con:
        con.execute("INSERT INTO icp_scores (person_id, workspace_slug, score, reasoning, scorer) "
                    "SELECT id, 'acme', 0, '-2 seats left', 'rules' FROM people")
        con.execute("INSERT INTO companies (domain, headcount) VALUES ('acme.io', -5)")  # a bad number, still a number
        con.execute("UPDATE people SET company_domain = 'acme.io'")
    row = next(csv.DictReader(open(export_csv("acme", "Gate", tmp_path / "x.csv")["file"], encoding="utf-8")))
    assert (row["icp_score"], row["company_headcount"]) == ("0", "-5")
    assert row["icp_reasoning"] == "'-2 seats left"      # text that starts with - is text
