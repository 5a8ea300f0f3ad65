"""SPEC §4b rule families, worked out by hand: bands, curve, direct, amounts, benchmarks, sums, by_group,
grade effects, deduction pools, category deductions, combined years."""
from __future__ import annotations

import pandas as pd
import pytest
from engine_cases import ranking, run, scores
from rules_cases import catalog_of, part_runs

from kaoping.scoring.engine import ScoreOptions, score_period

BANDS = {"code": "I", "method": "bands", "points": 4,
         "bands": [{"min": 96, "score": 4}, {"min": 90, "score": 3}, {"max": 5, "min": 0, "score": 1}, {"score": 0}]}


@pytest.mark.parametrize("v, expected", [
    (100, 4), (96, 4), (95.99, 3), (90, 3), (89.99, 0), (5, 1), (0, 1), (5.01, 0), (-0.01, 0), (None, 0)])
def test_bands_first_match_top_down(v, expected):
    result = run(catalog_of([{"code": "C", "indicators": [BANDS]}]), {("A", "I"): v})
    assert scores(result) == {"A": expected}


CURVE = {"code": "I", "method": "curve", "points": 4, "curve": [[84, 0], [90, 2.5], [96, 4]]}


@pytest.mark.parametrize("v, expected", [
    (120, 4), (96, 4), (93, 3.25), (90, 2.5), (87, 1.25), (84, 0), (10, 0)])
def test_curve_linear_between_knots_flat_beyond_both_ends(v, expected):
    # "低于96%每降1个百分点扣0.25分，低于90%每降1个百分点扣0.5分": 93 → 4 − 3·0.25; 87 → 2.5 − 3·(2.5/6)
    result = run(catalog_of([{"code": "C", "indicators": [CURVE]}]), {("A", "I"): v})
    assert scores(result)["A"] == pytest.approx(expected)


def test_curve_clamped_to_points():
    ind = {"code": "I", "method": "curve", "points": 4, "curve": [[0, -2], [10, 6]]}
    result = run(catalog_of([{"code": "C", "indicators": [ind]}]), {("A", "I"): 0, ("B", "I"): 10, ("C", "I"): 5})
    assert scores(result) == {"A": 0, "B": 4, "C": 2}


def test_direct_value_is_the_score_and_range_defaults_to_points():
    cat = catalog_of([{"code": "C", "indicators": [{"code": "I", "method": "direct", "points": 8}]}])
    assert cat.indicator("I").range == (0, 8)
    assert scores(run(cat, {("A", "I"): 7.25, ("B", "I"): None})) == {"A": 7.25, "B": 0}


def test_bonus_and_penalty_amounts_from_bands_and_curve():
    cat = catalog_of([{"code": "C", "indicators": [{"code": "I", "method": "direct", "points": 90}]}],
                     bonus_cap=5,
                     bonus=[{"code": "B1", "bands": [{"min": 3, "amount": 2}, {"min": 1, "amount": 1}, {"amount": 0}]}],
                     penalties=[{"code": "P1", "curve": [[0, -1], [4, 3]], "cap": 2}])
    result = run(cat, {("A", "I"): 80, ("A", "B1"): 5, ("A", "P1"): 2,   # bonus 2; penalty curve 1
                       ("B", "I"): 80, ("B", "B1"): 1, ("B", "P1"): 0,   # bonus 1; curve −1 floored 0
                       ("C", "I"): 80, ("C", "P1"): 4,                   # no B1 value: 0 (not the band at 0); 3 → cap 2
                       ("D", "I"): 80, ("D", "B1"): 0})
    assert ranking(result, "bonus", "penalty", "total") == [
        ("A", 2, 1, 81), ("B", 1, 0, 81), ("D", 0, 0, 80), ("C", 0, 2, 78)]


def test_weighted_sum_deduction_missing_only_when_every_term_is():
    ind = {"code": "I", "method": "deduction", "points": 5, "per": 1, "derived": {"sum": {"LATE": 0.5, "HID": 1}}}
    cat = catalog_of([{"code": "C", "indicators": [ind]}], inputs=[{"code": "LATE"}, {"code": "HID"}])
    result = run(cat, {("A", "LATE"): 2, ("A", "HID"): 1, ("B", "LATE"): 3, ("C", "LATE"): None,
                       ("C", "HID"): None})
    assert scores(result) == {"A": 3, "B": 3.5, "C": 0}
    rows = result.scores.set_index(["unit_code", "indicator_code"])
    assert rows.loc[("C", "I"), "flags"] == "缺报"


