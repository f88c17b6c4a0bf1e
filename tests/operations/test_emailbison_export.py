"""EmailBison export against the sandbox EmailBison: leads really attached to the campaign, a re-run
adds nothing, and the sandbox behaves as the API is documented."""

from __future__ import annotations

import httpx
import pytest

from outsignal_pipelines.clients.emailbison import EmailBisonClient, EmailBisonValidationError
from outsignal_pipelines.operations.emailbison_export import export_to_emailbison
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.export import verification_gate
from outsignal_pipelines.store import connect


def _state(sandbox) -> dict:
    return httpx.get(f"{sandbox.url}/emailbison/_state", timeout=10).json()


def test_export_attaches_ready_leads_and_a_rerun_adds_nothing(seeded_store, sandbox):
    ready = verification_gate("rise", "Rise Q1").ready.height
    with connect() as con:  # the gate must not be stuck on never-verified members for this test
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL "
                    "AND id IN (SELECT person_id FROM target_list_members WHERE list_id = 'rise.rise-q1')")
    first = export_to_emailbison("rise", "Rise Q1")
    assert first["exported"] == ready and first["campaign_created"]
    state = _state(sandbox)["sandbox-rise"]
    assert len(state["campaigns"]) == 1 and len(state["campaign_leads"][str(first["campaign_id"])]) == ready
    assert set(state["custom_variables"]) >= {"linkedin_url", "icp_score"}
    again = export_to_emailbison("rise", "Rise Q1")
    state = _state(sandbox)["sandbox-rise"]
    assert not again["campaign_created"] and again["campaign_id"] == first["campaign_id"]
    assert len(state["campaigns"]) == 1 and len(state["campaign_leads"][str(first["campaign_id"])]) == ready
    assert state["leads"] == ready


def test_export_refuses_while_members_need_verification(seeded_store, sandbox):
    if verification_gate("lime-recruitment", "Lime Hiring Managers").state != "needs_verification":
        pytest.fail("demo data should leave some members unverified")
    with pytest.raises(OperationError, match="never been verified"):
        export_to_emailbison("lime-recruitment", "Lime Hiring Managers")
    assert "sandbox-lime-recruitment" not in _state(sandbox)


def test_personal_domains_are_skipped_by_emailbison_and_reported(workspace, sandbox):
    from outsignal_pipelines.operations.lists import add_people, create_list
    from outsignal_pipelines.store import transaction

    create_list("acme", "P")
    with transaction() as con:
        ids = [con.execute("INSERT INTO people (first_name, last_name, email, email_status) VALUES (?, ?, ?, 'valid') "
                           "RETURNING id", ["Ann", "Lee", email]).fetchall()[0][0]
               for email in ("ann@acme.io", "ann.lee@gmail.com")]
    add_people("acme", "P", ids)
    result = export_to_emailbison("acme", "P")
    assert result["exported"] == 1
    assert result["excluded_reasons"] == {"skipped by EmailBison (personal email domain)": 1}


def test_sandbox_matches_the_documented_behaviour(sandbox):
    client = EmailBisonClient(f"{sandbox.url}/emailbison", "t-1")
    campaign = client.create_campaign("Docs")
    assert campaign["status"] == "draft" and campaign["sequence_id"] is None
    step = {"email_subject": "Hi {FIRST_NAME}", "email_body": "Body", "wait_in_days": 1}
    client.create_sequence_steps(campaign["id"], "T", [step])
    client.create_sequence_steps(campaign["id"], "T", [dict(step, thread_reply=True)])
    steps = client.sequence_steps(campaign["id"])
    assert len(steps) == 2 and steps[1]["email_subject"] == "Re: Hi {FIRST_NAME}"  # POST appends
    with pytest.raises(EmailBisonValidationError, match="at least 1"):
        client.create_sequence_steps(campaign["id"], "T", [dict(step, wait_in_days=0)])
    with pytest.raises(EmailBisonValidationError, match="more than 500"):
        client._request("POST", "/leads/create-or-update/multiple",
                        json={"leads": [{"first_name": "a", "last_name": "b", "email": f"x{i}@a.io"} for i in range(501)]})
    client._request("POST", "/leads", json={"first_name": "A", "last_name": "B", "email": "dup@a.io"})
    with pytest.raises(EmailBisonValidationError, match="already been taken"):
        client._request("POST", "/leads", json={"first_name": "A", "last_name": "B", "email": "dup@a.io"})
    for i in range(20):
        client.create_campaign(f"Docs {i}")
    assert len(client.find_campaigns("Docs")) == 21  # 15 per page, walked to the end
    other = EmailBisonClient(f"{sandbox.url}/emailbison", "t-2")
    assert other.find_campaigns("Docs") == []  # another token is another workspace
    with pytest.raises(Exception, match="401"):
        EmailBisonClient(f"{sandbox.url}/emailbison", "invalid-token").find_campaigns("x")
