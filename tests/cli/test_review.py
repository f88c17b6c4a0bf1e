"""`review send/approve`: the same status changes and notifications as the portal."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner


def test_review_send_for_a_list_and_a_campaign(seeded_store):
    from outsignal_pipelines.operations.review import save_step
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    assert one_json(runner.invoke(app, ["review", "send", "--list", "Rise Q1", "-w", "rise", "--json"])) == {
        "status": "pending_review"}
    again = runner.invoke(app, ["review", "send", "--list", "Rise Q1", "-w", "rise", "--json"])
    assert again.exit_code == 1 and "pending_review" in one_json(again)["error"]
    save_step("rise", "Q1", 1, "quick question about merch", "Hi {FIRST_NAME}, quick one. Open to a chat?")
    assert one_json(runner.invoke(app, ["review", "send", "--campaign", "Q1", "-w", "rise", "--json"])) == {
        "status": "review"}


def test_review_approve_records_a_decision_received_elsewhere(seeded_store):
    from outsignal_pipelines.operations.review import approvals
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    runner.invoke(app, ["review", "send", "--list", "Rise Q1", "-w", "rise"])
    result = one_json(runner.invoke(app, ["review", "approve", "--list", "Rise Q1", "-w", "rise", "--by",
                                           "client@rise.example", "--feedback", "by phone", "--json"]))
    assert result["status"] == "approved" and len(result["notifications"]) == 2
    assert approvals("rise")[0]["channel"] == "admin"
