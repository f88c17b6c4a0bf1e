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
