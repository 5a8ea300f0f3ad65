"""Properties of the SPEC §4b rules: curves are monotone between knots, pools never exceed their caps,
grades are never better than a cap."""
from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kaoping.scoring.catalog import Band
from kaoping.scoring.methods import band_values, curve_values
from kaoping.scoring.ranking import GradeEffects, grade_indexes
from kaoping.scoring.totals import pool_caps, pooled_penalty

finite = st.floats(-1000, 1000, allow_nan=False)


@st.composite
def knots(draw):
    xs = sorted(set(draw(st.lists(finite, min_size=2, max_size=6))))
    if len(xs) < 2:
        xs = [xs[0], xs[0] + 1]
    ys = draw(st.lists(finite, min_size=len(xs), max_size=len(xs)))
    return list(zip(xs, ys))


@example(curve=[(0.0, 0.0), (2.2250738585e-313, 1.0), (1.0, 0.0), (2.0, 0.0)], a=1.0, b=1.0)  # the slope overflows
@given(knots(), finite, finite)
def test_curve_monotone_between_each_pair_of_knots(curve, a, b):
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        lo, hi = sorted((x0 + (x1 - x0) * abs(a) / 1000, x0 + (x1 - x0) * abs(b) / 1000))
        f_lo, f_hi = curve_values(np.array([lo, hi]), curve)
        assert (f_hi - f_lo) * np.sign(y1 - y0) >= -1e-9
        assert min(y0, y1) - 1e-9 <= f_lo <= max(y0, y1) + 1e-9


@given(knots(), finite)
def test_curve_flat_beyond_both_ends(curve, d):
    left, right = curve_values(np.array([curve[0][0] - abs(d), curve[-1][0] + abs(d)]), curve)
    assert (left, right) == (curve[0][1], curve[-1][1])


@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), min_size=1, max_size=4), finite)
def test_bands_first_match_wins(bounds, v):
    bands = [Band(min=lo, score=float(k)) for k, (lo, _) in enumerate(bounds)] + [Band(score=99.0)]
    got = band_values(np.array([v]), bands)[0]
    expected = next((float(k) for k, (lo, _) in enumerate(bounds) if v >= lo), 99.0)
    assert got == expected


class _Pool:
    def __init__(self, members, cap):
        self.members, self.cap = members, cap


@settings(max_examples=200)
@given(st.lists(st.lists(st.floats(0, 50), min_size=4, max_size=4), min_size=1, max_size=5),
       st.floats(0, 20), st.floats(0, 20))
def test_pools_never_exceed_their_caps(parts, cap1, cap2):
    parts = np.array(parts)
    pools = pool_caps(["A", "B", "C", "D"], [_Pool(["A", "B"], cap1), _Pool(["C"], cap2)])
    taken = pooled_penalty(parts, pools)
    assert (taken <= cap1 + cap2 + parts[:, 3] + 1e-9).all()
    assert (taken <= parts.sum(axis=1) + 1e-9).all()


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=10))
def test_grades_never_better_than_a_cap(rows):
    earned, cap, demote = (np.array(c) for c in zip(*rows))
    g = grade_indexes(earned, GradeEffects(np.zeros(len(rows), dtype=bool), cap, demote), last=3)
    assert (g >= cap).all() and (g >= earned).all() and (g <= 3).all()
