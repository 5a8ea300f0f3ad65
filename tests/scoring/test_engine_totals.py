"""SPEC §4 derived values, bonus, penalties, vetoes and totals: given → expected, worked out by hand."""
from __future__ import annotations

import pandas as pd
import pytest
from engine_cases import flags, make_catalog, run, scores

DEDUCT = {"method": "deduction", "per": 1}


def ratio_catalog(**scored) -> object:
    """I = X/POP·10000 (threshold: P 10 at ≤ 2 per 10,000, 0 at ≥ 12), scored lower_better."""
    return make_catalog({"C": [{"code": "I", "method": "threshold", "direction": "lower_better", "points": 10,
                                "target": 2, "ceiling": 12, "derived": {"ratio": ["X", "POP"], "scale": 10000},
                                **scored}]},
                        inputs=[{"code": "X"}, {"code": "POP"}])


@pytest.mark.parametrize("x, pop, used, score, flag", [
    (10, 20000, 5.0, 7.0, ""),        # 5 per 10,000: 10·(12−5)/10
    (0, 20000, 0.0, 10.0, ""),
    (10, 0, None, 0.0, "缺报"),        # b = 0: missing
    (None, 20000, None, 0.0, "缺报"),  # a missing: missing
])
def test_ratio(x, pop, used, score, flag):
    result = run(ratio_catalog(), {("A", "X"): x, ("A", "POP"): pop})
    row = result.scores[result.scores["indicator_code"] == "I"].iloc[0]
    assert (None if pd.isna(row["value_used"]) else row["value_used"]) == used
    assert (row["score"], row["flags"], pd.isna(row["fact_value_id"])) == (score, flag, True)


YOY = {"C": [{"code": "I", "method": "relative", "direction": "lower_better", "points": 10,
              "derived": {"yoy": "F"}}]}


@pytest.mark.parametrize("now, year_ago, expected", [
    (120, 100, 20.0), (50, 100, -50.0), (0, 100, -100.0), (100, 0, None), (None, 100, None), (100, None, None)])
def test_yoy(now, year_ago, expected):
    cat = make_catalog(YOY, inputs=[{"code": "F"}])
    history = {("2024Q1", "A", "F"): year_ago, ("2024Q4", "A", "F"): 1}  # 2024Q4 is not a year ago
    result = run(cat, {("A", "F"): now}, history=history)
    used = result.scores.loc[result.scores["indicator_code"] == "I", "value_used"].iloc[0]
    assert (None if used != used else used) == expected


def test_yoy_of_a_derived_ratio():
    cat = make_catalog({"C": [{"code": "I", "method": "rank", "direction": "lower_better", "points": 10, "step": 5,
                               "derived": {"yoy": "R"}}]},
                       inputs=[{"code": "F"}, {"code": "POP"}],
                       derived=[{"code": "R", "ratio": ["F", "POP"], "scale": 1}])
    values = {("A", "F"): 30, ("A", "POP"): 10, ("B", "F"): 10, ("B", "POP"): 10}
    history = {("2024Q1", "A", "F"): 20, ("2024Q1", "A", "POP"): 10, ("2024Q1", "B", "F"): 20,
               ("2024Q1", "B", "POP"): 5}
    # A: R 3 vs 2 → +50 %; B: R 1 vs 4 → −75 %. lower_better rank: B 1st (10), A 2nd (5)
    result = run(cat, values, history=history)
    used = dict(zip(result.scores["unit_code"], result.scores["value_used"]))
    assert used == {"A": 50.0, "B": -75.0} and scores(result) == {"A": 5, "B": 10}


def totals_catalog(**head):
    return make_catalog({"C": [{"code": "I", **DEDUCT, "points": 100}]},
                        bonus=[{"code": "B1", "per": 1, "cap": 3}, {"code": "B2", "per": 2}],
                        penalties=[{"code": "P1", "per": 0.5}, {"code": "P2", "per": 4, "cap": 6}],
                        vetoes=[{"code": "V1"}], **head)


