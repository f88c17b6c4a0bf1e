"""Deploys against the sandbox EmailBison, read back from the sandbox's own state: each of the three
paths produces exactly the expected campaign, steps and attached leads; a deploy failing midway and
retried ends with no duplicates; requests are recorded without touching EmailBison."""

from __future__ import annotations

import httpx
import pytest

from outsignal_pipelines.clients.emailbison import EmailBisonClient
from outsignal_pipelines.operations.deploy import prepare_deploy, request_deploy, run_deploy
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.export import verification_gate
from outsignal_pipelines.operations.review import save_step, send_campaign_to_review, send_list_to_review, \
    set_drafts_status, set_list_status
from outsignal_pipelines.store import connect

STEPS = [(1, "quick question about merch", "Hi {FIRST_NAME}, quick one on merch for {COMPANY}. Open to a chat?", 1),
         (2, None, "Following up on merch for {COMPANY}. Worth a look?", 3),
         (3, None, "Last note from me. Shall I close the loop?", 5)]


def _approved_list() -> int:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    return verification_gate("rise", "Rise Q1").ready.height


def _approved_copy(name: str = "Rise Q1 copy") -> None:
    for step, subject, body, wait in STEPS:
        save_step("rise", name, step, subject, body, wait)
    send_campaign_to_review("rise", name)
    set_drafts_status("rise", name, "review", "approved")


def _eb(sandbox) -> dict:
    return httpx.get(f"{sandbox.url}/emailbison/_state", timeout=10).json().get("sandbox-rise", {})


def _pending(*args, **kwargs) -> dict:
    """A pending deploy without its run request: these tests carry the deploy out themselves."""
    return prepare_deploy(*args, **kwargs)[0]


def test_request_is_recorded_at_once_without_touching_emailbison(seeded_store, sandbox):
    _approved_list()
    record = request_deploy("rise", "Rise Q1")
    assert (record["status"], record["path"]) == ("pending", "leads_only")
    assert request_deploy("rise", "Rise Q1")["id"] == record["id"]  # a second click does not queue another
    assert _eb(sandbox) == {}
    with pytest.raises(OperationError, match="only an approved list"):
        request_deploy("yoopknows", "YoopKnows Practices")
    with pytest.raises(OperationError, match="not approved yet"):
        save_step("rise", "Draft copy", 1, "quick question about merch", "Hi {FIRST_NAME}. Open to a chat?")
        request_deploy("rise", campaign="Draft copy")


def test_leads_only(seeded_store, sandbox):
    ready = _approved_list()
    done = run_deploy("rise", _pending("rise", "Rise Q1")["id"])
    state = _eb(sandbox)
    assert (done["status"], done["lead_count"], done["step_count"]) == ("complete", ready, 0)
    assert len(state["campaigns"]) == 1 and len(state["campaign_leads"][str(done["emailbison_campaign_id"])]) == ready
    assert state["steps"] == {} and resolve_list("rise", "Rise Q1").status == "deployed"


def test_copy_only(seeded_store, sandbox):
    _approved_copy()
    done = run_deploy("rise", _pending("rise", campaign="Rise Q1 copy")["id"])
    steps = _eb(sandbox)["steps"][str(done["emailbison_campaign_id"])]
    assert done["path"] == "copy_only" and done["step_count"] == 3 and done["lead_count"] == 0
    assert [s["order"] for s in steps] == [1, 2, 3] and [s["wait_in_days"] for s in steps] == [1, 3, 5]
    assert steps[1]["email_subject"] == "Re: quick question about merch"  # follow-ups thread on step 1
    assert _eb(sandbox)["campaign_leads"] == {}


def test_both_and_a_repeat_deploy_changes_nothing(seeded_store, sandbox):
    ready = _approved_list()
    _approved_copy("Rise Q1")
    first = run_deploy("rise", _pending("rise", "Rise Q1", "Rise Q1")["id"])
    assert (first["path"], first["lead_count"], first["step_count"]) == ("both", ready, 3)
    with connect() as con:  # the admin deploys the same work again (e.g. after re-approval)
        con.execute("UPDATE target_lists SET status = 'approved' WHERE id = 'rise.rise-q1'")
    second = run_deploy("rise", _pending("rise", "Rise Q1", "Rise Q1")["id"])
    state = _eb(sandbox)
    assert second["emailbison_campaign_id"] == first["emailbison_campaign_id"] and len(state["campaigns"]) == 1
    assert len(state["steps"][str(first["emailbison_campaign_id"])]) == 3       # never appended twice
    assert len(state["campaign_leads"][str(first["emailbison_campaign_id"])]) == ready  # never duplicated


class _FailingAttach(httpx.HTTPTransport):
    """Real HTTP to the sandbox, except that attaching leads fails: EmailBison breaking midway."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/leads/attach-leads"):
            return httpx.Response(503, json={"message": "Service Unavailable"})
        return super().handle_request(request)


def test_a_deploy_failing_midway_and_retried_ends_with_no_duplicates(seeded_store, sandbox, monkeypatch):
    import outsignal_pipelines.clients.emailbison as client_module

    monkeypatch.setattr(client_module.time, "sleep", lambda s: None)
    ready = _approved_list()
    _approved_copy("Rise Q1")
    record = _pending("rise", "Rise Q1", "Rise Q1")
    broken = EmailBisonClient(f"{sandbox.url}/emailbison", "sandbox-rise", transport=_FailingAttach())
    with pytest.raises(OperationError, match="503"):
        run_deploy("rise", record["id"], client=broken)
    with connect() as con:
        status, error, campaign_id = con.execute("SELECT status, error, emailbison_campaign_id FROM campaign_deploys "
                                                 "WHERE id = ?", [record["id"]]).fetchall()[0]
    assert status == "failed" and "503" in error and campaign_id is not None
    assert resolve_list("rise", "Rise Q1").status == "approved"
    done = run_deploy("rise", record["id"])  # the retry: failed → pending → running → complete
    state = _eb(sandbox)
    assert done["status"] == "complete" and done["emailbison_campaign_id"] == campaign_id
    assert len(state["campaigns"]) == 1 and len(state["steps"][str(campaign_id)]) == 3
    assert len(state["campaign_leads"][str(campaign_id)]) == ready and state["leads"] == ready


def test_a_campaign_changed_outside_outsignal_is_not_touched(seeded_store, sandbox):
    _approved_copy()
    client = EmailBisonClient(f"{sandbox.url}/emailbison", "sandbox-rise")
    campaign = client.create_campaign("Rise Q1 copy")
    client.create_sequence_steps(campaign["id"], "t", [{"email_subject": f"s{i}", "email_body": "b", "wait_in_days": 1}
                                                        for i in range(4)])
    with pytest.raises(OperationError, match="more than the"):
        run_deploy("rise", _pending("rise", campaign="Rise Q1 copy")["id"])
    assert len(client.sequence_steps(campaign["id"])) == 4
