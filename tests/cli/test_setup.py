"""`init`, `seed-demo`, `import` and `workspace`: the --json contract, errors included, and the human summary."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner


def test_init_then_seed_then_import_withone_json(db_path, messy_csv):
    init = one_json(runner.invoke(app, ["init", "--json"]))
    assert init["schema_version"] >= 1 and "lead_search" in init["models_built"]

    seeded = runner.invoke(app, ["seed-demo", "--people", "800", "--seed", "5", "--json"])
    assert seeded.exit_code == 0
    assert one_json(seeded)["people"] == 800

    imported = runner.invoke(app, ["import", str(messy_csv), "--workspace", "rise", "--list", "Messy", "--json"])
    assert imported.exit_code == 0
    payload = one_json(imported)
    assert {"inserted", "updated", "unchanged", "rejected", "rejects_file"} <= payload.keys()
    assert payload["inserted"] == 12 and payload["rejected"] == 4

    listing = one_json(runner.invoke(app, ["workspace", "list", "--json"]))
    rise = next(w for w in listing["workspaces"] if w["workspace_slug"] == "rise")
    assert rise["lists"] == 2


def test_errors_are_one_json_object_and_a_nonzero_exit(db_path, messy_csv):
    result = runner.invoke(app, ["import", str(messy_csv), "--workspace", "nope", "--json"])
    assert result.exit_code == 1
    assert "unknown workspace 'nope'" in one_json(result)["error"]

    again = runner.invoke(app, ["seed-demo", "--people", "100", "--json"])
    refused = runner.invoke(app, ["seed-demo", "--people", "100", "--json"])
    assert again.exit_code == 0 and refused.exit_code == 1 and "--reset" in one_json(refused)["error"]


def test_human_output_names_counts_and_the_rejects_file(db_path, messy_csv):
    runner.invoke(app, ["workspace", "add", "acme", "--name", "Acme"])
    result = runner.invoke(app, ["import", str(messy_csv), "--workspace", "acme"])
    assert result.exit_code == 0
    assert "12 inserted" in result.stdout and "4 rejected" in result.stdout and "rejects" in result.stdout
