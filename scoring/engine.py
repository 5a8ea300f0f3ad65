"""The scoring engine's entry point: one period under one catalog, DataFrames in, DataFrames out.

`score_period` returns frames with the columns declared here, which are those of the warehouse
tables `fact_score`, `fact_category_score` and `fact_ranking` without `run_id` (a warehouse test
holds the two together); `warehouse.runs` stores them. fact_score, one row per unit × item (millions
in a province), comes a block of units at a time, so that no run holds all of its rows at once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kaoping.scoring import labels
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.combine import Figures, PartRuns, combined_figures
from kaoping.scoring.methods import indicator_scores
from kaoping.scoring.periods import Period
from kaoping.scoring.lineage import (deduction_details, effect_details, indicator_details, pool_details,
                                     ranking_details)
from kaoping.scoring.ranking import (GradeEffects, competition_ranks, earned_grades, grade_effects, group_sizes,
                                     rank_changes, ranking_keys, unit_alerts, unit_grades)
from kaoping.scoring.rounding import cents
from kaoping.scoring.sensitivity import category_weights, nominal_weights, rank_summary
from kaoping.scoring.totals import (available_points, bonus_scores, capped_sum, category_deductions,
                                    category_scores, category_totals, deduction_amounts, final_totals,
                                    floored_categories, membership, penalty_scores, policy_scores, pool_caps,
                                    pool_taken, pooled_penalty, score_flags, veto_hits)
from kaoping.scoring.values import carried_values, history_codes, history_table, period_table, with_derived

SCORE_COLUMNS = ["unit_code", "indicator_code", "value_used", "score", "points", "flags", "value_period",
                 "fact_value_id", "detail"]
CATEGORY_COLUMNS = ["unit_code", "category_code", "score", "points"]
RANKING_COLUMNS = ["unit_code", "group", "category_total", "bonus", "penalty", "total", "rank", "grade",
                   "is_vetoed", "rank_change", "alerts", "median_rank", "rank_p05", "rank_p95", "detail"]


@dataclass(frozen=True)
class ScoreOptions:
    """What to score and whether to run the sensitivity draws."""

    period: str
    sensitivity: bool = False
    draws: int = 1000
    width: float = 0.2
    seed: int = 20250101


@dataclass
class ScoreResult:
    """The engine's output, shaped like fact_score, fact_category_score, fact_ranking; fact_score as
    `score_blocks(n)`: its rows n ranked units at a time, in units order."""

    score_blocks: Callable[[int], Iterator[pd.DataFrame]]
    category_scores: pd.DataFrame
    rankings: pd.DataFrame
    sensitivity: pd.DataFrame | None
    combined: pd.DataFrame | None = None  # a combined year: unit_code, part, weight, value, periods, skip

    @property
    def scores(self) -> pd.DataFrame:
        """Every fact_score row in one frame (one block of all units)."""
        blocks = list(self.score_blocks(max(1, len(self.rankings))))
        return blocks[0] if blocks else pd.DataFrame(columns=SCORE_COLUMNS)


def registry_groups(catalog: Catalog, units: pd.DataFrame) -> pd.Series:
    """The units ranked (registry rows of the assessed kind), by code → registry group ('' when none)."""
    rows = units[units["kind"] == catalog.assessed_kind] if "kind" in units else units
    group = rows["group"].fillna("").astype(str) if "group" in rows else pd.Series("", index=rows.index)
    return pd.Series(group.to_numpy(dtype=object), index=pd.Index(rows["code"], name="unit_code")).sort_index()


def ranked_units(catalog: Catalog, units: pd.DataFrame) -> pd.Series:
    """The units ranked (registry rows of the assessed kind), by code → ranking group ('' when not grouped)."""
    groups = registry_groups(catalog, units)
    return groups if catalog.rank_within == "group" else pd.Series("", index=groups.index, dtype=object)


@dataclass
class _Values:
    """The scored indicators' values for the ranked units after the missing-data policies."""

    used: np.ndarray
    present: np.ndarray
    carried: np.ndarray
    value_period: np.ndarray
    fact_value_id: np.ndarray
    current: pd.DataFrame  # all codes, the period's rows (bonus, penalty, veto read from here)
    current_ids: pd.DataFrame
    references: dict  # benchmark code → units' reference R (lineage)


