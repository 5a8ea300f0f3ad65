"""The four scoring methods of SPEC §4, each over a whole units × indicators block at once.

`v` is a units × indicators array (NaN: no value), `p` the indicators' rows of
`Catalog.indicator_frame()` in the same column order, `group` one integer per unit; relative
and rank compare a unit only with the units of its group that have a value.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _col(p: pd.DataFrame, name: str, default: float = np.nan) -> np.ndarray:
    """One parameter per indicator as a float row vector (missing → default)."""
    return p[name].astype(float).fillna(default).to_numpy()


def _higher(p: pd.DataFrame) -> np.ndarray:
    return (p["direction"] == "higher_better").to_numpy()


def threshold_scores(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """达标赋分: P at or beyond the target, 0 at or beyond the floor/ceiling, linear between."""
    target, floor, ceiling = _col(p, "target"), _col(p, "floor", 0.0), _col(p, "ceiling")
    with np.errstate(invalid="ignore", divide="ignore"):
        up = np.clip((v - floor) / (target - floor), 0, 1)
        down = np.clip((ceiling - v) / (ceiling - target), 0, 1)
    return _col(p, "points") * np.where(_higher(p), up, down)


def relative_scores(v: np.ndarray, p: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """比较赋分: P·(base + (1−base)·n), n the position between the group's min and max (1 when equal)."""
    frame = pd.DataFrame(v).groupby(group)
    low, high = frame.transform("min").to_numpy(), frame.transform("max").to_numpy()
    spread = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(_higher(p), v - low, high - v) / spread
    n = np.where(spread == 0, 1.0, n)
    base = _col(p, "base", 0.0)
    return np.where(np.isnan(v), np.nan, _col(p, "points") * (base + (1 - base) * n))


def rank_scores(v: np.ndarray, p: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """位次赋分: max(P − step·(r−1), min_points), r the competition rank in the group by direction."""
    # compared at 9 decimals: two ratios meant to be equal must tie, whatever the float noise
    signed = np.round(v * np.where(_higher(p), 1.0, -1.0), 9)
    r = pd.DataFrame(signed).groupby(group).rank(method="min", ascending=False).to_numpy()
    score = np.maximum(_col(p, "points") - _col(p, "step") * (r - 1), _col(p, "min_points", 0.0))
    return np.where(np.isnan(v), np.nan, score)


def deduction_scores(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """扣分: max(0, P − per·v)."""
    return np.maximum(0.0, _col(p, "points") - _col(p, "per") * v)


def indicator_scores(v: np.ndarray, p: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """Every scored indicator's score for every unit (NaN where the unit has no value)."""
    out = np.full(v.shape, np.nan)
    method = p["method"].to_numpy()
    for name in ("threshold", "relative", "rank", "deduction"):
        cols = method == name
        if not cols.any():
            continue
        block, params = v[:, cols], p[cols]
        out[:, cols] = (relative_scores(block, params, group) if name == "relative"
                        else rank_scores(block, params, group) if name == "rank"
                        else threshold_scores(block, params) if name == "threshold"
                        else deduction_scores(block, params))
    return out
