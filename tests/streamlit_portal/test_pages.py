"""The admin pages render against a real store: counts, chart, search and empty states."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_portal" / "streamlit_app.py")


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def test_home_shows_real_per_workspace_counts_and_a_chart(seeded_store):
    at = _app().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Workspaces"] == "6"
    from outsignal_pipelines.store import query_df

    expected = int(query_df("SELECT sum(people) AS n FROM workspace_stats")["n"][0])
    assert metrics["People (across workspaces)"] == f"{expected:,}"
    assert at.get("vega_lite_chart"), "the coverage chart is missing"
    assert len(at.dataframe) == 1


def test_home_on_an_empty_store_explains_what_to_do(store):
    at = _app().run()
    assert not at.exception
    assert "No workspaces yet" in at.info[0].value


def test_people_page_searches_the_lead_search_model(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_people.py").run()
    assert not at.exception
    assert at.caption[0].value == "3,000 people match"
    at.text_input(key="people_text").input("cto").run()
    narrowed = int(at.caption[0].value.split()[0].replace(",", ""))
    assert 0 < narrowed < 3000
    at.text_input(key="people_text").input("Robert'); DROP TABLE people;--").run()
    assert not at.exception and "No people match" in at.info[0].value
    at.text_input(key="people_text").input("").run()
    assert at.caption[0].value == "3,000 people match"  # the injection string dropped nothing


def test_spend_page_shows_an_empty_state_then_the_spend(seeded_store, sandbox):
    at = _app().run()
    at.switch_page("app_pages/admin_spend.py").run()
    assert not at.exception and "No provider calls yet" in at.info[0].value
    from outsignal_pipelines.operations.enrichment import enrich_list

    report = enrich_list("rise", "Rise Q1", steps=("people",))
    at.run()
    assert not at.exception
    assert at.metric[0].value == f"${report.cost_usd:,.2f}"
    assert at.get("vega_lite_chart")


def test_lists_page_shows_coverage_per_list(seeded_store):
    at = _app().run()
    at.switch_page("app_pages/admin_lists.py").run()
    assert not at.exception
    assert any("Rise Q1" in m.value for m in at.markdown)
    assert len(at.get("vega_lite_chart")) == 3
