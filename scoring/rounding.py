"""Half-up rounding to 2 decimals that agrees with decimal arithmetic, vectorised.

A total such as 89.125 must show as 89.13, and 2.675 (stored in binary as 2.67499999…) must show
as 2.68, because analysts check ranks with a calculator. So a value is first snapped to 7
decimals of a cent (removing binary noise of sums and products), then rounded half away from
zero to whole cents. Values that differ only beyond the 9th decimal are treated as equal.
"""
from __future__ import annotations

import numpy as np

_SNAP_DECIMALS = 7


def cents(x: np.ndarray | float) -> np.ndarray:
    """Whole cents (int64) of x, rounded half-up after snapping away binary noise."""
    hundredths = np.round(np.asarray(x, dtype=float) * 100, _SNAP_DECIMALS)
    return (np.sign(hundredths) * np.floor(np.abs(hundredths) + 0.5)).astype(np.int64)


def round_half_up(x: np.ndarray | float) -> np.ndarray:
    """x rounded half-up to 2 decimals (as the nearest float)."""
    return cents(x) / 100
