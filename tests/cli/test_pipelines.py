"""`enrich`, `score` and `deploy`: summaries on --json, and nothing paid or scored twice."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner


def test_enrich_prints_the_summary_and_pays_nothing_the_second_time(seeded_store, sandbox):
    first = runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert first.exit_code == 0, first.stdout
    payload = one_json(first)
    assert {"people", "emails_found", "verified_valid", "paid_calls", "cost_usd", "skipped_by_dedup",
            "by_provider"} <= payload.keys()
    assert payload["people"] == 200 and payload["paid_calls"] > 0
    second = one_json(runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"]))
    assert second["paid_calls"] == 0 and second["skipped_by_dedup"] > 0
    missing = runner.invoke(app, ["enrich", "--list", "Nope", "--workspace", "rise", "--json"])
    assert missing.exit_code == 1 and "no list" in one_json(missing)["error"]


def test_score_json_then_nothing_to_score(seeded_store):
    first = runner.invoke(app, ["score", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert first.exit_code == 0, first.stdout
    payload = one_json(first)
    assert {"scored", "skipped_already_scored", "failed", "llm_calls", "cost_usd", "scorer"} <= payload.keys()
    assert payload["scored"] == 200 and payload["scorer"] == "rules" and payload["llm_calls"] == 0
    second = one_json(runner.invoke(app, ["score", "--list", "Rise Q1", "--workspace", "rise", "--json"]))
    assert second["scored"] == 0 and second["skipped_already_scored"] == 200


def test_deploy_request_then_wait(seeded_store, sandbox):
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    queued = one_json(runner.invoke(app, ["deploy", "--list", "Rise Q1", "-w", "rise", "--json"]))
    assert queued["status"] == "pending" and queued["path"] == "leads_only"
    done = one_json(runner.invoke(app, ["deploy", "--list", "Rise Q1", "-w", "rise", "--wait", "--json"]))
    assert done["id"] == queued["id"] and done["status"] == "complete" and done["lead_count"] > 0
    assert set(done) == {"id", "status", "path", "lead_count", "step_count", "emailbison_campaign_id", "error"}
