"""The LLM planner driven by litellm's own mock tool calls, and a model failure reported plainly."""

from __future__ import annotations

import json

from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.operations.agent_runs import agent_runs


def test_the_llm_planner_with_litellm_mock_tool_calls(seeded_store, monkeypatch, plant_fintech_ctos):
    import litellm

    plant_fintech_ctos()
    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")
    script = [
        {"tool": "search_people", "args": {"text": None, "title_any": ["cto"], "verticals": ["Accounting & Finance"],
                                            "has_verified_email": True}},
        {"tool": "create_list", "args": {"name": "LLM List"}},
        None,
    ]
    calls = []

    def completion(**kwargs):
        step = script[len(calls)]
        calls.append(kwargs)
        if step is None:
            return litellm.completion(**kwargs, mock_response="Found them and created the list.")
        return litellm.completion(**kwargs, mock_tool_calls=[{
            "id": f"call_{len(calls)}", "type": "function",
            "function": {"name": step["tool"], "arguments": json.dumps(step["args"])}}])

    reply, conv = chat("find saas c-suite with verified email and make a list", Conversation(workspace="rise"),
                       completion=completion)
    assert reply.planner == "llm:openai/gpt-4o-mini" and reply.reply == "Found them and created the list."
    assert [c["tool"] for c in reply.tool_calls] == ["search_people", "create_list"]
    assert reply.tool_calls[0]["result"]["total"] > 0 and reply.tool_calls[1]["result"]["created"]
    assert calls[0]["tools"] and calls[0]["messages"][0]["role"] == "system"
    assert calls[1]["messages"][-1]["role"] == "tool"  # tool results go back to the model
    from outsignal_pipelines.operations.lists import list_lists

    assert "LLM List" in {t.name for t in list_lists("rise")}


def test_an_llm_failure_is_reported_plainly_and_recorded(seeded_store, monkeypatch):
    import litellm

    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")

    def completion(**kwargs):
        return litellm.completion(**kwargs, mock_response="litellm.RateLimitError")

    reply, _ = chat("find people", Conversation(workspace="rise"), completion=completion)
    assert reply.reply.startswith("Something went wrong") and "try again" in reply.reply
    assert agent_runs("rise")[0]["status"] == "failed"


def _scripted(script: list, seen: list):
    """A completion that answers each model call with the next scripted tool call (litellm's own mocks)."""
    import litellm

    def completion(**kwargs):
        step = script[len(seen)]
        seen.append(kwargs)
        if isinstance(step, str):
            return litellm.completion(**kwargs, mock_response=step)
        return litellm.completion(**kwargs, mock_tool_calls=[{
            "id": f"call_{len(seen)}", "type": "function",
            "function": {"name": step[0], "arguments": json.dumps(step[1])}}])
    return completion


def test_the_llm_shares_the_confirmation_rule_a_model_alone_cannot_spend(seeded_store, sandbox, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")
    seen: list = []
    enrich = ("enrich_list", {"name": "Rise Q1", "confirm": True})
    completion = _scripted([enrich, "It would cost about $5. Shall I?", enrich, "Done."], seen)
    conv = Conversation(workspace="rise")
    preview, conv = chat("enrich Rise Q1", conv, completion=completion)
    assert preview.tool_calls[0]["result"]["requires_confirmation"] and sandbox.credits() == 0
    assert conv.pending["tool"] == "enrich_list" and conv.pending["token"]
    done, conv = chat("yes", conv, completion=completion)
    assert done.tool_calls[0]["result"]["paid_calls"] > 0 and sandbox.credits() > 0


def test_the_llm_reaches_the_new_tools_count_spend_and_list_removal(seeded_store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")
    seen: list = []
    completion = _scripted([
        ("count_people", {"has_verified_email": True}),
        ("spend_summary", {"period": "this_week"}),
        ("remove_from_list", {"name": "Rise Q1", "search": {"email_status": "catch_all"}}),
        "Done.",
    ], seen)
    reply, _ = chat("count verified leads, show this week's spend, drop catch-alls from Rise Q1",
                    Conversation(workspace="rise"), completion=completion)
    assert [c["tool"] for c in reply.tool_calls] == ["count_people", "spend_summary", "remove_from_list"]
    assert all("error" not in c["result"] for c in reply.tool_calls)
    assert {"count_people", "spend_summary", "remove_from_list", "delete_list", "find_person"} <= {
        t["function"]["name"] for t in seen[0]["tools"]}
