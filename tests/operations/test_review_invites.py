"""Send to review (issue 17): it did not email the client although the portal says "We will email
you", and an unscored list could be sent, so the client saw None in every score cell."""

from __future__ import annotations

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import add_people, create_list, resolve_list
from outsignal_pipelines.operations.notifications import settle
from outsignal_pipelines.operations.review import save_step, send_campaign_to_review, send_list_to_review
from outsignal_pipelines.operations.scoring import list_scores
from outsignal_pipelines.store import transaction


def _list(name: str = "Q1") -> str:
    with transaction() as con:
        ids = [con.execute("INSERT INTO people (first_name, last_name, email, email_status, job_title) "
                           "VALUES (?, ?, ?, 'valid', 'CTO') RETURNING id", [f, "Lee", f"{f}@firm.example"]).fetchall()[0][0]
               for f in ("ann", "bo", "cy")]
    create_list("acme", name)
    add_people("acme", name, ids)
    return resolve_list("acme", name).id


def test_sending_a_list_emails_the_client_what_waits_and_a_sign_in_link(workspace, mail_and_slack):
    _list()
    send_list_to_review("acme", "Q1")
    settle()
    mails = {m["subject"]: m for m in mail_and_slack["emails"]}
    summary = mails["Leads to review: Q1"]
    assert summary["to"] == ["client@acme.example"] and "3 leads with a verified email" in summary["text"]
    link = mails["Your Outsignal portal sign-in link"]
    assert link["to"] == ["client@acme.example"] and "/portal?token=" in link["text"]


def test_sending_copy_emails_the_client_too(workspace, mail_and_slack):
    save_step("acme", "Q1 copy", 1, "quick question about merch", "Hi {FIRST_NAME}, quick one. Open to a chat?")
    send_campaign_to_review("acme", "Q1 copy")
    settle()
    summary = next(m for m in mail_and_slack["emails"] if m["subject"] == "Copy to review: Q1 copy")
    assert summary["to"] == ["client@acme.example"] and "(1 steps)" in summary["text"]


def test_an_unscored_list_is_scored_on_the_way_so_the_client_never_sees_none(workspace):
    list_id = _list()
    assert list_scores(list_id, "acme")["score"].null_count() == 3
    send_list_to_review("acme", "Q1")
    settle()
    scores = list_scores(list_id, "acme")
    assert scores["score"].null_count() == 0 and scores["reasoning"].null_count() == 0


def test_with_a_paid_llm_scorer_an_unscored_list_is_refused_not_scored_behind_the_admins_back(workspace, monkeypatch):
    _list()
    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")
    with pytest.raises(OperationError, match="3 members of 'Q1' are not scored yet"):
        send_list_to_review("acme", "Q1")
    assert resolve_list("acme", "Q1").status == "building"
