"""What each SPEC §4b rule used, per fact_score / fact_ranking row, as JSON text (`detail`).

Keys: `band` (1-based number of the band matched), `segment` (0: below the first knot, k: between
knots k and k+1, n: at or beyond the last knot), `reference` (a benchmark's R), `group` (the unit
group whose by_group parameters applied), `pool` / `pool_cap` / `pool_taken` (a deduction pool),
`category_cap` / `category_taken` (category deductions), `effect` (a triggered grade effect), and on
rankings `earned_grade`, `effects` and `parts` (the parts of a combined year).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from kaoping.scoring.catalog import Catalog, Indicator


def band_numbers(v: np.ndarray, bands) -> np.ndarray:
    """1-based number of the first band matched (0 without a value)."""
    out = np.zeros(np.shape(v), dtype=np.int64)
    for k in range(len(bands), 0, -1):
        band = bands[k - 1]
        hit = np.ones(np.shape(v), dtype=bool)
        if band.min is not None:
            hit &= v >= band.min
        if band.max is not None:
            hit &= v <= band.max
        out = np.where(hit, k, out)
    return np.where(np.isnan(v), 0, out)


def curve_segments(v: np.ndarray, knots) -> np.ndarray:
    """0 below the first knot, k between knots k and k+1, n at or beyond the last knot (−1 without a value)."""
    xs = np.array([k[0] for k in knots], dtype=float)
    return np.where(np.isnan(v), -1, np.searchsorted(xs, np.nan_to_num(v), side="right"))


def _cell(entry: dict) -> str | None:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True) if entry else None


def _rule_entries(ind: Indicator, v: np.ndarray) -> list[dict]:
    """Per unit, what the indicator's own rule (bands or curve) used."""
    if ind.bands:
        return [{"band": int(k)} if k else {} for k in band_numbers(v, ind.bands)]
    if ind.curve:
        return [{"segment": int(k)} if k >= 0 else {} for k in curve_segments(v, ind.curve)]
    return [{} for _ in range(len(v))]


def indicator_details(catalog: Catalog, codes: pd.Index, values: np.ndarray, unit_group: np.ndarray,
                      references: dict | None = None) -> np.ndarray:
    """Units × indicators JSON text (None where no §4b rule applied)."""
    out = np.full(values.shape, None, dtype=object)
    for j, code in enumerate(codes):
        ind = catalog.indicator(code)
        if not (ind.bands or ind.curve or ind.by_group or (references and code in references)):
            continue
        entries = [{} for _ in range(len(values))]
        for group in {"", *(ind.by_group or {})}:
            rows = np.flatnonzero(unit_group == group) if group else np.flatnonzero(
                ~np.isin(unit_group, list(ind.by_group or {})))
            effective = ind.for_group(group) if group else ind
            for r, entry in zip(rows, _rule_entries(effective, values[rows, j])):
                entries[r].update(entry, **({"group": group} if group else {}))
        if references and code in references:
            for r, ref in enumerate(references[code]):
                if not np.isnan(ref):
                    entries[r]["reference"] = float(ref)
        out[:, j] = [_cell(e) for e in entries]
    return out


def pool_details(catalog: Catalog, codes: pd.Index, taken: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Penalty rows: `base` details plus the pool each member belongs to, its cap and what it took."""
    out = base.copy()
    for k, pool in enumerate(catalog.penalty_groups):
        for member in pool.members:
            j = codes.get_loc(member)
            for r in range(len(out)):
                entry = json.loads(out[r, j]) if out[r, j] else {}
                entry.update(pool=pool.code, pool_cap=pool.cap, pool_taken=float(taken[r, k]))
                out[r, j] = _cell(entry)
    return out


def deduction_details(catalog: Catalog, codes: pd.Index, taken: np.ndarray) -> np.ndarray:
    """Category deduction rows: the category's cap (None: uncapped) and what it took off."""
    index = {c.code: k for k, c in enumerate(catalog.categories)}
    out = np.full((len(taken), len(codes)), None, dtype=object)
    for j, code in enumerate(codes):
        ind = catalog.indicator(code)
        cap = next(c.deduction_cap for c in catalog.categories if c.code == ind.category_code)
        k = index[ind.category_code]
        out[:, j] = [_cell({"category_cap": cap, "category_taken": float(t)}) for t in taken[:, k]]
    return out


def effect_details(catalog: Catalog, hits: np.ndarray) -> np.ndarray:
    """Veto rows: the effect of each triggered item."""
    out = np.full(hits.shape, None, dtype=object)
    for j, item in enumerate(catalog.vetoes):
        effect = item.grade_effect
        entry = ({"effect": "veto"} if effect == "veto" else
                 {"effect": "max_grade", "grade": effect.max_grade} if hasattr(effect, "max_grade") else
                 {"effect": "demote", "n": effect.demote})
        out[hits[:, j], j] = _cell(entry)
    return out


def ranking_details(catalog: Catalog, earned: np.ndarray, hits: np.ndarray, parts: pd.DataFrame | None,
                    units: pd.Index) -> np.ndarray:
    """Per unit: the grade earned by score and quota, the grade effects applied, the parts of a combined year."""
    names = [g.name for g in catalog.grades]
    codes = [v.code for v in catalog.vetoes]
    by_unit = {u: [] for u in units}
    if parts is not None:
        for row in parts.itertuples(index=False):
            by_unit[row.unit_code].append({"part": row.part, "weight": row.weight, "value": float(row.value),
                                           "periods": int(row.periods), "skip": bool(row.skip)})
    out = np.full(len(units), None, dtype=object)
    for r, unit in enumerate(units):
        applied = [codes[j] for j in np.flatnonzero(hits[r])] if hits.size else []
        entry = {"earned_grade": names[int(earned[r])]} if applied or by_unit[unit] else {}
        if applied:
            entry["effects"] = applied
        if by_unit[unit]:
            entry["parts"] = by_unit[unit]
        out[r] = _cell(entry)
    return out
