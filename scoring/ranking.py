"""Ranking: competition ranks on rounded totals with tie-breakers, grades, rank change, alerts.

Ranks are computed on whole cents (see `scoring.rounding`) for units × draws at once: the
nominal ranking is the single-draw case, so the sensitivity draws rank exactly the same way.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from kaoping.scoring import labels
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.scoring.rounding import cents

_UNSCORED = -1.0  # an excluded tie-breaker indicator sorts below any score


def ranking_keys(totals: np.ndarray, breakers: list[np.ndarray]) -> np.ndarray:
    """Keys × units × draws in whole cents: the total, then each tie-breaker score."""
    parts = [totals, *(np.where(np.isnan(b), _UNSCORED, b) for b in breakers)]
    return np.stack([cents(p) for p in parts])


def competition_ranks(group: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Units × draws ranks "1,2,2,4" inside each group, higher keys first, compared in key order."""
    n_units, n_draws = keys.shape[1], keys.shape[2]
    if n_units == 0:
        return np.zeros((0, n_draws), dtype=np.int64)
    groups = np.broadcast_to(group[:, None], (n_units, n_draws))
    order = np.lexsort([*(-k for k in keys[::-1]), groups], axis=0)
    ordered = np.take_along_axis(keys, order[None], axis=1)
    ordered_group = np.take_along_axis(groups, order, axis=0)
    position = np.broadcast_to(np.arange(n_units)[:, None], (n_units, n_draws))
    group_start = np.ones_like(ordered_group, dtype=bool)
    group_start[1:] = ordered_group[1:] != ordered_group[:-1]
    changed = group_start.copy()
    changed[1:] |= (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
    first_in_group = np.maximum.accumulate(np.where(group_start, position, 0), axis=0)
    first_equal = np.maximum.accumulate(np.where(changed, position, 0), axis=0)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, first_equal - first_in_group + 1, axis=0)
    return ranks


def group_sizes(group: np.ndarray) -> np.ndarray:
    """For each unit, the number of units ranked in its group (N)."""
    _, inverse, counts = np.unique(group, return_inverse=True, return_counts=True)
    return counts[inverse]


def earned_grades(catalog: Catalog, total_cents: np.ndarray, rank: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Each unit's grade index (0 = best) by score and quota: the first whose min_score and quota it meets."""
    conditions = []
    for grade in catalog.grades:
        ok = np.ones(len(rank), dtype=bool)
        if grade.min_score is not None:
            ok &= total_cents >= int(cents(grade.min_score))
        if grade.max_share is not None:
            # max_share as an exact decimal, so 0.3 × 10 is 3 and not 2.9999…
            share = Decimal(repr(grade.max_share))
            quota = np.array([math.floor(share * n) for n in range(int(size.max(initial=0)) + 1)])
            ok &= rank <= quota[size]
        conditions.append(ok)
    last = len(catalog.grades) - 1
    return np.select(conditions, np.arange(len(catalog.grades)), last).astype(np.int64)


@dataclass(frozen=True)
class GradeEffects:
    """Per unit: vetoed (一票否决), the best grade index allowed (限制等次; 0: no cap), grades to demote (降低等次)."""

    vetoed: np.ndarray
    cap: np.ndarray
    demote: np.ndarray

    @classmethod
    def none(cls, n: int) -> "GradeEffects":
        return cls(np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))


def grade_effects(catalog: Catalog, hits: np.ndarray) -> GradeEffects:
    """The effects of the triggered veto items (units × vetoes, each item counted once)."""
    order = {g.name: k for k, g in enumerate(catalog.grades)}
    n = len(hits)
    vetoed, cap, demote = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for j, item in enumerate(catalog.vetoes):
        hit = hits[:, j]
        effect = item.grade_effect
        if effect == "veto":
            vetoed |= hit
        elif hasattr(effect, "max_grade"):
            cap = np.where(hit, np.maximum(cap, order[effect.max_grade]), cap)
        else:
            demote = demote + np.where(hit, effect.demote, 0)
    return GradeEffects(vetoed, cap, demote)


def grade_indexes(earned: np.ndarray, effects: GradeEffects, last: int) -> np.ndarray:
    """SPEC §4b: caps first (g = max(g, cap)), then demotions (g = min(last, g + Σ n))."""
    return np.minimum(last, np.maximum(earned, effects.cap) + effects.demote)


def unit_grades(catalog: Catalog, total_cents: np.ndarray, rank: np.ndarray, size: np.ndarray,
                vetoed: np.ndarray, effects: GradeEffects | None = None) -> np.ndarray:
    """Each unit's grade after effects: earned by score and quota, capped, demoted; the veto grade if vetoed."""
    effects = effects if effects is not None else GradeEffects.none(len(rank))
    index = grade_indexes(earned_grades(catalog, total_cents, rank, size), effects, len(catalog.grades) - 1)
    names = np.array([g.name for g in catalog.grades], dtype=object)[index]
    return np.where(vetoed, catalog.veto_grade or catalog.grades[-1].name, names).astype(object)


def rank_changes(units: pd.Index, rank: np.ndarray, previous: pd.DataFrame) -> pd.Series:
    """previous_rank − rank per unit (positive = moved up); NA without a previous ranking."""
    before = previous.drop_duplicates("unit_code").set_index("unit_code")["rank"].reindex(units)
    return (before - pd.Series(rank, index=units)).astype("Int64")


def last_place(ranking: pd.DataFrame) -> pd.Series:
    """Per unit of a ranking (unit_code, group, rank): True when it holds its group's last rank.

    A ranking where every unit is first (one unit, or all tied) has no last place.
    """
    group = ranking["group"].fillna("")
    worst = ranking.groupby(group)["rank"].transform("max")
    return (ranking["rank"] == worst) & (worst > 1)


def unit_alerts(catalog: Catalog, period: str, current: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """Per unit, its alerts joined by ';': 连续末位 and 等次下降 (SPEC §4), against earlier rankings."""
    units = pd.Index(current["unit_code"])
    flags = pd.DataFrame(index=units)
    streak = catalog.alerts.last_place_streak
    if streak:
        held = last_place(current).to_numpy().copy()
        p = Period.parse(period)
        for _ in range(streak - 1):
            p = p.previous()
            earlier = history[history["period"] == p.code]
            held &= last_place(earlier).set_axis(earlier["unit_code"]).reindex(units, fill_value=False).to_numpy()
        flags[labels.LAST_PLACE_STREAK] = held
    if catalog.alerts.grade_drop:
        order = {g.name: i for i, g in enumerate(catalog.grades)}
        before = history[history["period"] == Period.parse(period).previous().code]
        was = before.set_index("unit_code")["grade"].map(order).reindex(units)
        flags[labels.GRADE_DROP] = (current["grade"].map(order).to_numpy() > was.to_numpy())
    return joined_flags(flags)


def joined_flags(flags: pd.DataFrame) -> pd.Series:
    """Per row, the names of the True columns joined by ';' ('' when none)."""
    out = np.full(len(flags), "", dtype=object)
    for name in flags.columns:
        hit = flags[name].to_numpy(dtype=bool)
        out = np.where(hit & (out == ""), name, np.where(hit, out + labels.SEPARATOR + name, out))
    return pd.Series(out, index=flags.index, dtype=object)
