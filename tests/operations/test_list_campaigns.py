"""One campaign per list, one list per lead (issue 17): exporting a list and then deploying it with
its copy used to create two EmailBison campaigns with the same leads, so launching both emailed those
people twice; two exports at once created two campaigns; a lead of two lists was attached to both
lists' campaigns. Read back from the sandbox EmailBison's own state."""

from __future__ import annotations

import threading

import httpx
import pytest

from outsignal_pipelines.operations.deploy import prepare_deploy, run_deploy
from outsignal_pipelines.operations.emailbison_export import export_to_emailbison
from outsignal_pipelines.operations.lists import add_people, create_list
from outsignal_pipelines.operations.review import save_step, send_campaign_to_review, set_drafts_status, set_list_status
from outsignal_pipelines.store import connect, transaction


def _eb(sandbox, token: str = "sandbox-acme") -> dict:
    return httpx.get(f"{sandbox.url}/emailbison/_state", timeout=10).json().get(token, {})


def _people(*names: str) -> list[int]:
    ids = []
    with transaction() as con:
        for name in names:
            first, last = name.split()
            ids.append(con.execute(
                "INSERT INTO people (first_name, last_name, email, email_status) VALUES (?, ?, ?, 'valid') RETURNING id",
                [first, last, f"{first}.{last}@firm.example".lower()]).fetchall()[0][0])
    return ids


def _list(name: str, ids: list[int]) -> None:
    create_list("acme", name)
    add_people("acme", name, ids)


def test_export_then_deploy_with_copy_use_the_lists_one_campaign(workspace, sandbox):
    _list("Mission Q1", _people("Ann Lee", "Bo Chan", "Cy Diaz"))
    exported = export_to_emailbison("acme", "Mission Q1")
    assert exported["exported"] == 3
    for step, subject, body in [(1, "quick question", "Hi {FIRST_NAME}, open to a chat?"),
                                (2, None, "Following up. Worth a look?")]:
        save_step("acme", "Mission Q1 Copy", step, subject, body, 2)
    send_campaign_to_review("acme", "Mission Q1 Copy")
    set_drafts_status("acme", "Mission Q1 Copy", "review", "approved")
    with connect() as con:
        con.execute("UPDATE target_lists SET status = 'approved' WHERE id = 'acme.mission-q1'")
    done = run_deploy("acme", prepare_deploy("acme", "Mission Q1", "Mission Q1 Copy")[0]["id"])
    state = _eb(sandbox)
    assert len(state["campaigns"]) == 1, [c["name"] for c in state["campaigns"]]
    cid = str(exported["campaign_id"])
    assert done["emailbison_campaign_id"] == exported["campaign_id"]
    assert len(state["campaign_leads"][cid]) == len(set(state["campaign_leads"][cid])) == 3
    assert len(state["steps"][cid]) == 2 and done["skipped"] == []


@pytest.mark.slow
def test_two_exports_at_once_create_one_campaign(workspace, sandbox):
    _list("Race", _people("Ann Lee", "Bo Chan"))
    httpx.post(f"{sandbox.url}/emailbison/_config", json={"latency_ms": 800}, timeout=10)
    results, errors = [], []

    def export() -> None:
        try:
            results.append(export_to_emailbison("acme", "Race"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=export) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    httpx.post(f"{sandbox.url}/emailbison/_config", json={"latency_ms": 0}, timeout=10)
    assert not errors, errors
    state = _eb(sandbox)
    assert len(state["campaigns"]) == 1, state["campaigns"]
    assert {r["campaign_id"] for r in results} == {state["campaigns"][0]["id"]}
    assert sum(r["campaign_created"] for r in results) == 1


def test_a_lead_in_another_active_campaign_is_skipped_by_name_unless_overlap_is_allowed(workspace, sandbox):
    ann, bo, cy = _people("Ann Lee", "Bo Chan", "Cy Diaz")
    _list("First", [ann, bo])
    _list("Second", [bo, cy])
    first = export_to_emailbison("acme", "First")
    second = export_to_emailbison("acme", "Second")
    assert second["exported"] == 1
    [skipped] = second["skipped"]
    assert (skipped["name"], skipped["email"], skipped["list"]) == ("Bo Chan", "bo.chan@firm.example", "First")
    assert "already in active campaign" in skipped["reason"]
    assert second["excluded_reasons"]["already in another active campaign of the workspace"] == 1
    state = _eb(sandbox)
    assert len(state["campaign_leads"][str(second["campaign_id"])]) == 1
    again = export_to_emailbison("acme", "Second", allow_overlap=True)
    assert again["exported"] == 2 and again["skipped"] == []
    assert [o["name"] for o in again["attached_despite_overlap"]] == ["Bo Chan"]
    assert len(_eb(sandbox)["campaign_leads"][str(second["campaign_id"])]) == 2
    assert len(_eb(sandbox)["campaign_leads"][str(first["campaign_id"])]) == 2


def test_a_lead_whose_campaign_has_ended_can_join_the_next(workspace, sandbox):
    ann, bo = _people("Ann Lee", "Bo Chan")
    _list("Old", [ann, bo])
    _list("New", [bo])
    old = export_to_emailbison("acme", "Old")
    httpx.patch(f"{sandbox.url}/emailbison/api/campaigns/{old['campaign_id']}/archive",
                headers={"Authorization": "Bearer sandbox-acme"}, timeout=10).raise_for_status()
    new = export_to_emailbison("acme", "New")
    assert new["exported"] == 1 and new["skipped"] == []


def test_a_deploy_reports_what_it_skipped(workspace, sandbox):
    ann, bo = _people("Ann Lee", "Bo Chan")
    _list("Taken", [ann])
    _list("Later", [ann, bo])
    export_to_emailbison("acme", "Taken")
    set_list_status("acme", "Later", "pending_review")
    set_list_status("acme", "Later", "approved")
    done = run_deploy("acme", prepare_deploy("acme", "Later")[0]["id"])
    assert done["lead_count"] == 1 and [s["name"] for s in done["skipped"]] == ["Ann Lee"]
    with connect() as con:
        stored = con.execute("SELECT skipped FROM campaign_deploys WHERE id = ?", [done["id"]]).fetchone()[0]
    assert "Ann Lee" in stored


def test_a_campaign_id_of_another_list_is_refused(workspace, sandbox):
    from outsignal_pipelines.operations import OperationError

    _list("One", _people("Ann Lee"))
    _list("Two", _people("Bo Chan"))
    first = export_to_emailbison("acme", "One")
    with pytest.raises(OperationError, match="already goes to EmailBison campaign"):
        export_to_emailbison("acme", "One", campaign_id=first["campaign_id"] + 1000)
    with pytest.raises(OperationError, match="belongs to another list"):
        export_to_emailbison("acme", "Two", campaign_id=first["campaign_id"])
