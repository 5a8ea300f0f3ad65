"""年度综合 (SPEC §4b combining periods): the year's figures as the weighted sum of its parts.

A part is either the mean of the unit's figures in the latest published runs of this catalog for
the year's quarters (or months), or the year period's own scoring. Arrays are in units order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kaoping.scoring.catalog import Catalog, CombinePart
from kaoping.scoring.periods import Period

PART_RANKING_COLUMNS = ["period", "unit_code", "category_total", "bonus", "penalty", "total"]
PART_CATEGORY_COLUMNS = ["period", "unit_code", "category_code", "score"]
PART_SCORE_COLUMNS = ["period", "unit_code", "indicator_code", "score", "value_used"]


@dataclass
class PartRuns:
    """The published runs of a combined year's quarters / months, as long frames."""

    rankings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PART_RANKING_COLUMNS))
    categories: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PART_CATEGORY_COLUMNS))
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PART_SCORE_COLUMNS))


@dataclass
class Figures:
    """What ranking needs, per unit: totals, category scores, tie-breaker scores, triggered veto items."""

    category_total: np.ndarray
    bonus: np.ndarray
    penalty: np.ndarray
    total: np.ndarray
    by_category: np.ndarray  # units × categories
    breakers: np.ndarray  # units × tie-breakers
    hits: np.ndarray  # units × veto items (bool)

    def scaled(self, weight: float) -> "Figures":
        return Figures(*(a * weight for a in (self.category_total, self.bonus, self.penalty, self.total,
                                              self.by_category, self.breakers)), self.hits)

    def plus(self, other: "Figures") -> "Figures":
        return Figures(self.category_total + other.category_total, self.bonus + other.bonus,
                       self.penalty + other.penalty, self.total + other.total,
                       self.by_category + other.by_category, self.breakers + other.breakers,
                       self.hits | other.hits)


def part_periods(year: int, grain: str) -> list[str]:
    """The periods of one grain in a year (2025, quarter → 2025Q1…2025Q4)."""
    count = {"quarter": 4, "month": 12}[grain]
    rank = {"quarter": 1, "month": 2}[grain]
    return [Period(year, rank, k).code for k in range(1, count + 1)]


def _pivot(frame: pd.DataFrame, column: str, value: str, units: pd.Index, codes: list[str]) -> np.ndarray:
    """Units × codes sums of `value` over the frame's periods (0 where absent)."""
    if not len(frame) or not codes:
        return np.zeros((len(units), len(codes)))
    sums = frame.assign(**{value: pd.to_numeric(frame[value], errors="coerce").fillna(0.0)}) \
        .pivot_table(index="unit_code", columns=column, values=value, aggfunc="sum")
    return sums.reindex(index=units, columns=codes).fillna(0.0).to_numpy(dtype=float)


def grain_figures(catalog: Catalog, runs: PartRuns, part: CombinePart, units: pd.Index
                  ) -> tuple[Figures, np.ndarray]:
    """A quarter / month part: the mean of each unit's figures over the year's periods, and the periods counted."""
    periods = part_periods(catalog.year, part.from_)
    rankings = runs.rankings[runs.rankings["period"].isin(periods)]
    counted = rankings.groupby("unit_code")["period"].nunique().reindex(units).fillna(0).to_numpy(dtype=int)
    divisor = (np.maximum(counted, 1) if catalog.part_missing_period(part) == "skip"
               else np.full(len(units), len(periods)))[:, None]
    long = rankings.melt(id_vars=["period", "unit_code"], value_vars=["category_total", "bonus", "penalty", "total"],
                         var_name="figure", value_name="value")
    totals = _pivot(long, "figure", "value", units, ["category_total", "bonus", "penalty", "total"]) / divisor
    categories = runs.categories[runs.categories["period"].isin(periods)]
    cat_codes = [c.code for c in catalog.categories]
    by_category = _pivot(categories, "category_code", "score", units, cat_codes) / divisor
    scores = runs.scores[runs.scores["period"].isin(periods)]
    item_scores = _pivot(scores, "indicator_code", "score", units, list(catalog.tie_breakers)) / divisor
    breakers = np.column_stack([by_category[:, cat_codes.index(code)] if code in cat_codes else item_scores[:, k]
                                for k, code in enumerate(catalog.tie_breakers)]) \
        if catalog.tie_breakers else np.zeros((len(units), 0))
    veto_codes = [v.code for v in catalog.vetoes]
    triggered = scores[pd.to_numeric(scores["value_used"], errors="coerce").fillna(0) > 0]
    hits = _pivot(triggered.assign(one=1.0), "indicator_code", "one", units, veto_codes) > 0
    return Figures(*(totals[:, k] for k in range(4)), by_category, breakers, hits), counted


def combined_figures(catalog: Catalog, year: Figures | None, runs: PartRuns, units: pd.Index
                     ) -> tuple[Figures, pd.DataFrame]:
    """Σ weight · part for every figure (veto items triggered in any part hold), and one lineage row per unit × part."""
    out: Figures | None = None
    lineage = []
    for part in catalog.combine:
        if part.from_ == "year":
            fig, counted = year, np.ones(len(units), dtype=int)
        else:
            fig, counted = grain_figures(catalog, runs, part, units)
        lineage.append(pd.DataFrame({"unit_code": units, "part": part.from_, "weight": part.weight,
                                     "value": fig.total, "periods": counted,
                                     "skip": catalog.part_missing_period(part) == "skip"}))
        weighted = fig.scaled(part.weight)
        out = weighted if out is None else out.plus(weighted)
    return out, pd.concat(lineage, ignore_index=True)
