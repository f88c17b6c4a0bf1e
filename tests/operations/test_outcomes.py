"""lead_outcomes and outcome_rollup over hand-written rows: who counts as deployed, which provider
found the email and what it cost, which events count, and the rates' denominators."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.domain.outcomes import score_band
from outsignal_pipelines.operations.outcomes import lead_outcomes, outcome_rollup
from outsignal_pipelines.store import connect


def _person(con, pid: int, email: str, seniority: str, vertical: str, status: str = "valid") -> None:
    con.execute("INSERT INTO people (id, email, seniority, vertical, email_status) VALUES (?, ?, ?, ?, ?)",
                [pid, email, seniority, vertical, status])


def _log(con, pid: int, provider: str, outcome: str, email: str | None, cost: float) -> None:
    fields = json.dumps({"fields": {"email": email} if email else {}, "email_status": None})
    con.execute("INSERT INTO enrichment_log (entity_type, entity_id, provider, request_key, outcome, fields_written, "
                "cost_usd) VALUES ('person', ?, ?, 'k', ?, ?::JSON, ?)", [pid, provider, outcome, fields, cost])


def _event(con, key: str, kind: str, pid: int | None, campaign: int | None, ws: str = "acme") -> None:
    list_id = {10: "acme.q1", 20: "acme.q2"}.get(campaign)
    con.execute("INSERT INTO campaign_events (event_key, workspace_slug, event_type, emailbison_campaign_id, person_id, "
                "list_id, source) VALUES (?, ?, ?, ?, ?, ?, 'webhook')", [key, ws, kind, campaign, pid, list_id])


@pytest.fixture
def outcomes_store(workspace):
    with connect() as con:
        _person(con, 1, "a@x.example", "C-Suite", "Retail")
        _person(con, 2, "b@x.example", "Manager", "Retail", "catch_all")
        _person(con, 3, "c@x.example", "C-Suite", "Banking")
        _person(con, 4, "d@x.example", "Entry", "Banking")         # deployed elsewhere: another workspace
        con.execute("INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id) "
                    "VALUES ('acme.q1', 'acme', 'Q1', 10), ('acme.q2', 'acme', 'Q2', 20)")
        con.execute("INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) VALUES "
                    "('acme', 1, 10, 'acme.q1'), ('acme', 2, 10, 'acme.q1'), ('acme', 3, 20, 'acme.q2'), "
                    "('other', 4, 99, 'other.x')")
        con.execute("INSERT INTO icp_scores (person_id, workspace_slug, score, scorer) VALUES "
                    "(1, 'acme', 85, 'rules'), (2, 'acme', 45, 'rules'), (3, 'other', 90, 'rules')")
        # Person 1: prospeo missed, leadmagic found a different address first, findymail found the held one.
        _log(con, 1, "prospeo", "not_found", None, 0.002)
        _log(con, 1, "leadmagic", "found", "old@x.example", 0.005)
        _log(con, 1, "findymail", "found", "A@x.example", 0.001)
        _log(con, 1, "millionverifier", "found", None, 0.0005)
        _log(con, 2, "prospeo", "found", "b@x.example", 0.002)
        for key, kind, pid, campaign in [("s1", "sent", 1, 10), ("r1", "replied", 1, 10), ("i1", "interested", 1, 10),
                                         ("m1", "meeting_booked", 1, 10), ("s2", "sent", 2, 10),
                                         ("b2", "bounced", 2, 10), ("u3", "untracked_reply", 3, None),
                                         ("s3", "sent", 3, 20)]:
            _event(con, key, kind, pid, campaign)
        _event(con, "s4", "sent", 4, 99, ws="other")
    return workspace


def test_lead_outcomes_one_row_per_deployed_lead(outcomes_store):
    with connect() as con:
        rows = {r["person_id"]: r for r in lead_outcomes(con, "acme").to_dicts()}
        q2 = lead_outcomes(con, "acme", "acme.q2")
    assert set(rows) == {1, 2, 3} and q2["person_id"].to_list() == [3]
    one, two, three = rows[1], rows[2], rows[3]
    assert (one["list_id"], one["emailbison_campaign_id"], one["score"], one["score_band"]) == ("acme.q1", 10, 85, "80-100")
    assert one["finder_provider"] == "findymail"            # the answer that carried the address held
    assert one["finder_cost_usd"] == pytest.approx(0.008) and one["verify_cost_usd"] == pytest.approx(0.0005)
    assert (one["sent"], one["bounced"], one["replied"], one["interested"], one["meeting"]) == (True, False, True, True, True)
    assert (two["finder_provider"], two["email_status"], two["sent"], two["bounced"]) == ("prospeo", "catch_all", True, True)
    assert three["score"] is None and three["score_band"] == "unscored"    # scored only in another workspace
    assert three["finder_provider"] is None and three["replied"] is False  # untracked replies are not attributed


def test_rollup_rates_use_sent_and_delivered(outcomes_store):
    with connect() as con:
        by_vertical = {r["vertical"]: r for r in outcome_rollup(con, "acme", by="vertical").to_dicts()}
        by_band = outcome_rollup(con, "acme", "acme.q1", by="score_band")
    retail = by_vertical["Retail"]
    assert (retail["leads"], retail["sent"], retail["delivered"], retail["bounced"]) == (2, 2, 1, 1)
    assert (retail["replied"], retail["interested"], retail["meetings"]) == (1, 1, 1)
    assert (retail["bounce_rate"], retail["reply_rate"], retail["meeting_rate"]) == (0.5, 1.0, 1.0)
    banking = by_vertical["Banking"]
    assert (banking["sent"], banking["bounce_rate"], banking["reply_rate"]) == (1, 0.0, 0.0)
    assert by_band["score_band"].to_list() == ["40-59", "80-100"]
    with pytest.raises(ValueError, match="choose from"):
        with connect() as con:
            outcome_rollup(con, "acme", by="colour")


@pytest.mark.parametrize("score,expected", [(None, "unscored"), (0, "0-39"), (39, "0-39"), (40, "40-59"),
                                            (60, "60-79"), (79, "60-79"), (80, "80-100"), (100, "80-100")])
def test_score_band(score, expected):
    assert score_band(score) == expected
