"""The dbt-like runner: dependencies come from the SQL, models build into a real DuckDB file, and the
assert_*.sql checks pass on good data and fail on bad data."""

from __future__ import annotations

from pathlib import Path

import pytest

from outsignal_pipelines.operations import sql_models as sm
from outsignal_pipelines.store import connect


def test_dependencies_are_read_from_the_sql():
    models, tests = sm.load_project()
    assert {"stg_people", "stg_companies", "lead_search", "workspace_stats", "list_stats"} <= set(models)
    assert set(models["lead_search"].refs) == {"stg_people", "stg_companies"}
    assert models["stg_people"].sources == ("people",)
    order = sm.build_order(models)
    assert order.index("stg_people") < order.index("lead_search")
    # The coverage counts read people's flags only: a million people are not joined to companies for them.
    assert set(models["workspace_stats"].refs) == {"stg_people"} == set(models["list_stats"].refs)
    assert order.index("stg_people") < order.index("workspace_stats")
    assert all(t.name.startswith("assert_") for t in tests) and len(tests) >= 4


def test_models_build_and_every_assert_passes_on_demo_data(seeded_store):
    with connect() as con:
        built = sm.build_all(con)
        _, tests = sm.load_project()
        results = {t.name: sm.run_test(con, t)[0] for t in tests}
        statuses = dict(con.execute(
            "SELECT enrichment_status, count(*) FROM lead_search GROUP BY 1").fetchall())
    assert "lead_search" in built
    assert results and all(count == 0 for count in results.values()), results
    assert set(statuses) == {"full", "partial", "missing"}


def test_an_assert_fails_when_the_rule_is_broken(seeded_store):
    with connect() as con:
        sm.build_all(con)
        con.execute("INSERT INTO target_list_members (list_id, person_id) VALUES ('rise.rise-q1', 999999999)")
        test = next(t for t in sm.load_project()[1] if t.name == "assert_list_members_exist")
        failing, sample = sm.run_test(con, test)
    assert failing == 1 and sample[0]["person_id"] == "999999999"


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, sql in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    return tmp_path


def test_unknown_refs_and_cycles_are_refused_with_the_file_named(tmp_path):
    bad = _project(tmp_path / "a", {"marts/x.sql": "SELECT * FROM {{ ref('nope') }}"})
    with pytest.raises(sm.SqlModelError, match="x.sql: ref\\('nope'\\) names no model"):
        sm.load_project(bad)
    cyc = _project(tmp_path / "b", {"m/a.sql": "SELECT * FROM {{ ref('b') }}", "m/b.sql": "SELECT * FROM {{ ref('a') }}"})
    with pytest.raises(sm.SqlModelError, match="cycle"):
        sm.load_project(cyc)


def test_table_materialisation_and_switching_kinds(store, tmp_path):
    root = _project(tmp_path / "p", {"m/t.sql": "-- materialized: table\nSELECT 1 AS x UNION ALL SELECT 2"})
    with connect() as con:
        models, _ = sm.load_project(root)
        assert sm.build_model(con, models["t"]) == 2
        view = sm.SqlModel("t", root / "m/t.sql", "SELECT 3 AS x", (), (), "view")
        assert sm.build_model(con, view) is None  # a table replaced by a view of the same name
        assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 't'").fetchall() \
            == [("VIEW",)]