@pytest.mark.parametrize("head, values, expected", [
    # bonus: min(3, 4) + 2·1 = 5 ≤ cap 5 → 90 + 5 = 95
    ({"bonus_cap": 5}, {"B1": 4, "B2": 1}, (90, 5, 0, 95)),
    # bonus: 3 + 2·2 = 7, capped at 5
    ({"bonus_cap": 5}, {"B1": 4, "B2": 2}, (90, 5, 0, 95)),
    # no bonus_cap: 3 + 4 = 7
    ({}, {"B1": 4, "B2": 2}, (90, 7, 0, 97)),
    # penalties: 0.5·3 + min(6, 4·1) = 5.5
    ({}, {"P1": 3, "P2": 1}, (90, 0, 5.5, 84.5)),
    # P2 capped: min(6, 4·3) = 6
    ({}, {"P2": 3}, (90, 0, 6, 84)),
])
def test_bonus_and_penalties(head, values, expected):
    result = run(totals_catalog(**head), {("A", "I"): 10, **{("A", k): v for k, v in values.items()}})
    row = result.rankings.iloc[0]
    assert (row.category_total, row.bonus, row.penalty, row.total) == pytest.approx(expected)


@pytest.mark.parametrize("allow_negative, expected", [(False, 0.0), (True, -4.0)])
def test_total_floor_at_zero_unless_negative_allowed(allow_negative, expected):
    # I: 100 − 98 = 2; penalties 0.5·12 = 6 → 2 − 6 = −4
    result = run(totals_catalog(allow_negative=allow_negative), {("A", "I"): 98, ("A", "P1"): 12})
    assert result.rankings.iloc[0].total == expected


def test_veto_forces_the_veto_grade_and_keeps_the_rank_by_score():
    cat = totals_catalog(grades=[{"name": "优秀", "min_score": 90}, {"name": "合格", "min_score": 60},
                                 {"name": "不合格"}], veto_grade="不合格")
    result = run(cat, {("A", "I"): 0, ("B", "I"): 5, ("C", "I"): 20, ("A", "V1"): 1, ("B", "V1"): 0})
    assert [(r.unit_code, r.rank, r.grade, r.is_vetoed) for r in result.rankings.itertuples()] == [
        ("A", 1, "不合格", True), ("B", 2, "优秀", False), ("C", 3, "合格", False)]
    assert flags(result, "V1") == {"A": "一票否决", "B": "", "C": ""}


def test_bonus_penalty_veto_without_value_count_as_zero_without_flag():
    result = run(totals_catalog(), {("A", "I"): 0})
    extra = result.scores[result.scores["indicator_code"] != "I"]
    assert set(extra["score"]) == {0.0} and set(extra["flags"]) == {""}
    assert not result.rankings.iloc[0].is_vetoed


def test_category_scores_and_total_add_up():
    cat = make_catalog({"C1": [{"code": "I1", **DEDUCT, "points": 30}, {"code": "I2", **DEDUCT, "points": 20}],
                        "C2": [{"code": "I3", **DEDUCT, "points": 50}]},
                       bonus=[{"code": "B1", "per": 1}])
    result = run(cat, {("A", "I1"): 1, ("A", "I2"): 2, ("A", "I3"): 3, ("A", "B1"): 2})
    cats = dict(zip(result.category_scores["category_code"], result.category_scores["score"]))
    assert cats == {"C1": 29 + 18, "C2": 47}
    assert result.rankings.iloc[0].total == 47 + 47 + 2


def test_fact_value_ids_are_carried_into_the_scores():
    from kaoping.scoring.engine import ScoreOptions, score_period

    cat = make_catalog({"C": [{"code": "I", **DEDUCT, "points": 10}]})
    values = pd.DataFrame({"unit_code": ["A"], "indicator_code": ["I"], "value": [1.0], "fact_value_id": [77]})
    units = pd.DataFrame({"code": ["A"], "kind": ["county"], "group": [""]})
    result = score_period(cat, values, units, pd.DataFrame(), pd.DataFrame(), ScoreOptions("2025Q1"))
    assert result.scores["fact_value_id"].tolist() == [77]
