"""The roadmap's four sentences and their everyday variants through the offline planner, the LLM
planner driven by litellm's own mock tool calls, the confirmation rule for paid tools, and the
AgentRun audit of every action."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.agent.chat import HELP, Conversation, agent_runs, chat
from outsignal_pipelines.store import connect, query_df


def _verify_everyone() -> None:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")


def _plant_fintech_ctos(n: int = 3) -> None:
    """Make sure Rise has fintech CTOs with verified email (the small test seed may have none)."""
    with connect() as con:
        con.execute("""UPDATE people SET job_title = 'CTO', vertical = 'Accounting & Finance', email_status = 'valid'
                       WHERE id IN (SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id
                                    WHERE w.workspace_slug = 'rise' AND p.email IS NOT NULL ORDER BY p.id LIMIT ?)""", [n])


def test_the_four_roadmap_sentences_offline(seeded_store, sandbox):
    _plant_fintech_ctos()
    conv = Conversation(workspace="rise")
    found, conv = chat("find CTOs in fintech with verified email", conv)
    call = found.tool_calls[0]
    assert call["tool"] == "search_people" and call["args"]["verticals"] == ["Accounting & Finance"]
    assert call["args"]["has_verified_email"] is True
    rows = call["result"]["results"]
    assert call["result"]["total"] == len(rows) > 0 and all(r["email_status"] == "valid" for r in rows)
    assert all(any(t in (r["job_title"] or "").lower() for t in ("cto", "chief technology")) for r in rows)
    assert "icp_score" in rows[0] and found.tables

    created, conv = chat("create a list called Rise Q1", conv)
    assert created.tool_calls[0]["result"]["created"] is False  # the demo already has it: idempotent

    usage = sandbox.usage()
    scored, conv = chat("score the Rise Q1 list", conv)
    assert scored.tool_calls[0]["result"]["scored"] == 200
    again, conv = chat("score the Rise Q1 list", conv)
    assert again.tool_calls[0]["result"]["scored"] == 0 and "already scored" in again.reply
    assert sandbox.usage() == usage  # no enrichment API was touched by scoring

    with connect() as con:  # one member never verified: the gate must refuse the export and say why
        con.execute("""UPDATE people SET email_status = NULL WHERE id = (SELECT min(p.id) FROM people p
                       JOIN target_list_members m ON m.person_id = p.id WHERE m.list_id = 'rise.rise-q1'
                       AND p.email IS NOT NULL)""")
    refused, conv = chat("export Rise Q1 to EmailBison", conv)
    assert refused.tool_calls[0]["result"]["refused"] and "never been verified" in refused.reply
    _verify_everyone()
    preview, conv = chat("export Rise Q1 to EmailBison", conv)
    assert preview.tool_calls[0]["result"]["requires_confirmation"] and "Reply \"yes\"" in preview.reply
    done, conv = chat("yes", conv)
    assert done.tool_calls[0]["result"]["exported"] > 0 and "EmailBison campaign" in done.reply
    assert "Excluded" in done.reply


def test_everyday_variants(seeded_store):
    conv = Conversation()
    reply, conv = chat("what lists does Rise have", conv)
    assert reply.tool_calls[0]["tool"] == "list_lists" and "Rise Q1" in reply.reply
    reply, conv = chat("show Rise Q1", conv)
    assert reply.tool_calls[0]["tool"] == "show_list" and "200 members" in reply.reply
    reply, conv = chat("create a list called E2E Q1 for lime recruitment", conv)
    assert reply.tool_calls[0]["args"] == {"name": "E2E Q1", "workspace": "lime-recruitment"}
    reply, conv = chat("find directors in logistics", conv)
    args = reply.tool_calls[0]["args"]
    assert args["seniorities"] == ["Director"] and args["verticals"] == ["Logistics & Supply Chain"]
    total = reply.tool_calls[0]["result"]["total"]
    reply, conv = chat("add them to E2E Q1", conv)
    assert reply.tool_calls[0]["result"]["added"] == total
    reply, conv = chat("only London", conv)
    assert reply.tool_calls[0]["args"]["location"] == "London"
    reply, conv = chat("export E2E Q1 as CSV", conv)
    assert reply.tool_calls[0]["args"]["to"] == "csv"
    reply, conv = chat("find VPs in saas in Manchester", conv)
    assert reply.tool_calls[0]["args"]["location"] == "Manchester"


@pytest.mark.parametrize("message", ["tell me a joke", "what's the weather", "'; DROP TABLE people;--", ""])
def test_anything_else_gets_the_list_of_abilities_never_a_guess(seeded_store, message):
    reply, _ = chat(message, Conversation(workspace="rise"))
    assert reply.reply == HELP and reply.tool_calls == []


def test_a_spend_tool_without_confirmation_spends_nothing(seeded_store, sandbox):
    conv = Conversation(workspace="rise")
    preview, conv = chat("enrich Rise Q1", conv)
    result = preview.tool_calls[0]["result"]
    assert result["requires_confirmation"] and result["estimated_cost_usd"] > 0
    assert sandbox.credits() == 0 and query_df("SELECT count(*) AS n FROM enrichment_log")["n"][0] == 0
    from outsignal_pipelines.agent import tools

    forced = tools.call("enrich_list", tools.ToolContext(workspace="rise"), {"name": "Rise Q1", "confirm": True})
    assert forced["requires_confirmation"] and sandbox.credits() == 0  # confirm from a model alone is not enough
    done, conv = chat("yes", conv)
    assert done.tool_calls[0]["result"]["paid_calls"] > 0 and sandbox.credits() > 0


def test_every_action_leaves_an_agent_run_with_its_steps(seeded_store):
    conv = Conversation(workspace="rise")
    reply, conv = chat("find CTOs in fintech", conv)
    runs = agent_runs("rise")
    assert runs[0]["id"] == reply.agent_run_id and runs[0]["status"] == "complete"
    assert runs[0]["message"] == "find CTOs in fintech" and runs[0]["triggered_by"] == "chat"
    steps = json.loads(runs[0]["steps"])
    assert steps[0]["tool"] == "search_people" and steps[0]["args"]["title_any"]
    assert runs[0]["duration_ms"] is not None


def test_the_llm_planner_with_litellm_mock_tool_calls(seeded_store, monkeypatch):
    import litellm

    _plant_fintech_ctos()
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


def test_deploy_from_chat_files_a_request(seeded_store):
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status

    _verify_everyone()
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    reply, conv = chat("deploy Rise Q1", Conversation(workspace="rise"))
    assert reply.tool_calls[0]["tool"] == "deploy" and reply.tool_calls[0]["result"]["status"] == "pending"
    status, _ = chat("what is the deploy status of Rise Q1", conv)
    assert status.tool_calls[0]["tool"] == "deploy_status" and "pending" in status.reply
