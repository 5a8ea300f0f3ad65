"""Half-up rounding to 2 decimals that agrees with decimal arithmetic, vectorised and per value.

A total such as 89.125 must show as 89.13, and 2.675 (stored in binary as 2.67499999…) must show
as 2.68, because analysts check ranks with a calculator. So a value is first snapped to 7
decimals of a cent (removing binary noise of sums and products), then rounded half away from
zero to whole cents. Values that differ only beyond the 9th decimal are treated as equal.
"""
from __future__ import annotations

import math

import numpy as np

_SNAP_DECIMALS = 7
_SNAP = 10.0 ** _SNAP_DECIMALS  # the factor numpy's round(x, 7) scales by: rint(x·10⁷)/10⁷


def cents(x: np.ndarray | float) -> np.ndarray:
    """Whole cents (int64) of x, rounded half-up after snapping away binary noise."""
    hundredths = np.round(np.asarray(x, dtype=float) * 100, _SNAP_DECIMALS)
    return (np.sign(hundredths) * np.floor(np.abs(hundredths) + 0.5)).astype(np.int64)


def round_half_up(x: np.ndarray | float) -> np.ndarray:
    """x rounded half-up to 2 decimals (as the nearest float)."""
    return cents(x) / 100


def round2(value: float | None) -> float | None:
    """One number rounded as round_half_up rounds it, as a plain float; None and NaN give None.

    The same steps in plain Python (round is rint for floats): the report writers call this once
    per cell, where numpy's per-call overhead would cost ~25 times as much.
    """
    if value is None or value != value:
        return None
    snapped = round(float(value) * 100 * _SNAP) / _SNAP
    whole = math.floor(abs(snapped) + 0.5)
    return (whole if snapped >= 0 else -whole) / 100


def round2_array(values: np.ndarray) -> np.ndarray:
    """round_half_up of every element of a float array, NaN staying NaN."""
    present = ~np.isnan(values)
    return np.where(present, round_half_up(np.where(present, values, 0.0)), np.nan)
