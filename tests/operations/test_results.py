"""Results per workspace and list, for the Results page, the chat and the client portal's card: the
numbers match counts computed from the planted events, and a client of one workspace never sees
another workspace's numbers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.results import best_by, bounce_by_provider, list_results, workspace_results
from outsignal_pipelines.operations.workspaces import upsert_workspace
from outsignal_pipelines.store import connect, transaction
from tests.operations.outcome_fixtures import plant


def _counted(workspace: str) -> dict[str, int]:
    """The same numbers straight from campaign_events, independently of operations.outcomes."""
    with connect() as con:
        rows = dict(con.execute(
            "SELECT event_type, count(DISTINCT person_id) FROM campaign_events WHERE workspace_slug = ? GROUP BY 1",
            [workspace]).fetchall())
    return {"sent": rows.get("sent", 0), "bounced": rows.get("bounced", 0), "replied": rows.get("replied", 0),
            "interested": rows.get("interested", 0)}


def test_workspace_and_list_results_match_the_events(workspace):
    plant(workspace, n=300)
    counted = _counted(workspace)
    result = workspace_results(workspace)
    totals = result["totals"]
    assert {k: totals[k] for k in counted} == counted
    assert totals["delivered"] == counted["sent"] - counted["bounced"]
    assert totals["reply_rate"] == round(counted["replied"] / totals["delivered"], 4)
    assert [row["list"] for row in result["lists"]] == ["Q1"]
    band = result["by"]["score_band"]
    assert band["replied"].sum() == counted["replied"] and {"reply_low", "reply_high"} <= set(band.columns)
    one = list_results(workspace, "Q1")
    assert one["sent"] == counted["sent"] and one["replied"] == counted["replied"] and one["status"] == "deployed"


def test_an_undeployed_list_says_so(workspace):
    from outsignal_pipelines.operations.lists import create_list

    create_list(workspace, "Fresh")
    assert list_results(workspace, "Fresh")["note"].startswith("not deployed yet")
    assert workspace_results(workspace)["totals"]["sent"] == 0 and workspace_results(workspace)["by"]["vertical"] is None


def test_best_vertical_and_worst_bouncing_provider(workspace):
    plant(workspace, n=300)
    best = best_by(workspace, "vertical")
    rates = [r["reply_rate"] for r in best["results"]]
    assert rates == sorted(rates, reverse=True) and all(r["enough_data"] for r in best["results"])
    bounces = bounce_by_provider(workspace)["results"]
    assert bounces[0]["provider"] == "aiark"          # the planted worst
    assert bounce_by_provider()["results"][0]["provider"] == "aiark"
    with pytest.raises(OperationError):
        bounce_by_provider("nobody")


def test_a_thin_group_does_not_win_which_vertical_replies_most(workspace):
    plant(workspace, n=300)
    with connect() as con:   # one more lead, alone in its vertical, who replied: 100% of 1
        con.execute("INSERT INTO people (id, email, vertical, email_status) VALUES (1, 'x@y.example', 'Legal', 'valid')")
        con.execute("INSERT INTO lead_campaigns VALUES ('acme', 1, 1010, 'acme.q1', current_timestamp)")
        con.execute("INSERT INTO campaign_events (event_key, workspace_slug, event_type, emailbison_campaign_id, "
                    "person_id, source) VALUES ('x1', 'acme', 'sent', 1010, 1, 'webhook'), "
                    "('x2', 'acme', 'replied', 1010, 1, 'webhook')")
    results = best_by(workspace, "vertical")["results"]
    assert results[0]["group"] != "Legal" and results[-1]["group"] == "Legal" and not results[-1]["enough_data"]


def _client_session(workspace: str, email: str) -> str:
    from outsignal_pipelines.operations.auth import _open_session

    with transaction() as con:
        return _open_session(con, workspace, email, datetime.now(timezone.utc).replace(tzinfo=None), None)


def test_the_portal_results_card_shows_only_the_clients_own_workspace(workspace):
    upsert_workspace("beta", "Beta Client", client_emails=["client@beta.example"])
    plant("acme", n=120, seed=1, start_id=1000)
    plant("beta", n=300, seed=2, start_id=5000, reply_matched=0.6)
    from outsignal_pipelines.operations.portal import results

    acme = results(_client_session("acme", "client@acme.example"))
    beta = results(_client_session("beta", "client@beta.example"))
    assert acme["sent"] == _counted("acme")["sent"] == 120 and beta["sent"] == 300
    assert acme["replies"] == _counted("acme")["replied"] and beta["replies"] == _counted("beta")["replied"]
    assert acme != beta
    with pytest.raises(OperationError):
        results("not-a-session")
    with pytest.raises(TypeError):
        results(_client_session("acme", "client@acme.example"), workspace="beta")  # no way to name another one
