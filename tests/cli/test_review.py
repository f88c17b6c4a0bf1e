"""`review send/approve`: the same status changes and notifications as the portal."""

from __future__ import annotations

import pytest

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


def _pending_lists(names: list[str]) -> None:
    from outsignal_pipelines.operations.lists import create_list
    from outsignal_pipelines.store import connect

    for name in names:
        create_list("acme", name)
    with connect() as con:
        con.execute("UPDATE target_lists SET status = 'pending_review' WHERE workspace_slug = 'acme'")


def test_a_decision_by_someone_not_a_client_of_the_workspace_is_refused(workspace, mail_and_slack):
    from outsignal_pipelines.operations.notifications import outbox
    from outsignal_pipelines.operations.review import approvals

    _pending_lists(["Q1"])
    result = runner.invoke(app, ["review", "approve", "--list", "Q1", "-w", "acme", "--by", "stranger@evil.example",
                                 "--json"])
    assert result.exit_code == 1 and "not a client email of workspace 'acme'" in one_json(result)["error"]
    neither = runner.invoke(app, ["review", "approve", "--list", "Q1", "-w", "acme", "--json"])
    assert neither.exit_code == 1 and "--as-admin" in one_json(neither)["error"]
    assert approvals("acme") == [] and outbox("acme") == [] and mail_and_slack["slack"] == []
    ok = one_json(runner.invoke(app, ["review", "approve", "--list", "Q1", "-w", "acme", "--by", " Client@Acme.example ",
                                      "--json"]))
    assert ok["status"] == "approved" and approvals("acme")[0]["approver_email"] == "client@acme.example"


def test_an_admin_decision_is_recorded_as_an_override(workspace, mail_and_slack):
    from outsignal_pipelines.operations.review import approvals

    _pending_lists(["Q1"])
    result = one_json(runner.invoke(app, ["review", "reject", "--list", "Q1", "-w", "acme", "--as-admin", "Dana Ops",
                                          "--feedback", "wrong region", "--json"]))
    assert result["status"] == "rejected"
    [record] = approvals("acme")
    assert (record["approver_email"], record["channel"], record["decision"]) == ("admin: Dana Ops", "admin_override",
                                                                               "rejected")
    assert any("admin: Dana Ops rejected the list" in m["text"] for m in mail_and_slack["slack"])


@pytest.mark.slow
def test_the_real_command_exits_cleanly_after_delivering(workspace, mail_and_slack):
    """`review approve|reject --json` printed its JSON, then aborted at exit (`terminate called ...`,
    exit 134) in 5 of 6 tries: the delivery thread was still inside DuckDB when Python exited."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    names = [f"L{i}" for i in range(6)]
    _pending_lists(names)
    command = str(Path(sys.executable).parent / "outsignal")
    for i, name in enumerate(names):
        verb = "approve" if i % 2 == 0 else "reject"
        proc = subprocess.run([command, "review", verb, "--list", name, "-w", "acme", "--by", "client@acme.example",
                               "--json"], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
        payload = json.loads(proc.stdout)
        assert payload["status"] == ("approved" if verb == "approve" else "rejected")
        assert payload["delivered"] == payload["notifications"] and payload["queued"] == []
    assert len(mail_and_slack["slack"]) == 6
