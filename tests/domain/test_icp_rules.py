"""The rule scorer must explain itself, respect exclusions, and score the same person differently
for two workspaces whose ICPs differ."""

from __future__ import annotations

import polars as pl
import pytest
from pydantic import ValidationError

from outsignal_pipelines.domain.icp_rules import IcpRules, band, score_frame

RULES = IcpRules(seniorities=["C-Suite", "VP"], title_keywords=["marketing", "cto"], verticals=["B2B SaaS"],
                 headcount_min=50, headcount_max=500, countries=["United Kingdom"],
                 exclude_title_keywords=["intern"], exclude_domains=["competitor.io"])


def frame(**columns) -> pl.DataFrame:
    base = {"person_id": [1], "job_title": ["CTO"], "seniority": ["C-Suite"], "vertical": ["B2B SaaS"],
            "headcount": [100], "country": ["GB"], "company_domain": ["acme.io"]}
    base.update({k: [v] for k, v in columns.items()})
    return pl.DataFrame(base, schema_overrides={"headcount": pl.Int64})


def one(rules: IcpRules = RULES, **columns) -> dict:
    return score_frame(frame(**columns), rules).to_dicts()[0]


def test_a_perfect_fit_scores_100_with_every_reason():
    row = one()
    assert row["score"] == 100 and row["confidence"] == "high"
    for reason in ("C-Suite is a target seniority", "title mentions 'cto'", "B2B SaaS is a target vertical",
                   "100 staff is within 50–500", "GB is a target country"):
        assert reason in row["reasoning"]


@pytest.mark.parametrize("change, lost", [
    ({"seniority": "IC", "job_title": "Engineer"}, 50), ({"vertical": "Manufacturing"}, 20),
    ({"headcount": 5000}, 15), ({"country": "DE"}, 15),
])
def test_each_factor_costs_its_weight(change, lost):
    assert one(**change)["score"] == 100 - lost


def test_missing_data_earns_partial_credit_and_lowers_confidence():
    row = one(vertical=None, headcount=None, country=None)
    assert row["score"] == round(50 + 0.4 * 50) and row["confidence"] == "low"
    assert "vertical unknown" in row["reasoning"]


@pytest.mark.parametrize("change, why", [({"job_title": "Marketing Intern"}, "title mentions 'intern'"),
                                         ({"company_domain": "competitor.io"}, "competitor.io")])
def test_exclusions_score_zero_and_say_why(change, why):
    row = one(**change)
    assert row["score"] == 0 and why in row["reasoning"] and row["reasoning"].startswith("excluded")


def test_unconfigured_factors_drop_out_and_empty_rules_say_so():
    only_seniority = IcpRules(seniorities=["C-Suite"])
    assert one(only_seniority, vertical="Manufacturing", country="DE")["score"] == 100
    empty = one(IcpRules())
    assert empty["score"] == 50 and "no ICP rules" in empty["reasoning"] and empty["confidence"] == "low"


def test_the_same_person_scores_differently_for_two_workspaces():
    person = frame(job_title="HR Director", seniority="Director", vertical="Logistics & Supply Chain",
                   headcount=120, country="GB")
    recruiter = IcpRules(seniorities=["Director"], title_keywords=["hr"], verticals=["Logistics & Supply Chain"],
                         headcount_min=20, headcount_max=500, countries=["GB"])
    assert score_frame(person, recruiter)["score"][0] == 100
    assert score_frame(person, RULES)["score"][0] < 40


def test_keywords_match_whole_words_only():
    assert "cto" not in one(job_title="Sales Director", seniority="Director")["reasoning"].split("'")[1:2]
    assert one(IcpRules(title_keywords=["cto"]), job_title="Sales Director")["score"] == 0
    assert one(IcpRules(title_keywords=["cto"]), job_title="Founder/CTO")["score"] == 100


def test_keywords_with_regex_characters_are_literal():
    rules = IcpRules(title_keywords=["c++", "r&d (lab)"])
    assert one(rules, job_title="Head of R&D (Lab)")["score"] == 100
    assert one(rules, job_title="C developer")["score"] == 0


@pytest.mark.parametrize("bad", [{"seniorities": ["Boss"]}, {"verticals": ["Fintech"]}, {"countries": ["Narnia"]},
                                 {"headcount_min": 500, "headcount_max": 50}, {"headcount_min": -1}])
def test_invalid_rules_are_refused(bad):
    with pytest.raises(ValidationError):
        IcpRules.model_validate(bad)


@pytest.mark.parametrize("score, expected", [(100, "green"), (70, "green"), (69, "amber"), (40, "amber"),
                                             (39, "grey"), (0, "grey"), (None, "unscored")])
def test_bands(score, expected):
    assert band(score) == expected


def test_a_workspace_weight_changes_a_factors_points_and_zero_turns_it_off():
    # Default: seniority 30 of 50 (seniority + vertical). With seniority 45: a seniority-only match is 45/65.
    rules = IcpRules(seniorities=["C-Suite"], verticals=["B2B SaaS"])
    assert one(rules, vertical="Manufacturing")["score"] == 60
    heavier = IcpRules(seniorities=["C-Suite"], verticals=["B2B SaaS"], weights={"seniority": 45})
    assert one(heavier, vertical="Manufacturing")["score"] == round(45 / 65 * 100)
    off = IcpRules(seniorities=["C-Suite"], verticals=["B2B SaaS"], weights={"vertical": 0})
    assert one(off, vertical="Manufacturing")["score"] == 100 and "vertical" not in one(off)["reasoning"]


@pytest.mark.parametrize("weights", [{"colour": 10}, {"seniority": -1}, {"seniority": 101}])
def test_weights_name_known_factors_within_0_and_100(weights):
    with pytest.raises(ValidationError):
        IcpRules(seniorities=["C-Suite"], weights=weights)


def test_factor_matches_says_match_miss_or_unknown_per_configured_factor():
    people = pl.DataFrame({"person_id": [1, 2, 3], "seniority": ["VP", "IC", None],
                           "vertical": ["B2B SaaS", None, "Manufacturing"]})
    from outsignal_pipelines.domain.icp_rules import factor_matches

    got = factor_matches(people, IcpRules(seniorities=["VP"], verticals=["B2B SaaS"]))
    assert got.columns == ["person_id", "seniority", "vertical"]
    assert got["seniority"].to_list() == [True, False, None] and got["vertical"].to_list() == [True, None, False]
