"""Half-up rounding to 2 decimals agrees with decimal arithmetic (docs/scoring.md §6)."""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaoping.scoring.rounding import cents, round2, round_half_up


@pytest.mark.parametrize("value, expected", [
    (89.125, 89.13), (2.675, 2.68), (1.005, 1.01), (0.125, 0.13), (89.124, 89.12), (-2.675, -2.68),
    (89.12499999999999, 89.13), (0.1 + 0.2, 0.3), (100.0, 100.0), (0.0, 0.0), (59.995, 60.0),
    (33.3 + 33.3 + 33.4, 100.0)])
def test_round_half_up(value, expected):
    assert float(round_half_up(value)) == expected


@given(st.integers(-10**9, 10**9))
def test_agrees_with_decimal_for_numbers_of_six_decimals(millionths):
    exact = Decimal(millionths) / Decimal(10**6)
    expected = int(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    assert int(cents(millionths / 10**6)) == expected


def test_vectorised():
    assert cents(np.array([[1.005, 2.675], [-0.005, 0.004]])).tolist() == [[101, 268], [-1, 0]]


def test_round2_is_half_up_like_the_ranking():
    assert [round2(v) for v in (2.675, 89.125, 1.005, -2.675, None)] == [2.68, 89.13, 1.01, -2.68, None]


def test_round2_agrees_with_the_scoring_rounding():
    rng = random.Random(7)
    values = [rng.uniform(-200, 200) for _ in range(5000)] + [k / 1000 for k in range(-3000, 3000)]
    values += [89.125, 2.675, 0.005, -0.005, 1e-9, 99.995, 100.0 - 1e-10]
    expected = round_half_up(np.array(values))
    assert [round2(v) for v in values] == [float(x) for x in expected]
