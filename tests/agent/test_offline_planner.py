"""The offline planner: the roadmap's four sentences and their everyday variants, the list of abilities
for anything else, and the confirmation rule for paid tools, all through the chat entry point."""

from __future__ import annotations

import pytest

from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.agent.offline_planner import NOT_UNDERSTOOD
from outsignal_pipelines.operations.agent_runs import agent_runs
from outsignal_pipelines.store import connect, query_df


def test_the_four_roadmap_sentences_offline(seeded_store, sandbox, plant_fintech_ctos, verify_everyone):
    plant_fintech_ctos()
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
    verify_everyone()
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
def test_anything_else_is_not_understood_never_a_guess(seeded_store, message):
    reply, _ = chat(message, Conversation(workspace="rise"))
    assert reply.reply == NOT_UNDERSTOOD and reply.tool_calls == [] and reply.outcome == "not_understood"
    # Recorded as its own outcome in Agent runs, not as a success.
    assert agent_runs("rise")[0]["status"] == "not_understood"


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
    # The chat's enrichment is a Dagster run of the list's partition, like every other face's.
    [run] = _partition_runs("rise.rise-q1")
    assert (run.job_name, run.tags["outsignal/requested_by"]) == ("enrich_list_job", "chat")
    assert run.run_id == done.tool_calls[0]["result"]["dagster_run_id"]


def test_deploy_from_chat_runs_the_deploy_asset_of_the_list(seeded_store, sandbox, verify_everyone):
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status

    verify_everyone()
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    reply, conv = chat("deploy Rise Q1", Conversation(workspace="rise"))
    # No daemon runs here, so the chat's own process executes the run (recorded in the instance).
    assert reply.tool_calls[0]["tool"] == "deploy" and reply.tool_calls[0]["result"]["status"] == "complete"
    [run] = _partition_runs("rise.rise-q1")
    assert (run.job_name, run.tags["outsignal/requested_by"]) == ("emailbison_deploy_job", "chat")
    status, _ = chat("what is the deploy status of Rise Q1", conv)
    assert status.tool_calls[0]["tool"] == "deploy_status" and "complete" in status.reply


def _partition_runs(list_id: str):
    import dagster as dg

    from outsignal_pipelines import orchestration

    with orchestration.instance() as inst:
        return [r.dagster_run for r in inst.get_run_records(filters=dg.RunsFilter(tags={"dagster/partition": list_id}))]


def test_scoring_and_exporting_from_chat_are_dagster_runs_of_the_list(seeded_store, verify_everyone):
    from outsignal_pipelines.store import transaction

    conv = Conversation(workspace="rise")
    scored, conv = chat("score the Rise Q1 list", conv)
    assert scored.tool_calls[0]["tool"] == "score_list" and scored.tool_calls[0]["result"]["scored"] == 200
    verify_everyone()
    with transaction() as con:
        con.execute("UPDATE people SET email_status = 'valid' WHERE email IS NOT NULL")
    exported, conv = chat("export Rise Q1 as CSV", conv)
    result = exported.tool_calls[0]["result"]
    assert exported.tool_calls[0]["tool"] == "export_list" and result["exported"] > 0 and result["file"]
    runs = _partition_runs("rise.rise-q1")
    assert sorted(r.job_name for r in runs) == ["score_list_job", "verified_export_job"]
    assert {r.tags["outsignal/requested_by"] for r in runs} == {"chat"}