def bench(reference, as_="difference", **extra):
    """I = X vs reference, scored on a curve from −50 (0 points) to +50 (100 points)."""
    return catalog_of([{"code": "C", "indicators": [
        {"code": "I", "method": "curve", "points": 100, "curve": [[-50, 0], [50, 100]],
         "derived": {"vs": "X", "reference": reference, "as": as_}}]}], inputs=[{"code": "X"}, {"code": "T"}], **extra)


def used(result):
    rows = result.scores[result.scores["indicator_code"] == "I"]
    return {r.unit_code: (None if pd.isna(r.value_used) else round(r.value_used, 9)) for r in rows.itertuples()}


def test_benchmark_peer_mean_and_median_skip_units_without_value():
    values = {("A", "X"): 10, ("B", "X"): 20, ("C", "X"): 60, ("D", "X"): None}
    assert used(run(bench("peer_mean"), values)) == {"A": -20, "B": -10, "C": 30, "D": None}
    assert used(run(bench("peer_median"), values)) == {"A": -10, "B": 0, "C": 40, "D": None}
    assert used(run(bench("peer_mean", "percent"), values)) == {"A": -66.666666667, "B": -33.333333333,
                                                                 "C": 100, "D": None}


def test_benchmark_peers_within_group():
    cat = bench("peer_mean", rank_within="group")
    result = run(cat, {("A", "X"): 10, ("B", "X"): 30, ("C", "X"): 100}, units=[("A", "g1"), ("B", "g1"), ("C", "g2")])
    assert used(result) == {"A": -10, "B": 10, "C": 0}


def test_benchmark_no_peer_with_value_is_missing():
    assert used(run(bench("peer_mean"), {("A", "X"): None, ("B", "X"): None})) == {"A": None, "B": None}


def test_benchmark_peers_after_previous_filling():
    cat = catalog_of([{"code": "C", "indicators": [
        {"code": "I", "method": "curve", "points": 100, "curve": [[-50, 0], [50, 100]],
         "derived": {"vs": "X", "reference": "peer_mean"}}]}], inputs=[{"code": "X", "missing": "previous"}])
    result = run(cat, {("A", "X"): 10, ("B", "X"): None}, history={("2024Q4", "B", "X"): 30})
    assert used(result) == {"A": -10, "B": 10}


def test_benchmark_history_mean_over_the_years_that_have_a_value():
    values = {("A", "X"): 30, ("B", "X"): 30, ("C", "X"): 30}
    history = {("2024Q1", "A", "X"): 20, ("2023Q1", "A", "X"): 10, ("2022Q1", "A", "X"): 99,  # 2022: beyond n
               ("2024Q1", "B", "X"): 15, ("2024Q4", "B", "X"): 99,  # 2024Q4 is not the same period
               ("2024Q2", "C", "X"): 40}
    result = run(bench({"history_mean": 2}), values, history=history)
    assert used(result) == {"A": 15, "B": 15, "C": None}
    assert used(run(bench({"history_mean": 2}, "percent"), values, history=history))["A"] == 100


def test_benchmark_against_an_input_and_percent_of_zero():
    values = {("A", "X"): 90, ("A", "T"): 100, ("B", "X"): 90, ("B", "T"): 0, ("C", "X"): 90}
    assert used(run(bench({"input": "T"}), values)) == {"A": -10, "B": 90, "C": None}
    assert used(run(bench({"input": "T"}, "percent"), values)) == {"A": -10, "B": None, "C": None}


def test_by_group_parameters_for_units_of_that_group():
    ind = {"code": "I", "method": "threshold", "direction": "higher_better", "points": 10, "target": 100, "floor": 80,
           "by_group": {"县域": {"target": 90}}}
    cat = catalog_of([{"code": "C", "indicators": [ind]}], groups={"城区", "县域"})
    result = run(cat, {("A", "I"): 90, ("B", "I"): 90, ("C", "I"): 85}, units=[("A", "城区"), ("B", "县域"), ("C", "县域")])
    assert scores(result) == {"A": 5, "B": 10, "C": 5}


