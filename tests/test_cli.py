"""The CLI is a stable surface for scripts: --json prints exactly one JSON object, errors included."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from outsignal_pipelines.cli import app

runner = CliRunner()


def _json(result) -> dict:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def test_init_then_seed_then_import_with_json(db_path, messy_csv):
    init = _json(runner.invoke(app, ["init", "--json"]))
    assert init["schema_version"] >= 1 and "lead_search" in init["models_built"]

    seeded = runner.invoke(app, ["seed-demo", "--people", "800", "--seed", "5", "--json"])
    assert seeded.exit_code == 0
    assert _json(seeded)["people"] == 800

    imported = runner.invoke(app, ["import", str(messy_csv), "--workspace", "rise", "--list", "Messy", "--json"])
    assert imported.exit_code == 0
    payload = _json(imported)
    assert {"inserted", "updated", "unchanged", "rejected", "rejects_file"} <= payload.keys()
    assert payload["inserted"] == 12 and payload["rejected"] == 4

    listing = _json(runner.invoke(app, ["workspace", "list", "--json"]))
    rise = next(w for w in listing["workspaces"] if w["workspace_slug"] == "rise")
    assert rise["lists"] == 2


def test_errors_are_one_json_object_and_a_nonzero_exit(db_path, messy_csv):
    result = runner.invoke(app, ["import", str(messy_csv), "--workspace", "nope", "--json"])
    assert result.exit_code == 1
    assert "unknown workspace 'nope'" in _json(result)["error"]

    again = runner.invoke(app, ["seed-demo", "--people", "100", "--json"])
    refused = runner.invoke(app, ["seed-demo", "--people", "100", "--json"])
    assert again.exit_code == 0 and refused.exit_code == 1 and "--reset" in _json(refused)["error"]


def test_human_output_names_counts_and_the_rejects_file(db_path, messy_csv):
    runner.invoke(app, ["workspace", "add", "acme", "--name", "Acme"])
    result = runner.invoke(app, ["import", str(messy_csv), "--workspace", "acme"])
    assert result.exit_code == 0
    assert "12 inserted" in result.stdout and "4 rejected" in result.stdout and "rejects" in result.stdout


def test_enrich_prints_the_summary_and_pays_nothing_the_second_time(seeded_store, sandbox):
    first = runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert first.exit_code == 0, first.stdout
    payload = _json(first)
    assert {"people", "emails_found", "verified_valid", "paid_calls", "cost_usd", "skipped_by_dedup",
            "by_provider"} <= payload.keys()
    assert payload["people"] == 200 and payload["paid_calls"] > 0
    second = _json(runner.invoke(app, ["enrich", "--list", "Rise Q1", "--workspace", "rise", "--json"]))
    assert second["paid_calls"] == 0 and second["skipped_by_dedup"] > 0
    missing = runner.invoke(app, ["enrich", "--list", "Nope", "--workspace", "rise", "--json"])
    assert missing.exit_code == 1 and "no list" in _json(missing)["error"]


def test_score_json_then_nothing_to_score(seeded_store):
    first = runner.invoke(app, ["score", "--list", "Rise Q1", "--workspace", "rise", "--json"])
    assert first.exit_code == 0, first.stdout
    payload = _json(first)
    assert {"scored", "skipped_already_scored", "failed", "llm_calls", "cost_usd", "scorer"} <= payload.keys()
    assert payload["scored"] == 200 and payload["scorer"] == "rules" and payload["llm_calls"] == 0
    second = _json(runner.invoke(app, ["score", "--list", "Rise Q1", "--workspace", "rise", "--json"]))
    assert second["scored"] == 0 and second["skipped_already_scored"] == 200


def test_search_lists_and_csv_export_from_the_command_line(seeded_store, tmp_path):
    found = _json(runner.invoke(app, ["search", "director", "-w", "rise", "--seniority", "Director", "--json",
                                      "--page-size", "5"]))
    assert found["total"] > 0 and len(found["results"]) == 5 and "icp_score" in found["results"][0]
    created = _json(runner.invoke(app, ["lists", "create", "Directors", "-w", "rise", "--json"]))
    assert created["created"] and created["id"] == "rise.directors"
    again = _json(runner.invoke(app, ["lists", "create", "Directors", "-w", "rise", "--json"]))
    assert not again["created"] and again["id"] == created["id"]
    refused = runner.invoke(app, ["lists", "add", "Directors", "-w", "rise", "--seniority", "Director", "--json"])
    assert refused.exit_code == 1 and "--all-matching" in _json(refused)["error"]
    added = _json(runner.invoke(app, ["lists", "add", "Directors", "-w", "rise", "--seniority", "Director",
                                      "--all-matching", "--json"]))
    assert added["added"] == added["matched"] > 0
    shown = _json(runner.invoke(app, ["lists", "show", "Directors", "-w", "rise", "--json"]))
    assert shown["members"] == added["added"]
    gated = runner.invoke(app, ["export", "--list", "Directors", "-w", "rise", "--to", "csv", "--json"])
    assert gated.exit_code == 1 and "never been verified" in _json(gated)["error"]
    from outsignal_pipelines.store import connect

    with connect() as con:  # stand-in for a verification run: every member now has a status
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
        ready = con.execute("""SELECT count(*) FROM target_list_members m JOIN people p ON p.id = m.person_id
                               WHERE m.list_id = 'rise.rise-q1' AND p.email_status = 'valid'""").fetchall()[0][0]
    exported = _json(runner.invoke(app, ["export", "--list", "Rise Q1", "-w", "rise", "--to", "csv",
                                         "--out", str(tmp_path / "q1.csv"), "--json"]))
    assert exported["exported"] == ready > 0 and exported["excluded"]["blocked"] == 200 - ready
    assert (tmp_path / "q1.csv").read_text().count("\n") == ready + 1
    deleted = _json(runner.invoke(app, ["lists", "delete", "Directors", "-w", "rise", "--json"]))
    assert deleted["members"] == added["added"]


def test_review_send_for_a_list_and_a_campaign(seeded_store):
    from outsignal_pipelines.operations.review import save_step
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    assert _json(runner.invoke(app, ["review", "send", "--list", "Rise Q1", "-w", "rise", "--json"])) == {
        "status": "pending_review"}
    again = runner.invoke(app, ["review", "send", "--list", "Rise Q1", "-w", "rise", "--json"])
    assert again.exit_code == 1 and "pending_review" in _json(again)["error"]
    save_step("rise", "Q1", 1, "quick question about merch", "Hi {FIRST_NAME}, quick one. Open to a chat?")
    assert _json(runner.invoke(app, ["review", "send", "--campaign", "Q1", "-w", "rise", "--json"])) == {"status": "review"}


def test_chat_json(seeded_store):
    payload = _json(runner.invoke(app, ["chat", "find CTOs in fintech", "-w", "rise", "--json"]))
    assert {"reply", "tool_calls", "agent_run_id"} <= payload.keys()
    assert payload["tool_calls"][0]["tool"] == "search_people"


def test_review_approve_records_a_decision_received_elsewhere(seeded_store):
    from outsignal_pipelines.operations.review import approvals
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    runner.invoke(app, ["review", "send", "--list", "Rise Q1", "-w", "rise"])
    result = _json(runner.invoke(app, ["review", "approve", "--list", "Rise Q1", "-w", "rise", "--by",
                                       "client@rise.example", "--feedback", "by phone", "--json"]))
    assert result["status"] == "approved" and len(result["notifications"]) == 2
    assert approvals("rise")[0]["channel"] == "admin"


def test_deploy_request_then_wait(seeded_store, sandbox):
    from outsignal_pipelines.operations.review import send_list_to_review, set_list_status
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    queued = _json(runner.invoke(app, ["deploy", "--list", "Rise Q1", "-w", "rise", "--json"]))
    assert queued["status"] == "pending" and queued["path"] == "leads_only"
    done = _json(runner.invoke(app, ["deploy", "--list", "Rise Q1", "-w", "rise", "--wait", "--json"]))
    assert done["id"] == queued["id"] and done["status"] == "complete" and done["lead_count"] > 0
    assert set(done) == {"id", "status", "path", "lead_count", "step_count", "emailbison_campaign_id", "error"}
