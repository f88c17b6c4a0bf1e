"""The arithmetic behind the calibration and the provider table, checked against values computed by
hand or published: a wrong interval or a flipped test statistic would mislead every suggestion."""

from __future__ import annotations

import pytest

from outsignal_pipelines.domain.outcome_stats import (
    FactorOutcome,
    FinderQuality,
    mann_whitney_auc,
    recommend_order,
    score_predicts,
    suggest_weights,
    two_proportion_z,
    wilson_interval,
)


@pytest.mark.parametrize("hits, n, low, high", [
    (5, 10, 0.2366, 0.7634),     # the textbook case: symmetric around 50%
    (0, 10, 0.0, 0.2775),        # zero successes still leave a real upper bound (not "0% ± 0%")
    (10, 10, 0.7225, 1.0),       # and all successes a real lower bound
    (1, 20, 0.0089, 0.2361),     # a small rate: the interval is skewed upwards
    (30, 300, 0.0709, 0.1392),   # 10% of 300: (0.1 + 0.0064) / 1.0128 ± 0.0341
])
def test_wilson_interval_matches_known_values(hits, n, low, high):
    got = wilson_interval(hits, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_of_nothing_is_everything_and_refuses_nonsense():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_mann_whitney_auc_by_hand():
    # Repliers 3 and 5 against non-repliers 1, 2 and 4: pairs won 3+2 of 6 → AUC 5/6.
    auc, z = mann_whitney_auc([3, 5], [1, 2, 4])
    assert auc == pytest.approx(5 / 6) and z > 0
    # A tie counts half: 2 against 2 → 0.5, no direction.
    assert mann_whitney_auc([2], [2]) == (0.5, 0.0)
    assert mann_whitney_auc([1, 2], [3, 4])[0] == 0.0


def test_score_predicts_says_not_enough_data_below_the_minimum():
    verdict = score_predicts([90, 80, 70], [10, 20, 30, 40])
    assert verdict.state == "not_enough_data" and verdict.verdict.startswith("Not enough data yet")
    assert verdict.auc is None


def test_score_predicts_finds_a_planted_relation_and_a_reversed_one():
    replied = [60 + i % 40 for i in range(30)]
    silent = [i % 70 for i in range(200)]
    assert score_predicts(replied, silent).state == "predicts"
    assert score_predicts(silent[:30], replied * 5).state == "reversed"
    same = [i % 100 for i in range(300)]
    assert score_predicts(same[::10], same).state == "no_relation"   # repliers spread like everyone


def test_two_proportion_z_by_hand():
    # 30/100 vs 10/100: pooled 0.2, se = sqrt(0.2*0.8*0.02) = 0.05657 → z = 0.2 / 0.05657 = 3.536
    assert two_proportion_z(30, 100, 10, 100) == pytest.approx(3.5355, abs=1e-3)
    assert two_proportion_z(0, 0, 1, 10) == 0.0


def test_suggest_weights_raises_a_predictive_factor_lowers_a_flat_one_and_waits_for_data():
    advice = {a.factor: a for a in suggest_weights([
        FactorOutcome("seniority", 30, 100, 30, 100, 10),   # 30% vs 10%: predicts → 45
        FactorOutcome("vertical", 20, 100, 12, 100, 11),    # no difference → 10
        FactorOutcome("country", 15, 100, 2, 100, 20),      # matching leads reply less → off
        FactorOutcome("title", 20, 10, 5, 100, 10),         # 10 matching sends: not enough
    ])}
    assert (advice["seniority"].state, advice["seniority"].suggested) == ("raise", 45)
    assert (advice["vertical"].state, advice["vertical"].suggested) == ("lower", 10)
    assert (advice["country"].state, advice["country"].suggested) == ("turn_off", 0)
    assert (advice["title"].state, advice["title"].suggested) == ("not_enough_data", 20)
    assert not advice["title"].changes and "not enough data" in advice["title"].reason


def test_recommend_order_ranks_by_cost_per_delivered_and_keeps_thin_finders_in_place():
    quality = [
        FinderQuality("aiark", sent=100, delivered=70, cost_usd=0.35),      # $0.0050 per delivered
        FinderQuality("prospeo", sent=100, delivered=95, cost_usd=0.19),    # $0.0020
        FinderQuality("findymail", sent=100, delivered=90, cost_usd=0.09),  # $0.0010
        FinderQuality("leadmagic", sent=5, delivered=5, cost_usd=0.001),    # too little data
    ]
    advice = recommend_order(["aiark", "leadmagic", "prospeo", "findymail"], quality)
    assert advice.recommended == ["findymail", "leadmagic", "prospeo", "aiark"]
    assert advice.kept == ["leadmagic"] and "lack of data: leadmagic" in advice.reason and advice.changes


def test_recommend_order_puts_a_finder_whose_every_email_bounced_last_and_needs_two_to_rank():
    advice = recommend_order(["a", "b"], [FinderQuality("a", 50, 0, 0.05), FinderQuality("b", 50, 40, 0.4)])
    assert advice.recommended == ["b", "a"] and "every email bounced" in advice.reason
    alone = recommend_order(["a", "b"], [FinderQuality("a", 50, 40, 0.05)])
    assert alone.recommended == ["a", "b"] and not alone.changes and alone.reason.startswith("Not enough data")