def test_by_group_bands_and_penalty_per():
    ind = dict(BANDS, by_group={"g": {"bands": [{"min": 50, "score": 4}, {"score": 2}]}})
    cat = catalog_of([{"code": "C", "indicators": [ind]}], groups={"g"},
                     penalties=[{"code": "P", "per": 1, "by_group": {"g": {"per": 2}}}])
    result = run(cat, {("A", "I"): 60, ("B", "I"): 60, ("A", "P"): 1, ("B", "P"): 1}, units=[("A", ""), ("B", "g")])
    assert scores(result) == {"A": 0, "B": 4}
    assert ranking(result, "penalty") == [("B", 2), ("A", 1)]


def effects_catalog(**extra):
    return catalog_of([{"code": "C", "indicators": [{"code": "I", "method": "direct", "points": 100}]}],
                      vetoes=[{"code": "V1"}, {"code": "V2", "effect": {"max_grade": "良好"}},
                              {"code": "V3", "effect": {"demote": 1}}, {"code": "V4", "effect": {"demote": 2}}],
                      **extra)


def test_grade_cap_and_demotion_on_one_unit():
    values = {("A", "I"): 95, ("A", "V2"): 1, ("A", "V3"): 3,   # 优秀 → cap 良好 → demote 1 (once, value 3) → 合格
              ("B", "I"): 95, ("B", "V3"): 1, ("B", "V4"): 1,   # 优秀 → demote 3 → 不合格
              ("C", "I"): 70, ("C", "V2"): 1,                   # 合格 is already below the cap
              ("D", "I"): 99, ("D", "V1"): 1,                   # veto → 不合格, is_vetoed
              ("E", "I"): 50, ("E", "V4"): 1}                   # 不合格 cannot go lower
    result = run(effects_catalog(), values)
    assert ranking(result, "rank", "grade", "is_vetoed") == [
        ("D", 1, "不合格", True), ("A", 2, "合格", False), ("B", 2, "不合格", False), ("C", 4, "合格", False),
        ("E", 5, "不合格", False)]
    flags = result.scores.set_index(["unit_code", "indicator_code"])["flags"]
    assert (flags[("A", "V2")], flags[("A", "V3")], flags[("D", "V1")]) == ("限制等次", "降低等次", "一票否决")


def test_capped_unit_keeps_its_place_in_the_quota():
    grades = [{"name": "优秀", "min_score": 90, "max_share": 0.5}, {"name": "良好", "min_score": 80}, {"name": "合格"}]
    result = run(effects_catalog(grades=grades), {("A", "I"): 99, ("A", "V2"): 1, ("B", "I"): 98, ("C", "I"): 97,
                                                  ("D", "I"): 96})
    # quota floor(0.5·4) = 2: A (capped) takes rank 1 of it, so only B is 优秀; C is over quota
    assert ranking(result, "rank", "grade") == [("A", 1, "良好"), ("B", 2, "优秀"), ("C", 3, "良好"), ("D", 4, "良好")]


def pool_catalog():
    return catalog_of([{"code": "C", "indicators": [{"code": "I", "method": "direct", "points": 100}]}],
                      penalties=[{"code": "P1", "per": 1, "cap": 4}, {"code": "P2", "per": 2}, {"code": "P3", "per": 1}],
                      penalty_groups=[{"code": "PG", "name": "平安三率", "members": ["P1", "P2"], "cap": 5}])


def test_pool_at_its_cap_members_capped_first():
    result = run(pool_catalog(), {("A", "I"): 80, ("A", "P1"): 10, ("A", "P2"): 0, ("A", "P3"): 1,  # min(5, 4)+1
                                  ("B", "I"): 80, ("B", "P1"): 3, ("B", "P2"): 2, ("B", "P3"): 0,   # min(5, 7)
                                  ("C", "I"): 80, ("C", "P1"): 1, ("C", "P2"): 1})                 # 3
    assert ranking(result, "penalty", "total") == [("C", 3, 77), ("A", 5, 75), ("B", 5, 75)]
    parts = result.scores.set_index(["unit_code", "indicator_code"])["score"]
    assert (parts[("A", "P1")], parts[("B", "P2")]) == (4, 4)


