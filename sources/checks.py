"""Checks Great Expectations cannot express, reported as the same Problem rows: formulas without a
cached value, text around numbers, skipped 合计 rows, a period column that contradicts the file,
and values that jump far from the unit's own history."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kaoping.scoring.periods import Period
from kaoping.sources.context import periods_in_text
from kaoping.sources.messages import EXPECTED, FLAG_NOT_FINITE, FLAG_TEXT_STRIPPED
from kaoping.sources.problems import Problem, make_problem

MAD_FLOOR_SHARE = 0.05  # the MAD used is at least 5% of the history's median


def _names(row, unit_names: dict[str, str], indicator_names: dict[str, str]) -> tuple[str | None, str | None]:
    unit = unit_names.get(row.unit_code) if pd.notna(row.unit_code) else (row.unit_text or None)
    return unit, indicator_names.get(row.indicator_key, row.indicator_text or None)


def cell_problems(rows: pd.DataFrame, file: str, period: str, unit_names: dict[str, str],
                  indicator_names: dict[str, str]) -> list[Problem]:
    """Per-cell problems: uncached formulas (error), stripped text (warning), period column conflicts."""
    texts = rows["period_text"].tolist()
    codes = {t: _period_code(t) for t in set(texts) if isinstance(t, str) and t}
    conflict = [isinstance(t, str) and bool(t) and codes[t] != period for t in texts]
    stripped = rows["flags"].str.contains(FLAG_TEXT_STRIPPED, regex=False).to_numpy(dtype=bool) | \
        rows["flags"].str.contains(FLAG_NOT_FINITE, regex=False).to_numpy(dtype=bool)
    flagged = rows["uncached"].to_numpy(dtype=bool) | stripped | np.asarray(conflict, dtype=bool)
    out = []
    for row in rows[flagged].itertuples(index=False):  # only the few rows that have a problem
        unit, indicator = _names(row, unit_names, indicator_names)
        if row.uncached:
            out.append(make_problem("formula_uncached", file, row.sheet, row.cell, unit, indicator,
                                    expected=EXPECTED["cached"]))
        if FLAG_NOT_FINITE in row.flags.split(";"):
            out.append(make_problem("not_finite", file, row.sheet, row.cell, unit, indicator, row.raw_text,
                                    EXPECTED["number"]))
        if FLAG_TEXT_STRIPPED in row.flags.split(";"):
            out.append(make_problem("text_stripped", file, row.sheet, row.cell, unit, indicator, row.raw_text,
                                    EXPECTED["number"], detail=f"读取为 {row.value:g}"))
        if isinstance(row.period_text, str) and row.period_text and codes[row.period_text] != period:
            out.append(make_problem("period_conflict", file, row.sheet, row.cell, unit, indicator,
                                    row.period_text, period))
    return out


def empty_column_problems(rows: pd.DataFrame, file: str, indicator_names: dict[str, str]) -> list[Problem]:
    """One warning per indicator whose column is there but empty for every unit (each counts as 缺报),
    at the column's first cell."""
    if rows.empty:
        return []
    empty = rows["value"].isna().groupby(rows["indicator_key"], sort=False).all()
    out = []
    for key in empty.index[empty.to_numpy(dtype=bool)]:
        first = rows[rows["indicator_key"] == key].iloc[0]
        out.append(make_problem("indicator_empty", file, first["sheet"], first["cell"],
                                indicator=indicator_names.get(key, key), expected=EXPECTED["number"]))
    return out


def _period_code(text: str) -> str | None:
    try:
        return Period.parse(text).code
    except ValueError:
        found = periods_in_text(text)
        return found[0] if found else None


def skipped_row_problems(skipped: pd.DataFrame, file: str) -> list[Problem]:
    """One warning per 合计/总计/小计 row left out."""
    return [make_problem("total_row_skipped", file, r.sheet, r.cell, value=r.text) for r in skipped.itertuples()]


