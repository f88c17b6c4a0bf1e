"""The one confirmation rule: a token previews one exact call, works once, and nothing else runs it."""

from __future__ import annotations

from outsignal_pipelines.agent import confirmation


def test_a_token_confirms_only_the_call_it_previewed_and_only_once():
    args = {"name": "Rise Q1", "workspace": "rise"}
    token = confirmation.issue("enrich_list", args)
    assert not confirmation.redeem(token, "enrich_list", {**args, "name": "Other"})
    assert not confirmation.redeem(token, "export_list", args)
    assert not confirmation.redeem(None, "enrich_list", args)
    assert confirmation.redeem(token, "enrich_list", {**args, "confirm": True, "confirmation_token": token})
    assert not confirmation.redeem(token, "enrich_list", args)   # used up
