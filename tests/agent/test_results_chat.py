"""The issue's results questions through the chat entry point with the offline planner: the right
read-only tool runs at once (no confirmation), its numbers match counts taken straight from the
events, and the reply says them in words. The planner as it was answered "how is Rise Q1 doing?" with
the list's enrichment coverage, and did not understand the other two."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.agent import tools
from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.store import connect
from tests.operations.outcome_fixtures import plant


@pytest.fixture
def results_store(seeded_store):
    # Rise Q1 went out; Lime's list too, where the C-Suite (and only they) are in Staffing & Recruitment.
    plant("rise", n=300, seed=5, start_id=100_000, list_id="rise.rise-q1")
    plant("lime-recruitment", n=300, seed=6, start_id=200_000, list_id="lime-recruitment.lime-hiring-managers",
          vertical_of={"C-Suite": "Staffing & Recruitment"})
    return seeded_store


def _ask(sentence: str, workspace: str | None = "rise"):
    reply, _ = chat(sentence, Conversation(workspace=workspace))
    [call] = reply.tool_calls
    return reply, call


def _count(sql: str, params: list) -> int:
    with connect() as con:
        return con.execute(sql, params).fetchall()[0][0]


def test_tools_are_read_only_and_need_no_confirmation():
    for name in ("campaign_results", "best_replying", "provider_bounces"):
        assert not tools.REGISTRY[name].confirms and not tools.REGISTRY[name].spends


def test_how_is_rise_q1_doing(results_store):
    reply, call = _ask("how is Rise Q1 doing?")
    assert call["tool"] == "campaign_results"
    sent = _count("SELECT count(*) FROM campaign_events WHERE workspace_slug = 'rise' AND event_type = 'sent'", [])
    replies = _count("SELECT count(*) FROM campaign_events WHERE workspace_slug = 'rise' AND event_type = 'replied'", [])
    assert call["result"]["sent"] == sent and call["result"]["replied"] == replies
    assert reply.reply.startswith(f"Rise Q1: {sent:,} sent") and f"{replies:,} replies" in reply.reply


def test_which_vertical_replies_most_for_lime(results_store):
    reply, call = _ask("which vertical replies most for Lime?")
    assert call["tool"] == "best_replying" and call["args"]["workspace"] == "lime-recruitment"
    # Independently: replies over delivered per vertical, straight from people and events.
    with connect() as con:
        rows = con.execute("""
            SELECT p.vertical,
                   count(*) FILTER (WHERE e.event_type = 'replied') / count(*) FILTER (WHERE e.event_type = 'sent'
                       AND p.id NOT IN (SELECT person_id FROM campaign_events WHERE event_type = 'bounced')) AS rate
            FROM campaign_events e JOIN people p ON p.id = e.person_id
            WHERE e.workspace_slug = 'lime-recruitment' GROUP BY 1 ORDER BY rate DESC""").fetchall()
    assert rows[0][0] == "Staffing & Recruitment"     # the planted one: C-Suite match the ICP and reply most
    assert call["result"]["results"][0]["group"] == rows[0][0]
    assert "Staffing & Recruitment" in reply.reply and "replies most" in reply.reply


def test_which_provider_bounces_most(results_store):
    reply, call = _ask("which provider bounces most?", workspace=None)
    assert call["tool"] == "provider_bounces" and call["args"]["workspace"] is None
    assert call["result"]["results"][0]["provider"] == "aiark"
    assert reply.reply.startswith("aiark bounces most across all workspaces")


def test_mcp_publishes_the_results_tools_without_a_confirmation_step(results_store):
    import asyncio

    from outsignal_pipelines.mcp_server import build_server

    server = build_server()
    listed = {t.name: t for t in asyncio.run(server.list_tools())}
    for name in ("campaign_results", "best_replying", "provider_bounces"):
        assert name in listed and "Previews first" not in listed[name].description
    assert set(listed["best_replying"].input_schema["properties"]) >= {"workspace", "by"}
    result = asyncio.run(server.call_tool("campaign_results", {"workspace": "rise", "name": "Rise Q1"}))
    text = result.content[0].text
    assert json.loads(text)["list"] == "Rise Q1"