def test_category_deductions_capped_and_floored_at_zero():
    cat = catalog_of([{"code": "C1", "indicators": [{"code": "I1", "method": "direct", "points": 10}],
                       "deductions": [{"code": "D1", "per": 0.5}, {"code": "D2", "per": 2}], "deduction_cap": 3},
                      {"code": "C2", "indicators": [{"code": "I2", "method": "direct", "points": 10}],
                       "deductions": [{"code": "D3", "per": 4}]}])
    result = run(cat, {("A", "I1"): 10, ("A", "D1"): 1, ("A", "D2"): 5, ("A", "I2"): 6, ("A", "D3"): 1,  # 10−3, 6−4
                       ("B", "I1"): 2, ("B", "D1"): 2, ("B", "I2"): 3, ("B", "D3"): 1})  # 2−1; max(0, 3−4)
    cats = result.category_scores.set_index(["unit_code", "category_code"])["score"]
    assert (cats[("A", "C1")], cats[("A", "C2")], cats[("B", "C1")], cats[("B", "C2")]) == (7, 2, 1, 0)
    assert ranking(result, "total", "penalty") == [("A", 9, 0), ("B", 1, 0)]


def test_category_deductions_under_exclude_are_rescaled():
    cat = catalog_of([{"code": "C1", "indicators": [{"code": "I1", "method": "direct", "points": 50},
                                                    {"code": "I2", "method": "direct", "points": 50,
                                                     "missing": "exclude"}],
                       "deductions": [{"code": "D1", "per": 5}]}])
    result = run(cat, {("A", "I1"): 40, ("A", "D1"): 2})  # (40 − 10)·100/50
    assert ranking(result, "total") == [("A", 60)]


def combine_catalog(skip=None, year_part=True):
    parts = [{"from": "quarter", "weight": 0.6, **({"missing_period": skip} if skip else {})}]
    parts += [{"from": "year", "weight": 0.4}] if year_part else []
    if not year_part:
        parts[0]["weight"] = 1
    return catalog_of([{"code": "C", "indicators": [{"code": "I", "method": "direct", "points": 100}]}],
                      combine=parts, tie_breakers=["C"],
                      vetoes=[{"code": "V", "effect": {"max_grade": "合格"}}])


def combined(catalog, values, parts, units=("A", "B")):
    registry = pd.DataFrame({"code": list(units), "kind": "county", "group": ""})
    frame = pd.DataFrame([(u, c, v) for (u, c), v in values.items()], columns=["unit_code", "indicator_code", "value"])
    empty = pd.DataFrame(columns=["period", "unit_code", "indicator_code", "value"])
    prev = pd.DataFrame(columns=["period", "unit_code", "group", "rank", "grade"])
    return score_period(catalog, frame, registry, empty, prev, ScoreOptions("2025"), parts)


QUARTERS = {("2025Q1", "A"): 90, ("2025Q2", "A"): 80, ("2025Q3", "A"): 85,  # A has no 2025Q4 ranking
            ("2025Q1", "B"): 80, ("2025Q2", "B"): 80, ("2025Q3", "B"): 80, ("2025Q4", "B"): 80}


def test_combined_year_missing_quarter_counts_zero():
    result = combined(combine_catalog(), {("A", "I"): 90, ("B", "I"): 70}, part_runs(QUARTERS))
    # A: 0.6·(255/4) + 0.4·90 = 38.25 + 36 = 74.25; B: 0.6·80 + 0.4·70 = 76
    assert ranking(result, "total", "rank") == [("B", 76, 1), ("A", 74.25, 2)]
    lineage = result.combined.set_index(["unit_code", "part"])
    assert lineage.loc[("A", "quarter"), "value"] == 63.75 and lineage.loc[("A", "quarter"), "periods"] == 3


