"""Scoring a list: rule scorer by default, LLM scorer when configured, and never a second score (or
a second paid call of any kind) for someone already scored for the workspace."""

from __future__ import annotations

import json

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.scoring import score_list, update_icp, workspace_icp
from outsignal_pipelines.store import connect, query_df

GOOD = json.dumps({"score": 64, "reasoning": "Director at a UK firm; vertical fits.", "confidence": "medium"})


def _mock_completion(answers: list[str]):
    import litellm

    calls = []

    async def completion(**kwargs):
        calls.append(kwargs)
        return await litellm.acompletion(**kwargs, mock_response=answers[(len(calls) - 1) % len(answers)])

    completion.calls = calls
    return completion


def test_rule_scoring_rise_q1_then_nothing_on_the_second_run(seeded_store, sandbox):
    first = score_list("rise", "Rise Q1")
    assert first.scorer == "rules" and first.scored == 200 and first.skipped_already_scored == 0
    assert sum(first.distribution.values()) == 200 and first.distribution["unscored"] == 0
    usage = sandbox.usage()
    second = score_list("rise", "Rise Q1")
    assert second.scored == 0 and second.skipped_already_scored == 200 and second.llm_calls == 0
    assert sandbox.usage() == usage  # no enrichment API was called either
    rows = query_df("SELECT scorer, count(*) AS n FROM icp_scores GROUP BY 1").to_dicts()
    assert rows == [{"scorer": "rules", "n": 200}]


def test_llm_scoring_stores_valid_verdicts_and_records_cost(seeded_store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")
    completion = _mock_completion([GOOD])
    report = score_list("yoopknows", "YoopKnows Practices", completion=completion)
    assert report.scorer == "llm:openai/gpt-4o-mini" and report.scored == 80 and report.failed == 0
    assert report.llm_calls == 80 and report.cost_usd > 0
    stored = query_df("SELECT score, scorer, reasoning FROM icp_scores").to_dicts()
    assert {r["score"] for r in stored} == {64} and stored[0]["scorer"].startswith("llm:")
    logged = query_df("SELECT sum(cost_usd) AS c, count(*) AS n FROM enrichment_log WHERE provider LIKE 'llm:%'")
    assert logged["n"][0] == 80 and logged["c"][0] == pytest.approx(report.cost_usd)
    again = score_list("yoopknows", "YoopKnows Practices", completion=completion)
    assert again.llm_calls == 0 and len(completion.calls) == 80


def test_llm_failures_are_counted_and_never_stored(seeded_store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_LLM_MODEL", "openai/gpt-4o-mini")
    report = score_list("yoopknows", "YoopKnows Practices", completion=_mock_completion(["nonsense"]))
    assert report.failed == 80 and report.scored == 0 and report.llm_calls == 160
    assert query_df("SELECT count(*) AS n FROM icp_scores")["n"][0] == 0
    # failed people are not "already scored": a later run tries them again
    retry = score_list("yoopknows", "YoopKnows Practices", completion=_mock_completion([GOOD]))
    assert retry.scored == 80


def test_the_same_person_scores_differently_for_two_workspaces(seeded_store):
    with connect() as con:
        person = con.execute("SELECT person_id FROM target_list_members WHERE list_id = 'rise.rise-q1' LIMIT 1").fetchall()[0][0]
        con.execute("INSERT INTO target_lists (id, workspace_slug, name) VALUES ('myacq.x', 'myacq', 'X')")
        con.execute("INSERT INTO target_list_members VALUES ('myacq.x', ?, current_timestamp)", [person])
    score_list("rise", "Rise Q1")
    update_icp("myacq", "nobody", {"seniorities": ["Entry Level"], "countries": ["JP"]})
    score_list("myacq", "X")
    scores = dict(query_df(f"SELECT workspace_slug, score FROM icp_scores WHERE person_id = {person}").iter_rows())
    assert set(scores) == {"rise", "myacq"} and scores["rise"] != scores["myacq"]


def test_forced_rescoring_replaces_scores(seeded_store):
    score_list("rise", "Rise Q1")
    update_icp("rise", "everyone", {"seniorities": ["C-Suite", "VP", "Director"]})
    forced = score_list("rise", "Rise Q1", force=True)
    assert forced.scored == 200 and forced.distribution["green"] == 200


def test_icp_updates_are_validated(seeded_store):
    with pytest.raises(OperationError, match="seniorities"):
        update_icp("rise", "x", {"seniorities": ["Boss"]})
    with pytest.raises(OperationError, match="unknown workspace"):
        update_icp("nope", "x", {})
    rules = update_icp("rise", "  UK SaaS  ", {"countries": ["United Kingdom"], "title_keywords": [" CTO "]})
    assert rules.countries == ["GB"] and rules.title_keywords == ["cto"]
    assert workspace_icp("rise")[0] == "UK SaaS"


def test_llm_scorer_without_a_model_is_refused_clearly(seeded_store):
    with pytest.raises(OperationError, match="OUTSIGNAL_LLM_MODEL"):
        score_list("rise", "Rise Q1", scorer="llm")


def _score_in_child(db: str, barrier, results) -> None:
    import asyncio
    import os

    os.environ.update(OUTSIGNAL_DB=db, OUTSIGNAL_LLM_MODEL="openai/gpt-4o-mini", LITELLM_LOCAL_MODEL_COST_MAP="True")
    import litellm

    from outsignal_pipelines.operations.scoring import score_list as score

    async def completion(**kwargs):
        await asyncio.sleep(0.1)  # a model's latency, so the two runs overlap
        return await litellm.acompletion(**kwargs, mock_response=GOOD)

    barrier.wait()
    report = score("yoopknows", "YoopKnows Practices", completion=completion)
    results.put({"llm_calls": report.llm_calls, "reused_in_flight": report.reused_in_flight,
                 "scored": report.scored})


@pytest.mark.slow
def test_two_llm_scorers_at_once_pay_for_each_person_once(seeded_store):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_score_in_child, args=(str(seeded_store), barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    reports = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert sum(r["llm_calls"] for r in reports) == 80  # one paid question per member, across both runs
    assert sum(r["reused_in_flight"] for r in reports) > 0
    logged = query_df("SELECT count(*) AS n, count(DISTINCT entity_id) AS people FROM enrichment_log "
                      "WHERE provider LIKE 'llm:%'").to_dicts()[0]
    assert logged == {"n": 80, "people": 80}
    assert query_df("SELECT count(*) AS n FROM icp_scores")["n"][0] == 80
