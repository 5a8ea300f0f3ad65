"""SPEC §4 ranking, grades, groups, rank change, alerts, sensitivity and corners, worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest
from engine_cases import make_catalog, ranking, run, scores

from kaoping.scoring.engine import CATEGORY_COLUMNS, RANKING_COLUMNS, SCORE_COLUMNS


def points_catalog(**head):
    """I1 and I2 are 'given' scores: threshold with target = points, so the value is the score."""
    return make_catalog({"C1": [{"code": "I1", "method": "threshold", "direction": "higher_better",
                                 "points": 60, "target": 60}],
                         "C2": [{"code": "I2", "method": "threshold", "direction": "higher_better",
                                 "points": 40, "target": 40}]}, **head)


def given(totals: dict[str, tuple[float, float]]) -> dict:
    return {k: v for u, (a, b) in totals.items() for k, v in (((u, "I1"), a), ((u, "I2"), b))}


def test_ranks_on_totals_rounded_half_up_with_ties_listed_by_code():
    # totals 89.125 → 89.13 (ties with 89.13), 89.124 → 89.12, 50.
    result = run(points_catalog(), given({"D": (49.125, 40), "B": (49.13, 40), "A": (49.124, 40), "C": (50, 0)}))
    assert ranking(result, "rank") == [("B", 1), ("D", 1), ("A", 3), ("C", 4)]


def test_tie_breakers_in_order_then_shared_rank():
    cat = points_catalog(tie_breakers=["C2", "I1"])
    # all total 80: C2 decides B (40) > A, C, D (30); among those I1 (= C1) is 50 for all → shared rank 2
    result = run(cat, given({"A": (50, 30), "B": (40, 40), "C": (50, 30), "D": (50, 30.001)}))
    assert ranking(result, "rank") == [("B", 1), ("A", 2), ("C", 2), ("D", 2)]


def test_tie_breakers_compare_scores_rounded_to_two_decimals():
    cat = points_catalog(tie_breakers=["I2"])
    # equal totals 80.00; I2 30.004 vs 30.001 both round to 30.00: still tied
    result = run(cat, given({"A": (49.996, 30.004), "B": (49.999, 30.001)}))
    assert ranking(result, "rank") == [("A", 1), ("B", 1)]


GRADES = [{"name": "优秀", "min_score": 90, "max_share": 0.3}, {"name": "良好", "min_score": 80},
          {"name": "合格", "min_score": 60}, {"name": "不合格"}]


def test_grades_by_score_and_quota():
    # 10 units: quota floor(0.3·10) = 3 for 优秀. Totals 99..90 (all ≥ 90), then 85, 59.995 (→ 60.00)
    cat = points_catalog(grades=GRADES)
    totals = {"U01": 99, "U02": 98, "U03": 97, "U04": 96, "U05": 95, "U06": 94, "U07": 80, "U08": 79.995,
              "U09": 59.995, "U10": 10}
    result = run(cat, given({u: (t - 40, 40) if t >= 40 else (t, 0) for u, t in totals.items()}))
    assert ranking(result, "grade") == [("U01", "优秀"), ("U02", "优秀"), ("U03", "优秀"), ("U04", "良好"),
                                        ("U05", "良好"), ("U06", "良好"), ("U07", "良好"), ("U08", "良好"),
                                        ("U09", "合格"), ("U10", "不合格")]


def test_grade_quota_counts_ranks_so_ties_at_the_cut_all_qualify():
    # 4 units, max_share 0.5 → quota 2; ranks 1, 2, 2, 4 → three 优秀
    cat = points_catalog(grades=[{"name": "优秀", "min_score": 90, "max_share": 0.5}, {"name": "其他"}])
    result = run(cat, given({"A": (60, 40), "B": (55, 40), "C": (55, 40), "D": (51, 40)}))
    assert ranking(result, "rank", "grade") == [("A", 1, "优秀"), ("B", 2, "优秀"), ("C", 2, "优秀"),
                                                ("D", 4, "其他")]


def test_groups_rank_score_and_grade_separately():
    cat = make_catalog({"C": [{"code": "I", "method": "relative", "direction": "higher_better", "points": 100}]},
                       rank_within="group", grades=[{"name": "优秀", "max_share": 0.5}, {"name": "一般"}])
    values = {("A", "I"): 10, ("B", "I"): 20, ("C", "I"): 30, ("D", "I"): 1000, ("E", "I"): 0}
    units = [("A", "城区"), ("B", "城区"), ("C", "城区"), ("D", "郊县"), ("E", "")]
    result = run(cat, values, units=units)
    # 城区: n = 0, 0.5, 1 → 0, 50, 100; 郊县 and the ungrouped E are groups of one: n = 1 → 100.
    assert scores(result) == {"A": 0, "B": 50, "C": 100, "D": 100, "E": 100}
    # quota floor(0.5·3) = 1 in 城区; floor(0.5·1) = 0 in the groups of one
    assert ranking(result, "group", "rank", "grade") == [
        ("E", None, 1, "一般"), ("C", "城区", 1, "优秀"), ("B", "城区", 2, "一般"), ("A", "城区", 3, "一般"),
        ("D", "郊县", 1, "一般")]


def test_rank_change_and_alerts():
    cat = points_catalog(grades=GRADES, alerts={"last_place_streak": 3, "grade_drop": True})
    values = given({"A": (60, 40), "B": (45, 40), "C": (10, 10), "D": (10, 10)})
    previous = [("2024Q4", "A", None, 2, "良好"), ("2024Q4", "B", None, 1, "优秀"), ("2024Q4", "C", None, 3, "不合格"),
                ("2024Q4", "D", None, 3, "不合格"), ("2024Q3", "C", None, 2, "不合格"), ("2024Q3", "D", None, 2, "合格"),
                ("2024Q3", "A", None, 1, "优秀"), ("2024Q2", "X", None, 1, "优秀")]
    result = run(cat, values, previous=previous)
    # C and D tie last (3) now and in 2024Q4; in 2024Q3 both were last (rank 2 of 3 ranked) → streak 3.
    # B: 85 良好, was 优秀 → 等次下降. A: 2 − 1 = +1.
    assert ranking(result, "rank", "grade", "rank_change", "alerts") == [
        ("A", 1, "优秀", 1, ""), ("B", 2, "良好", -1, "等次下降"),
        ("C", 3, "不合格", 0, "连续末位"), ("D", 3, "不合格", 0, "连续末位")]


def test_streak_needs_every_earlier_period():
    cat = points_catalog(alerts={"last_place_streak": 2})
    values = given({"A": (60, 40), "B": (0, 0), "C": (10, 0)})
    # B was last in 2024Q3 but 2024Q4 has no ranking: no streak; C had no row in 2024Q4
    previous = [("2024Q3", "B", None, 2, "合格"), ("2024Q3", "A", None, 1, "合格")]
    assert ranking(run(cat, values, previous=previous), "rank_change", "alerts") == [
        ("A", None, ""), ("C", None, ""), ("B", None, "")]


def test_sensitivity_width_zero_collapses_and_draws_are_seeded():
    cat = points_catalog()
    values = given({"A": (60, 0), "B": (0, 40), "C": (30, 20), "D": (30, 20)})
    flat = run(cat, values, sensitivity=True, width=0.0, draws=20)
    assert ranking(flat, "rank", "median_rank", "rank_p05", "rank_p95") == [
        ("A", 1, 1.0, 1.0, 1.0), ("C", 2, 2.0, 2.0, 2.0), ("D", 2, 2.0, 2.0, 2.0), ("B", 4, 4.0, 4.0, 4.0)]
    # width 0.5: C1's factor above C2's puts A (all C1) above C, D (50) above B (all C2), and vice versa
    wide = run(cat, values, sensitivity=True, width=0.5, draws=400, seed=7)
    again = run(cat, values, sensitivity=True, width=0.5, draws=400, seed=7)
    assert wide.sensitivity.equals(again.sensitivity)
    spread = wide.sensitivity.set_index("unit_code")
    assert spread.loc["A", "rank_p05"] == 1 and spread.loc["A", "rank_p95"] == 4
    assert spread.loc["C", "rank_p05"] == 2 and spread.loc["C", "rank_p95"] == 2
    assert run(cat, values).sensitivity is None and run(cat, values).rankings["median_rank"].isna().all()


def test_unit_without_any_value_is_ranked_last_with_missing_flags():
    result = run(points_catalog(), given({"A": (30, 20)}), units=["A", "Z"])
    assert ranking(result, "total", "rank") == [("A", 50.0, 1), ("Z", 0.0, 2)]
    assert set(result.scores.loc[result.scores["unit_code"] == "Z", "flags"]) == {"缺报"}


def test_no_units_gives_empty_tables_with_the_warehouse_columns():
    result = run(points_catalog(), given({"A": (30, 20)}), units=[], sensitivity=True, draws=5)
    assert result.rankings.empty and result.scores.empty and result.category_scores.empty
    assert list(result.rankings.columns) == RANKING_COLUMNS
    assert list(result.scores.columns) == SCORE_COLUMNS
    assert list(result.category_scores.columns) == CATEGORY_COLUMNS


def test_units_of_another_kind_or_unknown_codes_are_ignored():
    cat = points_catalog()
    result = run(cat, {**given({"A": (10, 10), "T": (60, 40)}), ("A", "NOPE"): 1}, units=["A"])
    assert ranking(result, "total") == [("A", 20.0)]
    assert np.array_equal(result.scores["unit_code"].unique(), ["A"])


def test_a_ranking_where_everyone_is_first_has_no_last_place():
    cat = make_catalog({"C": [{"code": "I", "method": "deduction", "points": 100, "per": 1}]},
                       rank_within="group", alerts={"last_place_streak": 2})
    previous = [("2024Q4", "A", "甲", 1, "合格"), ("2024Q4", "B", "乙", 1, "合格"), ("2024Q4", "C", "乙", 1, "合格")]
    result = run(cat, {("A", "I"): 0, ("B", "I"): 5, ("C", "I"): 5}, units=[("A", "甲"), ("B", "乙"), ("C", "乙")],
                 previous=previous)
    assert ranking(result, "group", "rank", "alerts") == [("B", "乙", 1, ""), ("C", "乙", 1, ""), ("A", "甲", 1, "")]
