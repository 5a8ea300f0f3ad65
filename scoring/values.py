"""Indicator values for scoring: the period's unit × indicator table, history, derived values, carry-over.

Inputs are long frames (`unit_code, indicator_code, value, fact_value_id`, plus `period` for
history). The scored period becomes a units × indicators table; earlier periods of the same grain a
(period, unit) × indicators table holding only the codes `previous` and yoy need, so formulas are
computed in both and a yoy can look one year back, even at another derived indicator.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kaoping.scoring.catalog import Catalog, Derivation, HistoryMean, Indicator, InputReference
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
    needed |= {i.derived.vs for i in catalog.all_indicators() if i.derived and i.derived.vs
               and (isinstance(i.derived.reference, HistoryMean)
                    or catalog.missing_policy(catalog.indicator(i.derived.vs)) == "previous")}
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


def year_ago_values(history: pd.DataFrame, code: str, periods: pd.Index, units: pd.Index, years: int = 1
                    ) -> np.ndarray:
    """The history's value of `code` `years` years before each (period, unit) given (NaN where absent)."""
    def back(p: str) -> str:
        return str(Period(Period.parse(p).year - years, Period.parse(p).grain_rank, Period.parse(p).index))
    earlier = periods.map({p: back(p) for p in periods.unique()})
    wanted = pd.MultiIndex.from_arrays([earlier, units], names=KEYS)
    if code not in history:
        return np.full(len(units), np.nan)
    return history[code].reindex(wanted).to_numpy(dtype=float)


def weighted_sum(table: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Σ weight·value; a missing term counts 0; missing only when every term is missing."""
    terms = table[list(weights)]
    total = (terms.fillna(0.0) * pd.Series(weights)).sum(axis=1)
    return total.where(terms.notna().any(axis=1))


def latest_earlier(history: pd.DataFrame, code: str, units: pd.Index) -> pd.Series:
    """Per unit, its most recent earlier value of `code` (history rows are in time order; NaN: none)."""
    if code not in history or not len(history):
        return pd.Series(np.nan, index=units)
    column = history[code].dropna()
    last = column.groupby(level="unit_code").last()
    return last.reindex(units)


def reference_values(f: Derivation, x: pd.Series, inputs: pd.DataFrame, keys: list[np.ndarray],
                     history: pd.DataFrame, periods: pd.Index, units: pd.Index) -> np.ndarray:
    """R of a benchmark: peer mean/median within `keys`, the mean of n earlier years, or an input value."""
    ref = f.reference
    if ref in ("peer_mean", "peer_median"):
        return x.groupby(keys).transform("mean" if ref == "peer_mean" else "median").to_numpy(dtype=float)
    if isinstance(ref, InputReference):
        return inputs[ref.input].to_numpy(dtype=float)
    years = np.stack([year_ago_values(history, f.vs, periods, units, k)
                      for k in range(1, ref.history_mean + 1)])
    with np.errstate(invalid="ignore"):
        counts = (~np.isnan(years)).sum(axis=0)
        return np.where(counts > 0, np.nansum(years, axis=0) / np.maximum(counts, 1), np.nan)


def benchmark(x: pd.Series, reference: np.ndarray, as_: str) -> pd.Series:
    """v − R, or (v − R)/|R|·100 (missing when R = 0); missing when either is missing."""
    if as_ == "percent":
        r = np.where(reference == 0, np.nan, reference)
        return (x - r) / np.abs(r) * 100
    return x - reference


def with_derived(current: pd.DataFrame, history: pd.DataFrame, catalog: Catalog, period: str,
                 groups: pd.Series | None = None, references: dict | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables with every formula computed in dependency order (in history only where needed).

    groups: the ranking group of each unit of `current` (peer references compare within it);
    references: when given, filled with each benchmark's reference R per unit (for lineage).
    """
    current, history = current.copy(), history.copy()
    units = current.index
    groups = groups.reindex(units).fillna("") if groups is not None else pd.Series("", index=units)
    for ind in formula_order(catalog):
        f = ind.derived
        if f.sum:
            current[ind.code] = weighted_sum(current, f.sum)
            if ind.code in history:
                history[ind.code] = weighted_sum(history, f.sum)
            continue
        if f.vs:
            x = current[f.vs]
            if catalog.missing_policy(catalog.indicator(f.vs)) == "previous":
                x = x.fillna(latest_earlier(history, f.vs, units))
            here = pd.Index([period] * len(units))
            ref = reference_values(f, x, current, [groups.to_numpy()], history, here, units)
            current[ind.code] = benchmark(x, ref, f.as_)
            if references is not None:
                references[ind.code] = ref
            if ind.code in history and len(history):
                rows = history.index
                p_rows, u_rows = rows.get_level_values("period"), rows.get_level_values("unit_code")
                keys = [np.asarray(p_rows), groups.reindex(u_rows).fillna("").to_numpy()]
                ref = reference_values(f, history[f.vs], history, keys, history, p_rows, u_rows)
                history[ind.code] = benchmark(history[f.vs], ref, f.as_)
            continue
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
