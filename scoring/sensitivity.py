"""排名稳定性: Monte Carlo over category points (SPEC §4), all draws at once.

Each draw multiplies every category's points by an independent factor uniform in [1−w, 1+w]
and renormalises so the points still add up to full marks; the indicators of a category are
scaled with it, so a unit's category score scales by the same ratio as the category's points.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def category_weights(points: np.ndarray, width: float, draws: int, seed: int) -> np.ndarray:
    """Categories × draws: each category's points ratio (perturbed / nominal) after renormalising."""
    factors = np.random.default_rng(seed).uniform(1 - width, 1 + width, size=(len(points), draws))
    perturbed = (points[:, None] * factors).sum(axis=0)
    nominal = (points[:, None] * np.ones_like(factors)).sum(axis=0)  # same arithmetic: w=0 gives exactly 1
    return factors / (perturbed / nominal)


def nominal_weights(n_categories: int) -> np.ndarray:
    """Categories × 1: the catalog's own points (every ratio 1)."""
    return np.ones((n_categories, 1))


def rank_summary(units: pd.Index, ranks: np.ndarray) -> pd.DataFrame:
    """Per unit, the median rank and the 5th and 95th percentile ranks over the draws."""
    low, median, high = np.percentile(ranks, [5, 50, 95], axis=1) if len(units) else ([], [], [])
    return pd.DataFrame({"median_rank": median, "rank_p05": low, "rank_p95": high}, index=units)
