"""Adjustments (人工调整) in scoring, pure: adjusted values in place of the sent ones, and which
score rows used them (flag 人工调整, lineage to the adjustment row).

An adjustments frame has columns `id, period, unit_code, indicator_code, value`; of several for
the same period × unit × indicator the newest (highest id) counts.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from kaoping.scoring import labels
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period

COLUMNS = ["id", "period", "unit_code", "indicator_code", "value"]
KEY = ["unit_code", "indicator_code"]
LINEAGE_COLUMNS = [*KEY, "adjustment_id"]  # which adjustment a score row used (fact_score_adjustment)


def newest(adjustments: pd.DataFrame) -> pd.DataFrame:
    """The adjustment in force for each period × unit × indicator (the newest one)."""
    frame = adjustments.reindex(columns=COLUMNS)
    return frame.sort_values("id", kind="stable").drop_duplicates(["period", *KEY], keep="last").reset_index(drop=True)


def apply_adjustments(values: pd.DataFrame, adjustments: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """`values` (unit_code, indicator_code, value, fact_value_id[, period]) with the adjusted values.

    A sent value that is adjusted keeps its row and `fact_value_id` (what was sent stays traceable);
    an adjusted cell nobody sent is added with no fact_value_id. `period`: the period of every row
    of `values` when the frame has no `period` column.
    """
    force = newest(adjustments)
    if period is not None:
        force = force[force["period"] == period]
    if force.empty:
        return values
    out = values.copy()
    keys = ["period", *KEY] if "period" in out.columns else KEY
    table = force.set_index(keys)["value"]
    index = pd.MultiIndex.from_frame(out[keys].astype(object))
    hit = index.isin(table.index)
    out["value"] = out["value"].astype(float)
    out.loc[hit, "value"] = table.reindex(index[hit]).to_numpy(dtype=float)
    sent = set(index[hit])
    added = force[[tuple(k) not in sent for k in force[keys].itertuples(index=False)]]
    if len(added):
        extra = added[keys + ["value"]].assign(fact_value_id=np.nan)
        out = pd.concat([out, extra.reindex(columns=out.columns)], ignore_index=True)
    return out


def formula_inputs(derived) -> tuple[str, ...]:
    """The codes a formula reads (`Derivation.inputs`)."""
    inputs = derived.inputs
    return tuple(inputs() if callable(inputs) else inputs)


def _dependents(catalog: Catalog) -> dict[str, set[str]]:
    """code → the derived indicators whose formula reads it, directly or through other formulas."""
    direct: dict[str, set[str]] = {}
    for ind in catalog.all_indicators():
        if ind.derived is not None:
            for code in formula_inputs(ind.derived):
                direct.setdefault(code, set()).add(ind.code)
    closed: dict[str, set[str]] = {}
    for code in direct:
        seen, todo = set(), list(direct[code])
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo += direct.get(d, ())
        closed[code] = seen
    return closed


def adjusted_scores(scores: pd.DataFrame, adjustments: pd.DataFrame, catalog: Catalog,
                    period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """fact_score rows with 人工调整 added to the flags of every row that used an adjusted value,
    and the lineage rows (unit_code, indicator_code, adjustment_id) for fact_score_adjustment.

    A row used an adjustment when its own value is the adjusted one (same unit, indicator and
    value period), or when its formula reads an indicator adjusted in this period or in the
    period one year before (yoy).
    """
    force = newest(adjustments)
    empty = pd.DataFrame(columns=LINEAGE_COLUMNS)
    if force.empty or scores.empty:
        return scores, empty
    p = Period.parse(period)
    year_before = Period.from_ordinal(p.ordinal - {"year": 1, "quarter": 4, "month": 12}[p.grain], p.grain).code
    links: dict[tuple[str, str], int] = {}
    rows = {(u, c, vp) for u, c, vp in zip(scores["unit_code"].astype(object), scores["indicator_code"].astype(object),
                                            scores["value_period"].astype(object))}
    depends = _dependents(catalog)
    for a in force.sort_values("id").itertuples():
        if (a.unit_code, a.indicator_code, a.period) in rows:
            links[(a.unit_code, a.indicator_code)] = int(a.id)
        if a.period in (period, year_before):
            for code in depends.get(a.indicator_code, ()):
                if (a.unit_code, code, period) in rows or (a.unit_code, code, None) in rows:
                    links[(a.unit_code, code)] = int(a.id)
    if not links:
        return scores, empty
    out = scores.copy()
    keys = list(zip(out["unit_code"].astype(object), out["indicator_code"].astype(object)))
    marked = np.array([k in links for k in keys])
    flags = out["flags"].astype(object).to_numpy()
    out["flags"] = [labels.SEPARATOR.join(filter(None, [f, labels.ADJUSTED])) if m else f
                    for f, m in zip(flags, marked)]
    lineage = pd.DataFrame([(u, c, i) for (u, c), i in sorted(links.items())], columns=LINEAGE_COLUMNS)
    return out, lineage


class AdjustedBlocks:
    """fact_score blocks (each holding whole units) with `adjusted_scores` applied to each; once
    iterated, `lineage` holds the lineage rows of them all (a row's adjustments are its unit's own)."""

    def __init__(self, blocks: Iterable[pd.DataFrame], adjustments: pd.DataFrame, catalog: Catalog, period: str):
        self.blocks, self.adjustments, self.catalog, self.period = blocks, adjustments, catalog, period
        self._lineage: list[pd.DataFrame] = []

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for block in self.blocks:
            block, lineage = adjusted_scores(block, self.adjustments, self.catalog, self.period)
            self._lineage.append(lineage)
            yield block

    @property
    def lineage(self) -> pd.DataFrame:
        """unit_code, indicator_code, adjustment_id of every adjusted row, in units order."""
        found = [frame for frame in self._lineage if len(frame)]
        return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=LINEAGE_COLUMNS)