def policy_values(catalog: Catalog, values: pd.DataFrame, history: pd.DataFrame, period: str,
                  roster: pd.Series, scored: pd.DataFrame) -> _Values:
    """Values with formulas computed and `previous` carry-over applied (SPEC §4 missing data)."""
    columns = ["period", "unit_code", "indicator_code", "value", "fact_value_id"]
    units = roster.index
    codes = [i.code for i in catalog.all_indicators()]
    current, current_ids = period_table(values.reindex(columns=columns[1:]), units, codes)
    needed = history_codes(catalog)
    earlier, earlier_ids = history_table(history.reindex(columns=columns), units,
                                         [c for c in codes if c in needed], period)
    references: dict = {}
    current, earlier = with_derived(current, earlier, catalog, period, roster, references)
    own = current[scored.index].to_numpy(dtype=float)
    present = ~np.isnan(own)
    carry = scored.index[scored["missing"] == "previous"].tolist()
    value, when, source = carried_values(earlier, earlier_ids, units, carry)
    cols = scored.index.get_indexer(carry)
    carried = np.zeros_like(present)
    carried[:, cols] = ~present[:, cols] & ~np.isnan(value)
    used, value_period = own.copy(), np.where(present, period, None).astype(object)
    fact_value_id = current_ids.reindex(columns=scored.index).to_numpy(dtype=float).copy()
    for fill, target in ((value, used), (when, value_period), (source, fact_value_id)):
        target[:, cols] = np.where(carried[:, cols], fill, target[:, cols])
    return _Values(used, present, carried, value_period, fact_value_id, current, current_ids, references)


def breaker_scores(catalog: Catalog, scored: pd.DataFrame, by_category: np.ndarray, scores: np.ndarray,
                   weights: np.ndarray) -> list[np.ndarray]:
    """Units × draws scores of each tie-breaker (category or indicator), scaled with the draw's weights."""
    cat_index = {c.code: k for k, c in enumerate(catalog.categories)}
    out = []
    for code in catalog.tie_breakers:
        if code in cat_index:
            out.append(by_category[:, [cat_index[code]]] * weights[cat_index[code]])
        else:
            col = scored.index.get_loc(code)
            out.append(scores[:, [col]] * weights[cat_index[scored["category_code"].iloc[col]]])
    return out


@dataclass
class _Totals:
    """Everything ranking needs, in units order."""

    scores: np.ndarray
    by_category: np.ndarray
    points: np.ndarray
    rescaled: np.ndarray
    bonus_parts: np.ndarray
    penalty_parts: np.ndarray
    bonus: np.ndarray
    penalty: np.ndarray
    vetoes: np.ndarray
    deduction_parts: np.ndarray  # units × category deduction items: per·v
    deductions: np.ndarray  # units × categories: min(deduction_cap, Σ) taken off each category
    pools: np.ndarray  # units × penalty_groups: what each pool took off
    effects: GradeEffects


