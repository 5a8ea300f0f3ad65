"""True indicator values of the demo: each unit has its own level, trend and noise per indicator.

Values are drawn per quarter (a year is the sum of its quarters for counts, their mean for
rates and stocks), from a generator seeded by (seed, indicator code), so adding an indicator
or a unit never changes the values of the others, and the same seed always gives the same data.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from kaoping.scoring.catalog import Indicator
from kaoping.scoring.periods import Period

Style = Literal["level", "count", "size"]


@dataclass(frozen=True)
class Profile:
    """How an indicator behaves: its value for an average unit in a quarter and its variation.

    `level` values (rates, percentages) vary additively around `center`; `count` values (flows,
    events) and `size` values (stocks such as population) scale with the unit's size and vary
    multiplicatively. `spread` is between units, `noise` between quarters, `trend` per quarter.
    """

    style: Style
    center: float
    spread: float
    noise: float
    trend: float = 0.0
    decimals: int = 1


def default_profile(ind: Indicator) -> Profile:
    """A plausible profile inferred from an indicator's kind, method and parameters."""
    if ind.kind in ("veto", "penalty", "bonus"):
        return Profile("count", {"veto": 0.02, "penalty": 0.06, "bonus": 0.3}[ind.kind], 0.3, 0.0, 0, 0)
    if ind.method == "deduction":
        return Profile("count", (ind.points or 1) / (ind.per or 1) * 0.04, 0.4, 0.0, 0, 0)
    if ind.method == "threshold" and ind.direction == "higher_better":
        width = ind.target - (ind.floor or 0)
        return Profile("level", ind.target - 0.08 * width, 0.12 * width, 0.05 * width, 0.015 * width,
                       _decimals(width))
    if ind.method == "threshold":
        width = ind.ceiling - ind.target
        return Profile("level", ind.target + 0.12 * width, 0.2 * width, 0.08 * width, -0.015 * width,
                       _decimals(width))
    if ind.integer:
        hi = ind.range[1] if ind.range else 1000
        return Profile("count", max(1.0, min(hi, 1000) * 0.01), 0.3, 0.1, 0.0, 0)
    if ind.unit == "%":
        better_high = ind.direction != "lower_better"
        return Profile("level", 90 if better_high else 10, 4, 1.5, 0.2 if better_high else -0.2, 1)
    if ind.kind == "input":
        return Profile("size", 50, 0.0, 0.01, 0.002, 1)
    lo, hi = ind.range or (0, 100)
    return Profile("level", lo + 0.5 * (min(hi, lo + 100) - lo), 8, 3, 0, 1)


def _decimals(width: float) -> int:
    return 2 if width < 10 else 1


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(k.encode("utf-8")) for k in keys)])


def unit_sizes(unit_codes: list[str], seed: int) -> np.ndarray:
    """Each unit's size (1 = an average county), persistent across indicators and periods."""
    return np.array([_rng(seed, "size", code).lognormal(0.0, 0.45) for code in unit_codes])


def quarterly_values(profile: Profile, sizes: np.ndarray, quarters: int, rng: np.random.Generator) -> np.ndarray:
    """Units × quarters of one indicator's unrounded values."""
    n = len(sizes)
    t = np.arange(quarters)
    if profile.style == "level":
        level = profile.center + rng.normal(0, profile.spread, n)
        slope = profile.trend * rng.uniform(0.0, 2.0, n)
        return level[:, None] + slope[:, None] * t + rng.normal(0, profile.noise, (n, quarters))
    factor = np.exp(rng.normal(0, profile.spread, n))
    growth = rng.normal(profile.trend, 0.02 if profile.trend else 0.0, n)
    mean = profile.center * (sizes * factor)[:, None] * (1 + growth[:, None]) ** t
    if profile.style == "size":
        return mean * np.exp(rng.normal(0, profile.noise, (n, quarters)))
    return rng.poisson(mean * np.exp(rng.normal(0, profile.noise, (n, quarters)))).astype(float)


def _finished(values: np.ndarray, ind: Indicator, profile: Profile) -> np.ndarray:
    """Values clipped to the indicator's range and rounded as a department would report them."""
    lo, hi = ind.range or (0.0, np.inf)
    digits = 0 if ind.integer else profile.decimals
    return np.round(np.clip(values, max(lo, 0.0), hi), digits)


def _period_value(quarters: np.ndarray, first_year: int, period: Period, profile: Profile) -> np.ndarray:
    start = (period.year - first_year) * 4
    if period.grain == "quarter":
        return quarters[:, start + period.index - 1]
    if period.grain == "year":
        block = quarters[:, start:start + 4]
        return block.sum(axis=1) if profile.style == "count" else block.mean(axis=1)
    raise ValueError(f"示例数据只支持季度和年度期间：{period} / the demo generates quarters and years only")


def true_values(unit_codes: list[str], indicators: list[Indicator], periods: list[str], seed: int,
                profiles: Mapping[str, Profile] | None = None, missing_share: float = 0.03) -> pd.DataFrame:
    """One row per unit × indicator × period: the true value, NaN where the unit reports none."""
    parsed = [Period.parse(p) for p in periods]
    first_year = min(p.year for p in parsed)
    n_quarters = (max(p.year for p in parsed) - first_year + 1) * 4
    codes = sorted(unit_codes)
    sizes = unit_sizes(codes, seed)
    frames = []
    for ind in indicators:
        profile = (profiles or {}).get(ind.code) or default_profile(ind)
        rng = _rng(seed, "values", ind.code)
        quarters = quarterly_values(profile, sizes, n_quarters, rng)
        gaps = _rng(seed, "missing", ind.code).random((len(codes), len(parsed))) < missing_share
        for j, period in enumerate(parsed):
            value = _finished(_period_value(quarters, first_year, period, profile), ind, profile)
            if ind.kind not in ("veto", "penalty", "bonus"):
                value = np.where(gaps[:, j], np.nan, value)
            frames.append(pd.DataFrame({"unit_code": codes, "indicator_code": ind.code,
                                        "period": period.code, "value": value}))
    return pd.concat(frames, ignore_index=True)
