"""Each copy rule, with copy that passes it and copy that breaks it."""

from __future__ import annotations

import pytest

from outsignal_pipelines.domain.copy_linter import blocking, lint, preview

GOOD_SUBJECT = "quick question about hiring"
GOOD_BODY = "Hi {FIRST_NAME}, noticed {COMPANY} is hiring engineers. We help teams like yours onboard faster. Worth a chat?"


def rules(subject=GOOD_SUBJECT, body=GOOD_BODY, step=1) -> set[str]:
    return {f.rule for f in lint(subject, body, step)}


def test_good_copy_passes_every_rule():
    assert lint(GOOD_SUBJECT, GOOD_BODY) == []


@pytest.mark.parametrize("subject, body, rule", [
    (GOOD_SUBJECT, GOOD_BODY.replace("Worth a chat?", "word " * 80 + "Worth a chat?"), "length"),
    (GOOD_SUBJECT, GOOD_BODY.replace(". We", " — we"), "em_dash"),
    ("quick question — hiring", GOOD_BODY, "em_dash"),
    ("quick question about hiring!", GOOD_BODY, "subject_exclamation"),
    ("hi", GOOD_BODY, "subject_length"),
    ("a subject that is much too long to read", GOOD_BODY, "subject_length"),
    (GOOD_SUBJECT, GOOD_BODY.replace("Worth a chat?", "Book a call today."), "soft_cta"),
    (GOOD_SUBJECT, "I hope this finds you well. " + GOOD_BODY, "banned_phrase"),
    (GOOD_SUBJECT, GOOD_BODY.replace("onboard", "leverage our free tool to onboard"), "banned_phrase"),
    (GOOD_SUBJECT, GOOD_BODY.replace("{FIRST_NAME}", "{first_name}"), "merge_tokens"),
    (GOOD_SUBJECT, GOOD_BODY.replace("{FIRST_NAME}", "{{FIRST_NAME}}"), "merge_tokens"),
    (GOOD_SUBJECT, GOOD_BODY.replace("{COMPANY}", "{COMPANY_NAME}"), "merge_tokens"),
    (GOOD_SUBJECT, GOOD_BODY.replace("Hi", "{Hi|Hello"), "spintax"),
    (GOOD_SUBJECT, GOOD_BODY.replace("Hi", "{Hi|}"), "spintax"),
    (GOOD_SUBJECT, GOOD_BODY.replace("Hi", "{Hi|{Hey|Yo}}"), "spintax"),
])
def test_each_rule_catches_its_problem(subject, body, rule):
    assert rule in rules(subject, body)


def test_balanced_spintax_and_known_tokens_pass():
    body = "{Hi|Hello} {FIRST_NAME}, {SENDER_FIRST_NAME} here from {COMPANY}. Open to a quick chat?"
    assert lint(GOOD_SUBJECT, body) == []


def test_banned_words_match_whole_words_only():
    assert "banned_phrase" not in rules(body=GOOD_BODY.replace("faster", "carefree"))


def test_only_breaking_problems_block():
    findings = lint("hi!", GOOD_BODY.replace("{COMPANY}", "{company}"))
    assert {f.rule for f in blocking(findings)} == {"merge_tokens"}


def test_a_follow_up_without_subject_is_fine_but_the_first_step_needs_one():
    assert "subject_length" not in rules(subject="", step=2)
    assert "subject_length" in rules(subject="", step=1)


def test_preview_fills_tokens_and_first_spintax_option():
    text = preview("{Hi|Hello} {FIRST_NAME} at {COMPANY}, {UNKNOWN}", {"FIRST_NAME": "Priya"})
    assert text == "Hi Priya at Acme, {UNKNOWN}"
