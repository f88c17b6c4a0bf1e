"""The review lifecycle on a real store: promotion refusals, drafts that freeze in review, versions,
decision and deploy records, and statuses that survive a restart (read by another process)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from outsignal_pipelines.domain.statuses import IllegalTransition
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.lists import create_list
from outsignal_pipelines.operations.review import (
    approvals,
    create_deploy,
    list_drafts,
    record_approval,
    rework_list,
    save_step,
    send_campaign_to_review,
    send_list_to_review,
    set_deploy_status,
    set_drafts_status,
    set_list_status,
)
from outsignal_pipelines.store import connect, transaction

BODY = "Hi {FIRST_NAME}, saw {COMPANY} is growing. We help teams onboard faster. Worth a chat?"


def _verify_everyone() -> None:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")


def test_an_empty_list_cannot_go_to_review(seeded_store):
    create_list("rise", "Empty")
    with pytest.raises(OperationError, match="empty"):
        send_list_to_review("rise", "Empty")


def test_unverified_members_block_review_with_the_reason(seeded_store):
    with pytest.raises(OperationError, match="not verified yet"):
        send_list_to_review("lime-recruitment", "Lime Hiring Managers")


def test_list_lifecycle_and_status_survives_a_restart(seeded_store):
    _verify_everyone()
    assert send_list_to_review("rise", "Rise Q1").status == "pending_review"
    with pytest.raises(IllegalTransition):
        send_list_to_review("rise", "Rise Q1")
    assert set_list_status("rise", "Rise Q1", "rejected", feedback="too many agencies").status == "rejected"
    assert rework_list("rise", "Rise Q1").status == "building"
    code = ("import os; os.environ['OUTSIGNAL_DB'] = %r; from outsignal_pipelines.store import connect\n"
            "with connect() as con: print(con.execute(\"SELECT status, feedback FROM target_lists WHERE id = 'rise.rise-q1'\").fetchall())"
            % str(seeded_store))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "('building', 'too many agencies')" in out


def test_drafts_freeze_in_review_and_version_on_rework(workspace):
    for step, subject in ((1, "quick question about hiring"), (2, ""), (3, "")):
        save_step("acme", "Q1 outreach", step, subject or None, BODY, wait_days=3)
    first = save_step("acme", "Q1 outreach", 1, "a better subject line here", BODY)
    assert first.version == 2 and first.status == "draft"
    sent = send_campaign_to_review("acme", "Q1 outreach")
    assert {d.status for d in sent} == {"review"}
    with pytest.raises(OperationError, match="review: it cannot change"):
        save_step("acme", "Q1 outreach", 1, "x y z", BODY)
    set_drafts_status("acme", "Q1 outreach", "review", "rejected", feedback="softer tone")
    reworked = save_step("acme", "Q1 outreach", 2, None, BODY.replace("Worth", "Open to"))
    assert reworked.status == "draft" and reworked.version == 2 and reworked.feedback == "softer tone"
    assert [d.status for d in list_drafts("acme", "Q1 outreach")] == ["rejected", "draft", "rejected"]


def test_copy_that_would_break_cannot_go_to_review(workspace):
    save_step("acme", "Broken", 1, "quick question about hiring", BODY.replace("{COMPANY}", "{company_name}"))
    with pytest.raises(OperationError, match="unknown merge token"):
        send_campaign_to_review("acme", "Broken")
    save_step("acme", "Gappy", 1, "quick question about hiring", BODY)
    save_step("acme", "Gappy", 3, None, BODY)
    with pytest.raises(OperationError, match="without gaps"):
        send_campaign_to_review("acme", "Gappy")
    with pytest.raises(NotFound):
        send_campaign_to_review("acme", "Nope")
    with pytest.raises(OperationError, match="at least 1 day"):
        save_step("acme", "Gappy", 2, None, BODY, wait_days=0)


def test_approvals_and_deploys_accept_and_return_records(workspace):
    with transaction() as con:
        record_approval(con, "acme", "client@acme.example", "list", "acme.q1", "approved", "looks good")
        record_approval(con, "acme", "client@acme.example", "drafts", "Q1 outreach", "rejected", "shorter please")
    history = approvals("acme")
    assert [(h["entity_type"], h["decision"]) for h in history] == [("list", "approved"), ("drafts", "rejected")]
    assert approvals("acme", "acme.q1")[0]["feedback"] == "looks good"
    deploy = create_deploy("acme", "Q1 outreach", "both", list_id="acme.q1", requested_by="admin")
    assert deploy["status"] == "pending"
    running = set_deploy_status("acme", deploy["id"], "running")
    assert running["started_at"] is not None
    done = set_deploy_status("acme", deploy["id"], "complete", lead_count=12, step_count=3, emailbison_campaign_id=7)
    assert (done["status"], done["lead_count"], done["step_count"]) == ("complete", 12, 3) and done["finished_at"]
    with pytest.raises(IllegalTransition):
        set_deploy_status("acme", deploy["id"], "running")
    with pytest.raises(NotFound):
        set_deploy_status("other", deploy["id"], "running")  # another workspace's deploy is not found