def jump_reason(value: float, history: list[float], jump_z: float, jump_ratio: float) -> str | None:
    """Why `value` is far from its history (oldest first), or None: robust z-score with ≥ 4 earlier
    values, else the ratio to the latest one (zeros carry no ratio, so they never warn)."""
    if not history or value is None or np.isnan(value):
        return None
    if len(history) >= 4:
        median = float(np.median(history))
        # a very steady history (98.1, 98.3, 98.2 …) has a tiny MAD that makes any change look extreme;
        # the floor keeps the warning for real jumps (roughly a quarter away from the median or more)
        mad = max(float(np.median(np.abs(np.asarray(history) - median))), MAD_FLOOR_SHARE * abs(median))
        if mad > 0:
            z = 0.6745 * (value - median) / mad
            return f"稳健 z 分数 {z:.1f}，历史中位数 {median:g}" if abs(z) > jump_z else None
    last = history[-1]
    if last > 0 and value > 0 and max(value / last, last / value) > jump_ratio:
        return f"上期 {last:g}，变化 {value / last:.2f} 倍"
    return None


def _jump_candidates(rows: pd.DataFrame, history: pd.DataFrame, jump_z: float, jump_ratio: float) -> np.ndarray:
    """Positions of rows that may jump, by the rule of `jump_reason` computed for all rows at once; a
    hair of slack keeps rounding from hiding one (each candidate is then decided by `jump_reason`)."""
    keys = ["unit_code", "indicator_code"]
    ordered = history.sort_values("ordinal", kind="stable")
    groups = ordered.groupby(keys, sort=False)["value"]
    stats = pd.DataFrame({"n": groups.size(), "last": groups.last()})
    if stats["n"].max() >= 4:  # the robust z-score needs four earlier values; short histories skip it
        median = groups.transform("median")
        stats["median"] = groups.median()
        stats["mad"] = (ordered["value"] - median).abs().groupby([ordered[k] for k in keys]).median()
    else:
        stats["median"] = stats["mad"] = np.nan
    joined = stats.reindex(pd.MultiIndex.from_arrays([rows["unit_code"].to_numpy(dtype=object),
                                                      rows["indicator_key"].to_numpy(dtype=object)]))
    value = pd.to_numeric(rows["value"], errors="coerce").astype(float).to_numpy()
    n, last, med = joined["n"].to_numpy(), joined["last"].to_numpy(), joined["median"].to_numpy()
    mad = np.maximum(joined["mad"].to_numpy(), MAD_FLOOR_SHARE * np.abs(med))
    with np.errstate(divide="ignore", invalid="ignore"):
        by_z = (n >= 4) & (mad > 0)
        z_far = by_z & (np.abs(0.6745 * (value - med) / mad) > jump_z * (1 - 1e-9))
        ratio = np.maximum(value / last, last / value)
        ratio_far = ~by_z & (last > 0) & (value > 0) & (ratio > jump_ratio * (1 - 1e-9))
    return np.flatnonzero((z_far | ratio_far) & ~np.isnan(value))


def _histories(history: pd.DataFrame, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], list[float]]:
    """Unit × indicator → its earlier values, oldest first, for the wanted keys only."""
    by_key: dict[tuple[str, str], list[float]] = {}
    near = history[history["unit_code"].isin({u for u, _ in wanted})].sort_values("ordinal", kind="stable")
    for unit, indicator, value in zip(*(near[k].tolist() for k in ("unit_code", "indicator_code", "value"))):
        if (unit, indicator) in wanted:
            by_key.setdefault((unit, indicator), []).append(value)
    return by_key


def jump_problems(rows: pd.DataFrame, history: pd.DataFrame, file: str, jump_z: float, jump_ratio: float,
                  unit_names: dict[str, str], indicator_names: dict[str, str]) -> list[Problem]:
    """Warnings for values far from the same unit's earlier values of the same indicator."""
    if history.empty or rows.empty:
        return []
    candidates = rows.iloc[_jump_candidates(rows, history, jump_z, jump_ratio)]
    if candidates.empty:
        return []
    by_key = _histories(history, set(zip(candidates["unit_code"].tolist(), candidates["indicator_key"].tolist())))
    out = []
    for row in candidates.itertuples(index=False):
        reason = jump_reason(float(row.value), by_key[(row.unit_code, row.indicator_key)], jump_z, jump_ratio)
        if reason:
            unit, indicator = _names(row, unit_names, indicator_names)
            out.append(make_problem("value_jump", file, row.sheet, row.cell, unit, indicator, row.raw_text,
                                    "与以往各期相近", detail=reason))
    return out
