"""The scoring methods of SPEC §4 and §4b, each over a whole units × indicators block at once.

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


def band_values(v: np.ndarray, bands, field: str = "score") -> np.ndarray:
    """分档: the `field` of the first band (top-down) whose min ≤ v and v ≤ max hold; NaN without a value."""
    out = np.full(np.shape(v), np.nan)
    for band in reversed(bands):  # the earliest matching band is written last
        hit = np.ones(np.shape(v), dtype=bool)
        if band.min is not None:
            hit &= v >= band.min
        if band.max is not None:
            hit &= v <= band.max
        out = np.where(hit, getattr(band, field), out)
    return np.where(np.isnan(v), np.nan, out)


def curve_values(v: np.ndarray, knots) -> np.ndarray:
    """分段线性: linear between knots, flat beyond both ends; NaN without a value."""
    xs, ys = (np.array([k[i] for k in knots], dtype=float) for i in (0, 1))
    x = np.nan_to_num(v)
    out = np.interp(x, xs, ys)
    overflowed = ~np.isfinite(out)  # knots so close that the slope overflows: interpolate by fraction
    if overflowed.any():
        xo = np.clip(x[overflowed], xs[0], xs[-1])
        i = np.clip(np.searchsorted(xs, xo, side="right") - 1, 0, len(xs) - 2)
        out[overflowed] = ys[i] + (xo - xs[i]) / (xs[i + 1] - xs[i]) * (ys[i + 1] - ys[i])
    return np.where(np.isnan(v), np.nan, out)


def _per_column(v: np.ndarray, p: pd.DataFrame, one) -> np.ndarray:
    """Apply `one(column, row)` to each indicator column."""
    out = np.full(v.shape, np.nan)
    for j in range(v.shape[1]):
        out[:, j] = one(v[:, j], p.iloc[j])
    return out


def bands_scores(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """分档赋分: the first matching band's score."""
    return _per_column(v, p, lambda col, row: band_values(col, row["bands"]))


def curve_scores(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """分段线性赋分: the curve's value clamped to [0, P]."""
    return _per_column(v, p, lambda col, row: np.clip(curve_values(col, row["curve"]), 0, float(row["points"])))


def direct_scores(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """评分录入: the value sent is the score (validation keeps it in [0, P])."""
    return v.astype(float)


def item_amounts(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """Bonus / penalty amounts: per·v, a band's amount or the curve floored at 0, then min(cap, ·); 0 without a value."""
    out = np.zeros(v.shape)
    for j in range(v.shape[1]):
        row, col = p.iloc[j], v[:, j]
        if row.get("bands") is not None:
            amount = band_values(col, row["bands"], "amount")
        elif row.get("curve") is not None:
            amount = np.maximum(0.0, curve_values(col, row["curve"]))
        else:
            amount = float(row["per"]) * col
        cap = np.inf if pd.isna(row["cap"]) else float(row["cap"])
        out[:, j] = np.minimum(cap, np.nan_to_num(amount))
    return out


_METHODS = ("threshold", "relative", "rank", "deduction", "bands", "curve", "direct")


def method_scores(v: np.ndarray, p: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """Every scored indicator's score for every unit with the catalog's parameters (NaN: no value)."""
    out = np.full(v.shape, np.nan)
    method = p["method"].to_numpy()
    for name in _METHODS:
        cols = method == name
        if not cols.any():
            continue
        block, params = v[:, cols], p[cols]
        out[:, cols] = (relative_scores(block, params, group) if name == "relative"
                        else rank_scores(block, params, group) if name == "rank"
                        else threshold_scores(block, params) if name == "threshold"
                        else deduction_scores(block, params) if name == "deduction"
                        else bands_scores(block, params) if name == "bands"
                        else curve_scores(block, params) if name == "curve"
                        else direct_scores(block, params))
    return out


def group_parameters(p: pd.DataFrame, j: int, group: str) -> pd.DataFrame:
    """Indicator j's one-row parameter table with the parameters of unit group `group` applied (by_group)."""
    row = p.iloc[[j]].copy()
    for name, value in row["by_group"].iloc[0][group].given().items():
        row[name] = pd.Series([value], index=row.index, dtype=object if isinstance(value, tuple) else None)
    return row


def with_group_parameters(v: np.ndarray, p: pd.DataFrame, group: np.ndarray, unit_group: np.ndarray | None,
                          base: np.ndarray, score) -> np.ndarray:
    """`base` with each by_group indicator re-scored, for the units of each overriding group, by `score(v, p, group)`."""
    if unit_group is None or "by_group" not in p:
        return base
    out = base.copy()
    for j, overrides in enumerate(p["by_group"].to_numpy()):
        for name in overrides or {}:
            rows = unit_group == name
            if rows.any():
                out[rows, j] = score(v[:, [j]], group_parameters(p, j, name), group)[rows, 0]
    return out


def indicator_scores(v: np.ndarray, p: pd.DataFrame, group: np.ndarray,
                     unit_group: np.ndarray | None = None) -> np.ndarray:
    """Every scored indicator's score for every unit, by_group parameters applied (NaN where no value).

    group: the ranking group of each unit (what relative and rank compare within);
    unit_group: the registry group of each unit (what by_group parameters are keyed by).
    """
    return with_group_parameters(v, p, group, unit_group, method_scores(v, p, group), method_scores)
