"""`search` and `lists` from the command line, through to a gated CSV export."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner


def test_search_lists_and_csv_export_from_the_command_line(seeded_store, tmp_path):
    found = one_json(runner.invoke(app, ["search", "director", "-w", "rise", "--seniority", "Director", "--json",
                                          "--page-size", "5"]))
    assert found["total"] > 0 and len(found["results"]) == 5 and "icp_score" in found["results"][0]
    created = one_json(runner.invoke(app, ["lists", "create", "Directors", "-w", "rise", "--json"]))
    assert created["created"] and created["id"] == "rise.directors"
    again = one_json(runner.invoke(app, ["lists", "create", "Directors", "-w", "rise", "--json"]))
    assert not again["created"] and again["id"] == created["id"]
    refused = runner.invoke(app, ["lists", "add", "Directors", "-w", "rise", "--seniority", "Director", "--json"])
    assert refused.exit_code == 1 and "--all-matching" in one_json(refused)["error"]
    added = one_json(runner.invoke(app, ["lists", "add", "Directors", "-w", "rise", "--seniority", "Director",
                                          "--all-matching", "--json"]))
    assert added["added"] == added["matched"] > 0
    shown = one_json(runner.invoke(app, ["lists", "show", "Directors", "-w", "rise", "--json"]))
    assert shown["members"] == added["added"]
    gated = runner.invoke(app, ["export", "--list", "Directors", "-w", "rise", "--to", "csv", "--json"])
    assert gated.exit_code == 1 and "never been verified" in one_json(gated)["error"]
    from outsignal_pipelines.store import connect

    with connect() as con:  # stand-in for a verification run: every member now has a status
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
        ready = con.execute("""SELECT count(*) FROM target_list_members m JOIN people p ON p.id = m.person_id
                               WHERE m.list_id = 'rise.rise-q1' AND p.email_status = 'valid'""").fetchall()[0][0]
    exported = one_json(runner.invoke(app, ["export", "--list", "Rise Q1", "-w", "rise", "--to", "csv",
                                             "--out", str(tmp_path / "q1.csv"), "--json"]))
    assert exported["exported"] == ready > 0 and exported["excluded"]["blocked"] == 200 - ready
    assert (tmp_path / "q1.csv").read_text().count("\n") == ready + 1
    deleted = one_json(runner.invoke(app, ["lists", "delete", "Directors", "-w", "rise", "--json"]))
    assert deleted["members"] == added["added"]
