"""Indicator values for scoring: the period's unit × indicator table, history, derived values, carry-over.

Inputs are long frames (`unit_code, indicator_code, value, fact_value_id`, plus `period` for
history). The scored period becomes a units × indicators table; earlier periods of the same grain a
(period, unit) × indicators table holding only the codes `previous` and yoy need, so formulas are
computed in both and a yoy can look one year back, even at another derived indicator.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kaoping.scoring.catalog import Catalog, Indicator
from kaoping.scoring.periods import Period

KEYS = ["period", "unit_code"]


def formula_order(catalog: Catalog) -> list[Indicator]:
    """Indicators with a formula, each after the indicators it reads (catalog checks exclude cycles)."""
    pending = {i.code: i for i in catalog.all_indicators() if i.derived}
    done: list[Indicator] = []
    while pending:
        ready = [i for i in pending.values() if not set(i.derived.inputs) & set(pending)]
        for ind in ready:
            done.append(pending.pop(ind.code))
    return done


def history_codes(catalog: Catalog) -> set[str]:
    """Codes whose earlier-period values scoring may need (for `previous` and yoy), formulas expanded."""
    needed = {i.code for c in catalog.categories for i in c.indicators
              if catalog.missing_policy(i) == "previous"}
    needed |= {i.derived.yoy for i in catalog.all_indicators() if i.derived and i.derived.yoy}
    formulas = {i.code: i.derived.inputs for i in catalog.all_indicators() if i.derived}
    frontier = set(needed)
    while frontier:
        frontier = {x for code in frontier for x in formulas.get(code, ())} - needed
        needed |= frontier
    return needed


def _grids(frame: pd.DataFrame, row: np.ndarray, column: np.ndarray, shape: tuple[int, int]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Rows × columns arrays of `value` and `fact_value_id`; of duplicate cells the last row wins."""
    keep = (row >= 0) & (column >= 0)  # units not ranked and codes not needed are left out
    last = np.full(shape[0] * shape[1], -1)
    np.maximum.at(last, (row * shape[1] + column)[keep], np.flatnonzero(keep))
    out = []
    for name in ("value", "fact_value_id"):
        source = np.append(frame[name].to_numpy(dtype=float, na_value=np.nan), np.nan)  # -1 → NaN
        out.append(source[last].reshape(shape))
    return out[0], out[1]


def period_table(values: pd.DataFrame, units: pd.Index, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units × codes tables of the period's values and fact_value ids."""
    row = units.get_indexer(values["unit_code"])
    column = pd.Index(codes).get_indexer(values["indicator_code"])
    value, ids = _grids(values, row, column, (len(units), len(codes)))
    return pd.DataFrame(value, index=units, columns=codes), pd.DataFrame(ids, index=units, columns=codes)


def history_table(history: pd.DataFrame, units: pd.Index, codes: list[str], period: str
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(period, unit_code) × codes tables of earlier values of the same grain (later or other grains ignored)."""
    here = Period.parse(period)
    history = history[pd.Index(codes).get_indexer(history["indicator_code"]) >= 0]
    index, found = pd.factorize(history["period"])
    parsed = [Period.parse(p) for p in found]
    earlier = sorted((k for k, p in enumerate(parsed) if p.grain == here.grain and p.ordinal < here.ordinal),
                     key=lambda k: parsed[k].ordinal)
    position = np.full(len(found) + 1, -1)  # index -1 (a missing period) stays -1
    position[earlier] = np.arange(len(earlier))
    unit = units.get_indexer(history["unit_code"])
    row = np.where((position[index] >= 0) & (unit >= 0), position[index] * len(units) + unit, -1)
    column = pd.Index(codes).get_indexer(history["indicator_code"])
    value, ids = _grids(history, row, column, (len(earlier) * len(units), len(codes)))
    rows = pd.MultiIndex.from_product([[parsed[k].code for k in earlier], units], names=KEYS)
    return pd.DataFrame(value, index=rows, columns=codes), pd.DataFrame(ids, index=rows, columns=codes)


def ratio_values(table: pd.DataFrame, num: str, den: str, scale: float) -> pd.Series:
    """a / b · scale; missing where either is missing or b = 0."""
    return table[num] / table[den].where(table[den] != 0) * scale


def yoy_change(now: pd.Series, year_ago: np.ndarray) -> pd.Series:
    """(x_t − x_{t−1y}) / x_{t−1y} · 100; missing where either is missing or x_{t−1y} = 0."""
    year_ago = np.where(year_ago == 0, np.nan, year_ago)
    return (now - year_ago) / year_ago * 100


def year_ago_values(history: pd.DataFrame, code: str, periods: pd.Index, units: pd.Index) -> np.ndarray:
    """The history's value of `code` one year before each (period, unit) given (NaN where absent)."""
    year_ago = periods.map({p: Period.parse(p).year_ago().code for p in periods.unique()})
    wanted = pd.MultiIndex.from_arrays([year_ago, units], names=KEYS)
    return history[code].reindex(wanted).to_numpy(dtype=float)


def with_derived(current: pd.DataFrame, history: pd.DataFrame, catalog: Catalog, period: str
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables with every formula computed in dependency order (in history only where needed)."""
    current, history = current.copy(), history.copy()
    units = current.index
    for ind in formula_order(catalog):
        f = ind.derived
        if f.ratio:
            current[ind.code] = ratio_values(current, *f.ratio, f.scale)
            if ind.code in history:
                history[ind.code] = ratio_values(history, *f.ratio, f.scale)
            continue
        before = year_ago_values(history, f.yoy, pd.Index([period] * len(units)), units)
        current[ind.code] = yoy_change(current[f.yoy], before)
        if ind.code in history:
            rows = history.index
            history[ind.code] = yoy_change(history[f.yoy], year_ago_values(
                history, f.yoy, rows.get_level_values("period"), rows.get_level_values("unit_code")))
    return current, history


def carried_values(history: pd.DataFrame, ids: pd.DataFrame, units: pd.Index, codes: list[str]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units × codes: the most recent earlier value, the period it is from (None: none) and its fact_value id."""
    periods = np.asarray(history.index.get_level_values("period").unique(), dtype=object)  # time order
    shape = (len(periods), len(units), len(codes))
    if not len(periods):
        return np.full(shape[1:], np.nan), np.full(shape[1:], None, dtype=object), np.full(shape[1:], np.nan)
    value = history[codes].to_numpy(dtype=float).reshape(shape)
    source = ids[codes].to_numpy(dtype=float).reshape(shape)
    present = ~np.isnan(value)
    last = (len(periods) - 1 - np.argmax(present[::-1], axis=0))[None]
    found = present.any(axis=0)
    return (np.where(found, np.take_along_axis(value, last, 0)[0], np.nan),
            np.where(found, periods[last[0]], None).astype(object),
            np.where(found, np.take_along_axis(source, last, 0)[0], np.nan))