def draw_ranks(catalog: Catalog, scored: pd.DataFrame, t: _Totals, group: np.ndarray,
               weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units × draws: category totals, totals and ranks for the given category weights."""
    cat_total = category_totals(t.by_category, t.points, t.rescaled, weights, catalog.full_marks)
    total = final_totals(cat_total, t.bonus, t.penalty, catalog.allow_negative)
    keys = ranking_keys(total, breaker_scores(catalog, scored, t.by_category, t.scores, weights))
    return cat_total, total, competition_ranks(group, keys)


@lru_cache(maxsize=16)
def catalog_table(catalog: Catalog) -> pd.DataFrame:
    """`Catalog.indicator_frame()` indexed by code, computed once per catalog (do not modify)."""
    return catalog.indicator_frame().set_index("code")


def indicator_rows(catalog: Catalog, kind: str) -> pd.DataFrame:
    """The catalog's indicators of one kind as a table indexed by code, in catalog order."""
    frame = catalog_table(catalog)
    return frame[frame["kind"] == kind]


def unit_totals(catalog: Catalog, scored: pd.DataFrame, vals: _Values, group: np.ndarray,
                unit_group: np.ndarray) -> _Totals:
    """Indicator, category, bonus, penalty and veto results for every ranked unit."""
    raw = indicator_scores(vals.used, scored, group, unit_group)
    scores = policy_scores(raw, ~np.isnan(vals.used), (scored["missing"] == "exclude").to_numpy())
    category_codes = [c.code for c in catalog.categories]
    member = membership(scored["category_code"].tolist(), category_codes)
    bonus, penalty, veto, deduction = (indicator_rows(catalog, k) for k in ("bonus", "penalty", "veto", "deduction"))
    bonus_parts = bonus_scores(vals.current[bonus.index].to_numpy(dtype=float), bonus, unit_group)
    penalty_parts = penalty_scores(vals.current[penalty.index].to_numpy(dtype=float), penalty, unit_group)
    deduction_parts = deduction_amounts(vals.current[deduction.index].to_numpy(dtype=float), deduction)
    caps = np.array([np.inf if c.deduction_cap is None else c.deduction_cap for c in catalog.categories])
    taken = category_deductions(deduction_parts, membership(deduction["category_code"].tolist(), category_codes),
                                caps)
    pools = pool_caps(penalty.index.tolist(), catalog.penalty_groups)
    hits = veto_hits(vals.current[veto.index].to_numpy(dtype=float))
    effects = grade_effects(catalog, hits)
    return _Totals(scores, floored_categories(category_scores(scores, member), taken),
                   available_points(scores, scored["points"].to_numpy(dtype=float), member),
                   np.isnan(scores).any(axis=1), bonus_parts, penalty_parts,
                   capped_sum(bonus_parts, catalog.bonus_cap), pooled_penalty(penalty_parts, pools),
                   effects.vetoed[:, None], deduction_parts, taken, pool_taken(penalty_parts, pools), effects)


def score_block(units: pd.Index, codes: pd.Index, **columns: np.ndarray) -> pd.DataFrame:
    """fact_score rows of one units × indicators block (each column a units × indicators array)."""
    n_units, n_codes = len(units), len(codes)
    # categoricals: building 400,000 strings row by row is what made this slow
    frame = pd.DataFrame({"unit_code": pd.Categorical.from_codes(np.repeat(np.arange(n_units), n_codes), units),
                          "indicator_code": pd.Categorical.from_codes(np.tile(np.arange(n_codes), n_units), codes)})
    for name, array in columns.items():
        flat = np.broadcast_to(array, (n_units, n_codes)).ravel()
        # object arrays stay object (None stays None) instead of becoming pandas strings
        frame[name] = pd.Series(flat, dtype=object) if flat.dtype == object else flat
    return frame


def effect_flags(catalog: Catalog, hit: np.ndarray) -> np.ndarray:
    """Units × veto items: the flag of each triggered item (一票否决, 限制等次 or 降低等次)."""
    names = np.array([labels.VETOED if v.grade_effect == "veto" else
                      labels.GRADE_CAPPED if hasattr(v.grade_effect, "max_grade") else labels.GRADE_DEMOTED
                      for v in catalog.vetoes], dtype=object)
    return np.where(hit, names[None, :], "").astype(object)


def extra_blocks(catalog: Catalog, vals: _Values, t: _Totals, units: pd.Index, period: str,
                 unit_group: np.ndarray, block: slice) -> list[pd.DataFrame]:
    """fact_score rows of the bonus, penalty, category deduction and veto items of the units in `block`
    (no value counts as 0, no flag)."""
    out = []
    for kind, parts in (("bonus", t.bonus_parts), ("penalty", t.penalty_parts), ("deduction", t.deduction_parts),
                        ("veto", None)):
        rows = indicator_rows(catalog, kind)
        value = vals.current[rows.index].to_numpy(dtype=float)[block]
        hit = veto_hits(value)
        flags = effect_flags(catalog, hit) if parts is None else np.full(value.shape, "", dtype=object)
        if kind == "veto":
            detail = effect_details(catalog, hit)
        elif kind == "deduction":
            detail = deduction_details(catalog, rows.index, t.deductions[block])
        else:
            detail = indicator_details(catalog, rows.index, value, unit_group[block])
            if kind == "penalty":
                detail = pool_details(catalog, rows.index, t.pools[block], detail)
        out.append(score_block(units[block], rows.index, value_used=value,
                               score=np.zeros(value.shape) if parts is None else parts[block],
                               points=rows["cap"].to_numpy(dtype=float),
                               flags=flags,
                               value_period=np.where(np.isnan(value), None, period).astype(object),
                               fact_value_id=vals.current_ids[rows.index].to_numpy(dtype=float)[block],
                               detail=detail))
    return out


def score_table(catalog: Catalog, scored: pd.DataFrame, vals: _Values, t: _Totals, units: pd.Index,
                period: str, unit_group: np.ndarray, block: slice = slice(None)) -> pd.DataFrame:
    """fact_score of the units in `block`: one row per unit × scored, bonus, penalty, deduction and veto item."""
    exclude = (scored["missing"] == "exclude").to_numpy()
    references = {code: np.asarray(ref, dtype=float)[block] for code, ref in vals.references.items()}
    main = score_block(units[block], scored.index, value_used=vals.used[block], score=t.scores[block],
                       points=scored["points"].to_numpy(dtype=float),
                       flags=score_flags(vals.present[block], vals.carried[block], exclude),
                       value_period=vals.value_period[block], fact_value_id=vals.fact_value_id[block],
                       detail=indicator_details(catalog, scored.index, vals.used[block], unit_group[block],
                                                references))
    frame = pd.concat([main, *extra_blocks(catalog, vals, t, units, period, unit_group, block)], ignore_index=True)
    frame["fact_value_id"] = frame["fact_value_id"].astype("Int64")
    return frame[SCORE_COLUMNS]


def category_table(catalog: Catalog, by_category: np.ndarray, points: np.ndarray, units: pd.Index) -> pd.DataFrame:
    """fact_category_score: one row per ranked unit × category (points: those of the scored indicators)."""
    codes = pd.Index([c.code for c in catalog.categories])
    return score_block(units, codes, score=by_category, points=points).rename(
        columns={"indicator_code": "category_code"})[CATEGORY_COLUMNS]


def own_figures(catalog: Catalog, scored: pd.DataFrame, t: _Totals, draws: tuple) -> Figures:
    """The period's own figures (nominal weights) in the shape combining and ranking use."""
    cat_total, total, _ = (a[:, 0] for a in draws)
    ones = nominal_weights(len(catalog.categories))
    breakers = breaker_scores(catalog, scored, t.by_category, t.scores, ones)
    stacked = np.column_stack([b[:, 0] for b in breakers]) if breakers else np.zeros((len(total), 0))
    veto = indicator_rows(catalog, "veto")
    return Figures(cat_total, t.bonus, t.penalty, total, t.by_category, stacked,
                   np.zeros((len(total), len(veto)), dtype=bool))


def ranking_table(catalog: Catalog, period: str, roster: pd.Series, group: np.ndarray, fig: Figures,
                  ranks: np.ndarray, effects: GradeEffects, previous: pd.DataFrame,
                  parts: pd.DataFrame | None = None) -> pd.DataFrame:
    """fact_ranking: one row per ranked unit, ordered by group, rank, unit code (grade after effects)."""
    frame = pd.DataFrame({"unit_code": roster.index,
                          "category_total": fig.category_total, "bonus": fig.bonus, "penalty": fig.penalty,
                          "total": fig.total, "rank": ranks, "is_vetoed": effects.vetoed})
    frame["group"] = pd.Series(np.where(roster == "", None, roster), dtype=object)
    frame["grade"] = unit_grades(catalog, cents(fig.total), ranks, group_sizes(group), effects.vetoed, effects)
    earned = earned_grades(catalog, cents(fig.total), ranks, group_sizes(group))
    frame["detail"] = ranking_details(catalog, earned, fig.hits, parts, roster.index)
    before = previous[previous["period"] == Period.parse(period).previous().code]
    frame["rank_change"] = rank_changes(roster.index, ranks, before).to_numpy()
    frame["alerts"] = unit_alerts(catalog, period, frame, previous).to_numpy()
    frame = frame.reindex(columns=RANKING_COLUMNS)
    return frame.sort_values(["group", "rank", "unit_code"], na_position="first", kind="stable",
                             ignore_index=True)


def figure_ranks(group: np.ndarray, fig: Figures) -> np.ndarray:
    """Competition ranks on the figures' rounded total, then tie-breakers."""
    keys = ranking_keys(fig.total[:, None], [fig.breakers[:, [k]] for k in range(fig.breakers.shape[1])])
    return competition_ranks(group, keys)[:, 0]


def score_period(catalog: Catalog, values: pd.DataFrame, units: pd.DataFrame, history: pd.DataFrame,
                 previous_rankings: pd.DataFrame, options: ScoreOptions, parts: PartRuns | None = None
                 ) -> ScoreResult:
    """Scores, category scores, rankings (and optionally rank stability) of one period (SPEC §4, §4b).

    values: unit_code, indicator_code, value[, fact_value_id] of the period; units: registry rows
    (code, kind, group) valid in the period; history: the same plus `period`, earlier periods;
    previous_rankings: period, unit_code, group, rank, grade of earlier published rankings;
    parts: for a combined year (`combine`), the published runs of its quarters / months.
    """
    period = Period.parse(options.period).code
    roster = ranked_units(catalog, units)
    unit_group = registry_groups(catalog, units).reindex(roster.index).to_numpy(dtype=object)
    group = pd.factorize(roster.to_numpy(dtype=object), sort=True)[0].astype(np.int64)
    scored = indicator_rows(catalog, "scored")
    vals = policy_values(catalog, values, history, period, roster, scored)
    t = unit_totals(catalog, scored, vals, group, unit_group)
    draws = draw_ranks(catalog, scored, t, group, nominal_weights(len(catalog.categories)))
    previous = previous_rankings.reindex(columns=["period", "unit_code", "group", "rank", "grade"])
    veto = indicator_rows(catalog, "veto")
    own_hits = veto_hits(vals.current[veto.index].to_numpy(dtype=float))
    combined = catalog.combined(Period.parse(period).grain)
    if combined:
        year = own_figures(catalog, scored, t, draws)
        year.hits = own_hits
        fig, lineage = combined_figures(catalog, year, parts or PartRuns(), roster.index)
        ranks, by_category = figure_ranks(group, fig), fig.by_category
        points = np.broadcast_to(np.array([c.points for c in catalog.categories], dtype=float), by_category.shape)
        effects = grade_effects(catalog, fig.hits)
    else:
        fig, lineage = own_figures(catalog, scored, t, draws), None
        fig.hits = own_hits
        ranks, by_category, points, effects = draws[2][:, 0], t.by_category, t.points, t.effects
    rankings = ranking_table(catalog, period, roster, group, fig, ranks, effects, previous, lineage)
    summary = None
    if options.sensitivity and not combined:
        weights = category_weights(np.array([c.points for c in catalog.categories]), options.width,
                                   options.draws, options.seed)
        summary = rank_summary(roster.index, draw_ranks(catalog, scored, t, group, weights)[2])
        rankings[summary.columns] = summary.reindex(rankings["unit_code"]).to_numpy()
        summary = summary.reset_index()
    # no year-end files in a combined year: the year's own items are not part of the result
    own_items = not combined or any(p.from_ == "year" for p in catalog.combine)

    def score_blocks(size: int) -> Iterator[pd.DataFrame]:
        for start in range(0, len(roster) if own_items else 0, size):
            yield score_table(catalog, scored, vals, t, roster.index, period, unit_group, slice(start, start + size))

    return ScoreResult(score_blocks, category_table(catalog, by_category, points, roster.index), rankings, summary,
                       lineage)
