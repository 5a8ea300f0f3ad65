"""SPEC §4 scoring methods and missing-data policies: given → expected, worked out by hand."""
from __future__ import annotations

import pytest
from engine_cases import flags, make_catalog, one, run, scores

HIGHER = {"direction": "higher_better"}
LOWER = {"direction": "lower_better"}


@pytest.mark.parametrize("value, expected", [
    (100, 10), (110, 10), (90, 5), (95, 7.5), (80, 0), (50, 0)])
def test_threshold_higher_better(value, expected):
    # P=10, T=100, F=80: 10·(v−80)/20 between the bounds
    cat = one("threshold", **HIGHER, target=100, floor=80)
    assert scores(run(cat, {("A", "I"): value})) == {"A": expected}


@pytest.mark.parametrize("value, expected", [(5, 10), (0, 10), (10, 7.5), (15, 5), (25, 0), (30, 0)])
def test_threshold_lower_better(value, expected):
    # P=10, T=5, C=25: 10·(25−v)/20 between the bounds
    cat = one("threshold", **LOWER, target=5, ceiling=25)
    assert scores(run(cat, {("A", "I"): value})) == {"A": expected}


def test_threshold_floor_defaults_to_zero():
    cat = one("threshold", **HIGHER, target=50)
    assert scores(run(cat, {("A", "I"): 25, ("B", "I"): -3})) == {"A": 5, "B": 0}


@pytest.mark.parametrize("params, values, expected", [
    # n = (v − 10)/20 → 0, 0.5, 1
    (HIGHER, [10, 20, 30], [0, 5, 10]),
    # lower_better, base 0.4: 10·(0.4 + 0.6·n), n = (30 − v)/20 → 1, 0.5, 0
    ({**LOWER, "base": 0.4}, [10, 20, 30], [10, 7, 4]),
    # max = min: n = 1 for everyone
    (HIGHER, [5, 5, 5], [10, 10, 10]),
    # only units with a value are compared; the missing one scores 0 (zero policy)
    (HIGHER, [10, None, 30], [0, 0, 10]),
])
def test_relative(params, values, expected):
    cat = one("relative", **params)
    result = run(cat, {(u, "I"): v for u, v in zip("ABC", values)}, units=list("ABC"))
    assert scores(result) == dict(zip("ABC", expected))


@pytest.mark.parametrize("params, values, expected", [
    # ranks 1, 2, 2, 4 (competition); 10 − 2·(r − 1)
    ({**HIGHER, "step": 2}, [30, 20, 20, 10], [10, 8, 8, 4]),
    ({**LOWER, "step": 2}, [30, 20, 20, 10], [4, 8, 8, 10]),
    # min_points 2 stops 10 − 3·(r − 1) from going lower: 10, 7, 4, 2 (was 1), 2 (was −2)
    ({**HIGHER, "step": 3, "min_points": 2}, [5, 4, 3, 2, 1], [10, 7, 4, 2, 2]),
    # without min_points the floor is 0
    ({**HIGHER, "step": 4}, [5, 4, 3, 2, 1], [10, 6, 2, 0, 0]),
])
def test_rank(params, values, expected):
    cat = one("rank", **params)
    units = list("ABCDE")[:len(values)]
    assert scores(run(cat, {(u, "I"): v for u, v in zip(units, values)})) == dict(zip(units, expected))


@pytest.mark.parametrize("value, expected", [(0, 10), (2, 5), (4, 0), (10, 0)])
def test_deduction(value, expected):
    cat = one("deduction", per=2.5)
    assert scores(run(cat, {("A", "I"): value})) == {"A": expected}


def test_missing_zero_scores_zero_and_flags_missing():
    cat = one("threshold", **HIGHER, target=100, missing="zero")
    result = run(cat, {("A", "I"): 50, ("B", "I"): None}, units=["A", "B", "C"])
    assert scores(result) == {"A": 5, "B": 0, "C": 0}
    assert flags(result) == {"A": "", "B": "缺报", "C": "缺报"}


def test_missing_previous_takes_the_most_recent_earlier_value():
    cat = one("relative", **HIGHER, missing="previous")
    history = {("2024Q3", "B", "I"): 40, ("2024Q2", "B", "I"): 99, ("2024Q3", "A", "I"): 1,
               ("2024Q1", "C", "I"): 30, ("2024-12", "D", "I"): 50, ("2025Q2", "D", "I"): 60}
    result = run(cat, {("A", "I"): 20, ("B", "I"): None}, units=list("ABCD"), history=history)
    # B carries 40 (2024Q3 beats 2024Q2), C carries 30 (2024Q1); D has only a month value and a
    # later quarter, neither of which counts: 缺报. Relative over A 20, B 40, C 30: n = 0, 1, 0.5.
    assert scores(result) == {"A": 0, "B": 10, "C": 5, "D": 0}
    assert flags(result) == {"A": "", "B": "沿用上期", "C": "沿用上期", "D": "缺报"}
    periods = dict(zip(result.scores["unit_code"], result.scores["value_period"]))
    assert periods == {"A": "2025Q1", "B": "2024Q3", "C": "2024Q1", "D": None}


def test_missing_exclude_rescales_the_total():
    cat = make_catalog({"C1": [{"code": "I1", "method": "threshold", **HIGHER, "points": 60, "target": 100}],
                        "C2": [{"code": "I2", "method": "deduction", "points": 40, "per": 1, "missing": "exclude"}]})
    result = run(cat, {("A", "I1"): 75, ("B", "I1"): 75, ("B", "I2"): 10})
    # A: I1 45 of 60, I2 left out → 45·100/60 = 75; B: 45 + 30 = 75 without rescaling
    assert scores(result, "I2") == {"A": None, "B": 30}
    assert flags(result, "I2") == {"A": "不计分", "B": ""}
    totals = dict(zip(result.rankings["unit_code"], result.rankings["total"]))
    assert totals == pytest.approx({"A": 75, "B": 75})
    cats = result.category_scores.set_index(["unit_code", "category_code"])
    assert cats.loc[("A", "C2"), "points"] == 0 and cats.loc[("A", "C1"), "score"] == 45


def test_exclude_on_every_indicator_gives_zero():
    cat = one("deduction", per=1, missing="exclude")
    result = run(cat, {("A", "I"): 2}, units=["A", "B"])
    assert dict(zip(result.rankings["unit_code"], result.rankings["total"])) == {"A": 8, "B": 0}


def test_relative_and_rank_ignore_excluded_units():
    cat = one("rank", **HIGHER, step=5, missing="exclude")
    result = run(cat, {("A", "I"): 1, ("B", "I"): 2}, units=["A", "B", "C"])
    assert scores(result) == {"A": 5, "B": 10, "C": None}
