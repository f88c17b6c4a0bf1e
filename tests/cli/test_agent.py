"""`chat`: one turn of the Leads Agent, as one JSON object."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner


def test_chatone_json(seeded_store):
    payload = one_json(runner.invoke(app, ["chat", "find CTOs in fintech", "-w", "rise", "--json"]))
    assert {"reply", "tool_calls", "agent_run_id"} <= payload.keys()
    assert payload["tool_calls"][0]["tool"] == "search_people"