def test_combined_year_missing_quarter_skipped():
    result = combined(combine_catalog("skip"), {("A", "I"): 90, ("B", "I"): 70}, part_runs(QUARTERS))
    # A: 0.6·85 + 0.4·90 = 87
    assert ranking(result, "total", "grade") == [("A", 87, "良好"), ("B", 76, "合格")]


def test_combined_year_effect_in_a_quarter_holds_for_the_year():
    parts = part_runs({("2025Q1", "A"): 95, ("2025Q2", "A"): 95, ("2025Q3", "A"): 95, ("2025Q4", "A"): 95},
                      scores={("2025Q2", "A", "V"): (0, 1)})
    result = combined(combine_catalog(year_part=False), {}, parts, units=("A",))
    assert ranking(result, "total", "grade") == [("A", 95, "合格")]
    assert result.scores.empty


def test_combined_year_category_scores_and_tie_breakers_combine():
    totals = {(f"2025Q{q}", u): 80 for q in range(1, 5) for u in "AB"}
    cats = {(f"2025Q{q}", u, "C"): s for q in range(1, 5) for u, s in (("A", 70), ("B", 75))}
    result = combined(combine_catalog(), {("A", "I"): 80, ("B", "I"): 80}, part_runs(totals, cats))
    # totals tie at 80; C: A 0.6·70 + 0.4·80 = 74, B 0.6·75 + 32 = 77 → B first
    assert ranking(result, "total", "rank") == [("B", 80, 1), ("A", 80, 2)]
    by_cat = result.category_scores.set_index("unit_code")["score"]
    assert (by_cat["A"], by_cat["B"]) == pytest.approx((74, 77))


def test_benchmark_scored_by_its_curve():
    result = run(bench("peer_mean"), {("A", "X"): 10, ("B", "X"): 30})
    assert scores(result) == {"A": 40, "B": 60}


def details(result, table="scores"):
    import json
    frame = getattr(result, table)
    key = ["unit_code", "indicator_code"] if table == "scores" else ["unit_code"]
    return {tuple(k) if len(key) > 1 else k: (json.loads(d) if isinstance(d, str) else None)
            for k, d in zip(frame[key].itertuples(index=False) if len(key) > 1 else frame["unit_code"],
                            frame["detail"])}


def test_lineage_band_segment_reference_pool_effect():
    cat = catalog_of([{"code": "C", "indicators": [BANDS, dict(CURVE, code="K"),
                                                   {"code": "R", "method": "direct", "points": 100,
                                                    "derived": {"vs": "X", "reference": "peer_mean"}}]}],
                     inputs=[{"code": "X"}],
                     penalties=[{"code": "P1", "per": 1}, {"code": "P2", "per": 1}],
                     penalty_groups=[{"code": "PG", "name": "池", "members": ["P1", "P2"], "cap": 2}],
                     vetoes=[{"code": "V", "effect": {"max_grade": "良好"}}])
    result = run(cat, {("A", "I"): 95.2, ("A", "K"): 120, ("A", "X"): 50, ("A", "P1"): 3, ("A", "V"): 1,
                       ("B", "I"): 97, ("B", "K"): 85, ("B", "X"): 70})
    d = details(result)
    assert d[("A", "I")] == {"band": 2} and d[("B", "I")] == {"band": 1}
    assert d[("A", "K")] == {"segment": 3} and d[("B", "K")] == {"segment": 1}
    assert d[("A", "R")] == {"reference": 60} and d[("B", "R")] == {"reference": 60}
    assert d[("A", "P1")] == {"pool": "PG", "pool_cap": 2, "pool_taken": 2}
    assert d[("A", "V")] == {"effect": "max_grade", "grade": "良好"} and d[("B", "V")] is None
    r = details(result, "rankings")
    assert r["A"]["effects"] == ["V"] and r["B"] is None


def test_lineage_combined_year_parts():
    result = combined(combine_catalog(), {("A", "I"): 90, ("B", "I"): 70}, part_runs(QUARTERS))
    parts = details(result, "rankings")["A"]["parts"]
    assert parts == [{"part": "quarter", "weight": 0.6, "value": 63.75, "periods": 3, "skip": False},
                     {"part": "year", "weight": 0.4, "value": 90, "periods": 1, "skip": False}]
