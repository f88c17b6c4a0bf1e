"""Provider quality: the cost per delivered email per finder, checked by hand; the planted worst-bounce
finder ranks last; applying the recommended order changes finder_order with an audit row only."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.provider_quality import apply_finder_order, provider_quality
from outsignal_pipelines.store import connect
from tests.operations.outcome_fixtures import _event, _log, plant


def test_the_planted_worst_bounce_finder_ranks_last(workspace):
    planted = plant(workspace)
    quality = provider_quality(workspace)
    rows = {r["finder"]: r for r in quality.by_finder.to_dicts()}
    for finder, counts in planted.items():
        assert rows[finder]["sent"] == counts["leads"] and rows[finder]["bounced"] == counts["bounced"]
    worst = max(planted, key=lambda f: planted[f]["bounced"] / planted[f]["leads"])
    assert worst == "aiark" and quality.advice.recommended[-1] == "aiark"
    assert quality.current_order[0] == "aiark"
    assert quality.advice.kept == ["leadmagic"]            # no data: keeps its place
    assert quality.advice.recommended == ["findymail", "prospeo", "leadmagic", "aiark"]
    assert quality.by_finder["finder"].to_list() == ["findymail", "prospeo", "aiark"]


def test_cost_per_delivered_by_hand(workspace):
    """Two finders on one list of 6 people:
    prospeo found 1, 2, 3 ($0.002 each) and missed 4, 5 ($0.002 each); 1 of its 3 emails bounced.
        found cost $0.006; all calls $0.010; delivered 2 → $0.005 per delivered (status row: $0.003).
    findymail found 4, 5 ($0.001 each), one valid and one catch_all, none bounced; it was also asked
    about 6 (not on a campaign, but a member: its miss counts) for $0.001.
        all calls $0.003; delivered 2 → $0.0015 per delivered."""
    with connect() as con:
        con.execute("INSERT INTO target_lists (id, workspace_slug, name) VALUES ('acme.l', 'acme', 'L')")
        con.execute("INSERT INTO list_campaigns (list_id, workspace_slug, campaign_name, emailbison_campaign_id) "
                    "VALUES ('acme.l', 'acme', 'L', 5)")
        for pid, status in [(1, "valid"), (2, "valid"), (3, "valid"), (4, "valid"), (5, "catch_all"), (6, None)]:
            email = f"p{pid}@x.example" if status else None
            con.execute("INSERT INTO people (id, email, email_status) VALUES (?, ?, ?)", [pid, email, status])
            con.execute("INSERT INTO target_list_members (list_id, person_id) VALUES ('acme.l', ?)", [pid])
            if status:
                con.execute("INSERT INTO lead_campaigns (workspace_slug, person_id, emailbison_campaign_id, list_id) "
                            "VALUES ('acme', ?, 5, 'acme.l')", [pid])
                _event(con, "acme", f"s{pid}", "sent", pid, 5)
        for pid in (1, 2, 3):
            _log(con, "acme", pid, "prospeo", "found", f"p{pid}@x.example", 0.002)
        for pid in (4, 5):
            _log(con, "acme", pid, "prospeo", "not_found", None, 0.002)
            _log(con, "acme", pid, "findymail", "found", f"p{pid}@x.example", 0.001)
        _log(con, "acme", 6, "findymail", "not_found", None, 0.001)
        _log(con, "other", 6, "findymail", "not_found", None, 0.5)     # another workspace's spend: not ours
        _event(con, "acme", "b1", "bounced", 1, 5)
    quality = provider_quality("acme")
    rows = {r["finder"]: r for r in quality.by_finder.to_dicts()}
    assert rows["prospeo"]["delivered"] == 2 and rows["prospeo"]["bounce_rate"] == pytest.approx(1 / 3)
    assert rows["prospeo"]["found_cost_usd"] == pytest.approx(0.006)
    assert rows["prospeo"]["miss_cost_usd"] == pytest.approx(0.004)
    assert rows["prospeo"]["cost_per_delivered"] == pytest.approx(0.005)
    assert rows["findymail"]["cost_usd"] == pytest.approx(0.003)
    assert rows["findymail"]["cost_per_delivered"] == pytest.approx(0.0015)
    status = {(r["finder"], r["email_status"]): r for r in quality.by_status.to_dicts()}
    assert status[("prospeo", "valid")]["cost_per_delivered"] == pytest.approx(0.003)
    assert status[("findymail", "catch_all")]["leads"] == 1
    assert status[("findymail", "catch_all")]["cost_per_delivered"] == pytest.approx(0.001)


def _workspace_row(slug: str):
    with connect() as con:
        return con.execute("SELECT * EXCLUDE (finder_order) FROM workspaces WHERE slug = ?", [slug]).fetchall()


def test_applying_the_order_changes_finder_order_with_an_audit_row_and_nothing_else(workspace):
    plant(workspace)
    quality = provider_quality(workspace)
    before = _workspace_row(workspace)
    applied = apply_finder_order(workspace, quality.advice.recommended, evidence={"by_finder": quality.by_finder.to_dicts()})
    assert applied.before == ["aiark", "prospeo", "leadmagic", "findymail"]
    assert applied.after == ["findymail", "prospeo", "leadmagic", "aiark"]
    assert _workspace_row(workspace) == before
    from outsignal_pipelines.operations.workspaces import workspace_settings

    assert workspace_settings(workspace).finder_order == applied.after
    with connect() as con:
        audit = con.execute("SELECT kind, before_value, after_value, evidence FROM applied_suggestions").fetchall()
    assert len(audit) == 1 and audit[0][0] == "finder_order"
    assert json.loads(audit[0][1]) == applied.before and json.loads(audit[0][2]) == applied.after
    assert json.loads(audit[0][3])["by_finder"][0]["finder"] == "findymail"


@pytest.mark.parametrize("order", [[], ["aiark", "aiark"], ["nobody"]])
def test_a_bad_order_is_refused_without_an_audit_row(workspace, order):
    with pytest.raises(OperationError):
        apply_finder_order(workspace, order)
    with connect() as con:
        assert con.execute("SELECT count(*) FROM applied_suggestions").fetchall()[0][0] == 0
