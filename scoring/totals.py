"""From indicator scores to totals: missing-data policies, categories, bonus, penalties, vetoes.

Arrays are units × indicators (or × categories); `weights` is categories × draws, the factor
each category's points are multiplied by (all ones for the nominal scoring, random for the
sensitivity draws), so the nominal total and every draw go through the same arithmetic.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kaoping.scoring import labels
from kaoping.scoring.methods import item_amounts, with_group_parameters


def policy_scores(raw: np.ndarray, available: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """Scores after the missing-data policy: unavailable → 0, or NaN (not scored) under `exclude`."""
    return np.where(available, raw, np.where(exclude, np.nan, 0.0))


def score_flags(current: np.ndarray, carried: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """The flag of each unit × indicator: '' (own value), 沿用上期, 不计分 or 缺报."""
    return np.select([current, carried, np.broadcast_to(exclude, current.shape)],
                     ["", labels.CARRIED, labels.EXCLUDED], labels.MISSING).astype(object)


def membership(indicator_categories: list[str], category_codes: list[str]) -> np.ndarray:
    """Indicators × categories 0/1 matrix: which category each indicator adds to."""
    return (np.asarray(indicator_categories)[:, None] == np.asarray(category_codes)[None, :]).astype(float)


def category_scores(scores: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Units × categories: the sum of each category's scored indicators (excluded ones skipped)."""
    return np.nan_to_num(scores) @ member


def available_points(scores: np.ndarray, points: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Units × categories: the points of the indicators that were scored (not excluded)."""
    return (~np.isnan(scores) * points) @ member


def category_totals(by_category: np.ndarray, points: np.ndarray, rescaled: np.ndarray,
                    weights: np.ndarray, full_marks: float) -> np.ndarray:
    """Units × draws: Σ category scores, rescaled Σ·full_marks/Σ available points where a unit has exclusions."""
    weighted, avail = by_category @ weights, points @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(avail > 0, weighted * full_marks / avail, 0.0)
    return np.where(rescaled[:, None], scaled, weighted)


def bonus_scores(v: np.ndarray, p: pd.DataFrame, unit_group: np.ndarray | None = None) -> np.ndarray:
    """Units × bonus indicators: min(cap, amount) (per·v, a band or a curve), 0 without a value."""
    return with_group_parameters(v, p, np.zeros(len(v), dtype=np.int64), unit_group, item_amounts(v, p),
                                 lambda values, params, _: item_amounts(values, params))


def penalty_scores(v: np.ndarray, p: pd.DataFrame, unit_group: np.ndarray | None = None) -> np.ndarray:
    """Units × penalty indicators: the points taken off, min(cap, amount); 0 without a value."""
    return bonus_scores(v, p, unit_group)


def pool_caps(codes: list[str], groups) -> list[tuple[np.ndarray, float]]:
    """Per deduction pool (限扣), its members' column positions among `codes` and its cap."""
    index = pd.Index(codes)
    return [(index.get_indexer(list(g.members)), float(g.cap)) for g in groups]


def pooled_penalty(parts: np.ndarray, pools: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Per unit, the points taken off: items outside pools in full, each pool min(cap, Σ its members)."""
    pooled = np.zeros(parts.shape[1], dtype=bool)
    total = np.zeros(len(parts))
    for columns, cap in pools:
        pooled[columns] = True
        total = total + np.minimum(cap, parts[:, columns].sum(axis=1))
    return total + parts[:, ~pooled].sum(axis=1)


def pool_taken(parts: np.ndarray, pools: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Units × pools: what each pool took off (min(cap, Σ members))."""
    return np.stack([np.minimum(cap, parts[:, columns].sum(axis=1)) for columns, cap in pools], axis=1) \
        if pools else np.zeros((len(parts), 0))


def deduction_amounts(v: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    """Units × category deduction items: per·v, 0 without a value."""
    return p["per"].astype(float).to_numpy() * np.nan_to_num(v)


def category_deductions(amounts: np.ndarray, member: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Units × categories: min(deduction_cap, Σ its deduction items) (caps: inf where uncapped)."""
    return np.minimum(caps, amounts @ member)


def floored_categories(by_category: np.ndarray, deductions: np.ndarray) -> np.ndarray:
    """Units × categories: max(0, Σ indicator scores − deductions)."""
    return np.maximum(0.0, by_category - deductions)


def capped_sum(parts: np.ndarray, cap: float | None) -> np.ndarray:
    """Per unit, the sum of its parts, at most `cap` when one is set."""
    total = parts.sum(axis=1)
    return total if cap is None else np.minimum(cap, total)


def veto_hits(v: np.ndarray) -> np.ndarray:
    """Units × veto indicators: True where the value is > 0."""
    return np.nan_to_num(v) > 0


def final_totals(category_total: np.ndarray, bonus: np.ndarray, penalty: np.ndarray,
                 allow_negative: bool) -> np.ndarray:
    """Units × draws: category total + bonus − penalties, floored at 0 unless negatives are allowed."""
    total = category_total + bonus[:, None] - penalty[:, None]
    return total if allow_negative else np.maximum(total, 0.0)
