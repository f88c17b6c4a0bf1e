"""The chat entry point leaves an AgentRun with its steps for every action."""

from __future__ import annotations

import json

from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.operations.agent_runs import agent_runs


def test_every_action_leaves_an_agent_run_with_its_steps(seeded_store):
    conv = Conversation(workspace="rise")
    reply, conv = chat("find CTOs in fintech", conv)
    runs = agent_runs("rise")
    assert runs[0]["id"] == reply.agent_run_id and runs[0]["status"] == "complete"
    assert runs[0]["message"] == "find CTOs in fintech" and runs[0]["triggered_by"] == "chat"
    steps = json.loads(runs[0]["steps"])
    assert steps[0]["tool"] == "search_people" and steps[0]["args"]["title_any"]
    assert runs[0]["duration_ms"] is not None
