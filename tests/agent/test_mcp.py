"""A real MCP client (the mcp package's stdio client) talks to `outsignal mcp` in a subprocess:
it lists the tools and calls search and create-list; stdout carries nothing but protocol."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from outsignal_pipelines.store import query_df


async def _session(db: Path):
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "outsignal"), args=["mcp"],
                                   env={**os.environ, "OUTSIGNAL_DB": str(db)})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            search = await session.call_tool("search_people", {"workspace": "rise", "seniorities": ["VP"],
                                                               "page_size": 5})
            created = await session.call_tool("create_list", {"name": "From MCP", "workspace": "rise"})
            return listed, search, created


def _text(result) -> dict:
    return json.loads(result.content[0].text)


def test_mcp_client_lists_tools_and_calls_search_and_create_list(seeded_store):
    listed, search, created = asyncio.run(_session(seeded_store))
    names = {t.name for t in listed.tools}
    assert {"search_people", "create_list", "enrich_list", "export_list", "send_to_review"} <= names
    schema = next(t for t in listed.tools if t.name == "search_people").input_schema
    assert "seniorities" in schema["properties"]
    found = _text(search)
    assert found["total"] > 0 and len(found["results"]) == 5
    assert _text(created)["created"] is True
    from outsignal_pipelines.operations.agent_runs import agent_runs

    assert [r["triggered_by"] for r in agent_runs("rise")][:2] == ["mcp", "mcp"]



async def _pipeline(db: Path):
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "outsignal"), args=["mcp"],
                                   env={**os.environ, "OUTSIGNAL_DB": str(db)})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            scored = await session.call_tool("score_list", {"name": "Rise Q1", "workspace": "rise"})
            preview = await session.call_tool("enrich_list", {"name": "Rise Q1", "workspace": "rise", "confirm": True})
            token = _text(preview)["confirmation_token"]
            enriched = await session.call_tool("enrich_list", {"name": "Rise Q1", "workspace": "rise",
                                                               "confirm": True, "confirmation_token": token})
            exported = await session.call_tool("export_list", {"name": "Rise Q1", "workspace": "rise", "to": "csv"})
            return scored, enriched, exported


def test_scoring_enriching_and_exporting_from_mcp_are_dagster_runs_of_the_list(seeded_store, sandbox):
    import dagster as dg

    from outsignal_pipelines import orchestration

    scored, enriched, exported = (_text(r) for r in asyncio.run(_pipeline(seeded_store)))
    assert scored["scored"] == 200 and scored["status"] == "complete"
    assert enriched["paid_calls"] > 0 and exported["exported"] > 0
    with orchestration.instance() as inst:
        runs = [r.dagster_run for r in inst.get_run_records(
            filters=dg.RunsFilter(tags={"dagster/partition": "rise.rise-q1"}))]
    assert sorted(r.job_name for r in runs) == ["enrich_list_job", "score_list_job", "verified_export_job"]
    assert {r.tags["outsignal/requested_by"] for r in runs} == {"mcp"}
    assert scored["dagster_run_id"] in {r.run_id for r in runs}


async def _confirmation_and_errors(db: Path):
    params = StdioServerParameters(command=str(Path(sys.executable).parent / "outsignal"), args=["mcp"],
                                   env={**os.environ, "OUTSIGNAL_DB": str(db)})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            args = {"name": "Rise Q1", "workspace": "rise", "confirm": True}
            first = await session.call_tool("enrich_list", args)
            forged = await session.call_tool("enrich_list", {**args, "confirmation_token": "made-up"})
            other = await session.call_tool("enrich_list", {**args, "name": "Nope",
                                                            "confirmation_token": _text(first)["confirmation_token"]})
            missing = await session.call_tool("show_list", {"name": "No Such List", "workspace": "rise"})
            return first, forged, other, missing


def test_mcp_confirm_on_the_first_call_only_previews_and_errors_are_flagged(seeded_store, sandbox):
    """`confirm: true` on a first call used to spend at once; tool errors came back with isError false."""
    first, forged, other, missing = asyncio.run(_confirmation_and_errors(seeded_store))
    preview = _text(first)
    assert first.is_error is False and preview["requires_confirmation"] and preview["confirmation_token"]
    assert _text(forged)["requires_confirmation"]       # a token the server never issued runs nothing
    assert other.is_error is True                       # a token is bound to its list: "Nope" does not exist
    assert sandbox.credits() == 0 and query_df("SELECT count(*) AS n FROM enrichment_log")["n"][0] == 0
    assert missing.is_error is True and "No Such List" in missing.content[0].text
    from outsignal_pipelines.operations.agent_runs import agent_runs

    assert agent_runs("rise")[0]["status"] == "failed"
