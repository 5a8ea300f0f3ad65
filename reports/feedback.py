"""Per-unit feedback (反馈/<code>_<name>.xlsx): scores, points lost and why, gaps, trend, as a Layout."""
from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kaoping.reports import texts
from kaoping.reports.data import RunData, grids, marked, scheme_name
from kaoping.reports.ranking import rank_change_text
from kaoping.reports.ranking_sheets import subtitle
from kaoping.reports.reasons import Peers, loss_reason, points_lost
from kaoping.reports.rule_words import combined_text, grade_reasons
from kaoping.reports.fastxlsx import Layout
from kaoping.reports.xlsx.widths import wrapped_lines
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.rounding import round2, round2_array

WIDTHS = [13, 28, 9, 10, 8, 8, 8, 44]
REASON_CACHE = 200_000  # loss reasons kept per run (bounds memory at province scale)
PEERLESS_METHODS = ("threshold", "deduction")  # methods whose loss reason does not depend on the group's values


class Standings:
    """One ranking's (rank, total, unit name) entries, indexed to find the unit just above a rank."""

    def __init__(self, entries: list[tuple[int, float, str]]):
        self.lowest: dict[int, tuple[int, float, str]] = {}  # rank → its entry with the lowest total
        for entry in entries:
            if entry[0] not in self.lowest or entry[1] < self.lowest[entry[0]][1]:
                self.lowest[entry[0]] = entry
        self.ranks = sorted(self.lowest)

    def above(self, rank: int) -> tuple[int, float, str] | None:
        """The entry ranked just above `rank` (the lowest total among ties), None for the top."""
        k = bisect_left(self.ranks, rank)
        return self.lowest[self.ranks[k - 1]] if k else None


@dataclass
class FeedbackContext:
    """What every unit's feedback of one run shares, computed once: the indicator table's values
    as ranked unit × indicator grids (rows in ranking order; NaN / -1 where the unit has no score
    row), peer values, standings, history."""

    indicators: list
    points: np.ndarray  # points of the scored indicators (NaN for the others)
    values: np.ndarray  # value used
    scores: np.ndarray  # score (NaN also where excluded)
    flags: np.ndarray  # codes into flag_labels
    flag_labels: list[str]
    flagged: np.ndarray  # per flag code, then False for -1 (no row): whether it marks anything ('' does not)
    periods: np.ndarray  # codes into period_labels
    period_labels: list[str]
    peers: dict[tuple, Peers]
    categories: dict[str, dict[str, float]]
    history: dict[str, list]
    standings: dict[object, Standings]
    ranked: dict[object, int]
    heads: list[tuple]  # per indicator: code, name, unit, points shown, points lost when none lost
    may_explain: np.ndarray  # per indicator: whether it can have a reason without flags, gaps or losses
    raw_points: np.ndarray  # points as loss_reason sees them (NaN for none)
    quotes_loss: np.ndarray  # per indicator: whether its loss reason quotes the points lost (deduction)
    signs: np.ndarray  # per indicator: -1 for penalties (shown as 扣分 −x), else 1
    reasons: dict[tuple, str] = field(default_factory=dict)  # loss_reason by its arguments
    adjusted: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, indicator) → 人工调整 note

    def reason(self, k: int, value: float | None, score: float | None, flag: int, period: int, group,
               decisive: float | None) -> str:
        """loss_reason of indicator k; the same arguments recur across units (threshold values, 缺报…).
        Cached by `decisive`, what the text depends on of the score (see _reasons), and by group only
        where peers matter, so units with different scores share texts."""
        ind = self.indicators[k]
        key = (k, value, decisive, flag, period, None if ind.method in PEERLESS_METHODS else group)
        text = self.reasons.get(key)
        if text is None:
            if len(self.reasons) >= REASON_CACHE:
                self.reasons.clear()
            text = self.reasons[key] = loss_reason(
                ind, value, score, ind.points, self.flag_labels[flag] if flag >= 0 else None,
                self.period_labels[period] if period >= 0 else None, self.peers.get((group, ind.code), ()))
        return text


def feedback_indicators(catalog: Catalog) -> list:
    """The indicators of the feedback table, in order: by category, then bonus, penalties, vetoes."""
    return [i for c in catalog.categories for i in c.indicators] + [*catalog.bonus, *catalog.penalties,
                                                                     *catalog.vetoes]


def _peers(data: RunData) -> dict[tuple, Peers]:
    """Per (group, indicator): the values used of every unit with one."""
    d = data.details
    groups = dict(zip(data.rankings["unit_code"], data.rankings["group"]))
    units, codes = d["unit_code"].cat, d["indicator_code"].cat
    labels: dict = {}  # group → its number (None, the ungrouped, too)
    group_of = np.array([labels.setdefault(groups.get(c), len(labels)) for c in [*units.categories, None]])
    values = d["value_used"].to_numpy()
    keep = ~np.isnan(values)
    keys = pd.DataFrame({"group": group_of[units.codes.to_numpy()[keep]],
                         "indicator": codes.codes.to_numpy()[keep], "value": values[keep]})
    names = list(labels)
    return {(names[g], codes.categories[i]): Peers(np.sort(part.to_numpy()).tolist())
            for (g, i), part in keys.groupby(["group", "indicator"], sort=False)["value"]}


def adjustment_notes(data: RunData) -> dict[tuple[str, str], str]:
    """(unit, indicator) → what the feedback says of an adjusted value: the value, reason and author."""
    notes = {}
    for a in data.adjustments.itertuples():
        value = round2(a.value) if a.value == a.value else a.value
        template = texts.REASON_ADJUSTED if a.indicator_code == a.adjusted_code else texts.REASON_ADJUSTED_FORMULA
        notes[(a.unit_code, a.indicator_code)] = template.format(code=a.adjusted_code, value=f"{value:g}",
                                                                 reason=a.reason, author=a.author)
    return notes


def feedback_context(data: RunData) -> FeedbackContext:
    """The grids of the indicator tables, per-group peer values and standings, per-unit history."""
    indicators, d = feedback_indicators(data.catalog), data.details
    flags, periods = d["flags"].cat, d["value_period"].cat
    laid = grids(data, indicators, {"values": (d["value_used"].to_numpy(), np.nan),
                                    "scores": (d["score"].to_numpy(), np.nan),
                                    "flags": (flags.codes.to_numpy(), -1), "periods": (periods.codes.to_numpy(), -1)})
    categories: dict[str, dict[str, float]] = defaultdict(dict)
    for c in data.categories.itertuples():
        categories[c.unit_code][c.category_code] = c.score
    history: dict[str, list] = defaultdict(list)
    for h in data.history.itertuples():
        history[h.unit_code].append(h)
    totals: dict[object, list] = defaultdict(list)
    for r in data.rankings.itertuples():
        totals[r.group].append((int(r.rank), round2(r.total), r.unit_name))
    points = np.array([i.points if i.kind == "scored" and i.points is not None else np.nan for i in indicators])
    return FeedbackContext(indicators, round2_array(points), laid["values"], laid["scores"], laid["flags"],
                           [str(c) for c in flags.categories], np.array([bool(c) for c in flags.categories] + [False]),
                           laid["periods"], [str(c) for c in periods.categories],
                           _peers(data), categories, history, {g: Standings(v) for g, v in totals.items()},
                           {g: len(v) for g, v in totals.items()}, *_indicator_statics(indicators),
                           adjusted=adjustment_notes(data))


def _indicator_statics(indicators: list) -> tuple[list[tuple], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What FeedbackContext keeps per indicator for its table rows (heads … quotes_loss)."""
    heads = []
    for ind in indicators:
        points = round2(ind.points) if ind.kind == "scored" else None
        heads.append((ind.code, ind.name, ind.unit, points, 0.0 if points else None))
    extras = np.array([i.kind in ("bonus", "penalty", "veto") for i in indicators], dtype=bool)
    raw = np.array([np.nan if i.points is None else i.points for i in indicators], dtype=float)
    return heads, extras, raw, np.array([i.method == "deduction" for i in indicators], dtype=bool), \
        np.array([-1.0 if i.kind == "penalty" else 1.0 for i in indicators])


def gap_above_text(rank: int, total: float, standings: Standings) -> str:
    """How far the unit is behind the unit ranked just above it (in its own ranking)."""
    nearest = standings.above(rank)
    if nearest is None:
        return texts.TOP_RANK
    return texts.GAP_ABOVE.format(above=nearest[2], gap=round2(nearest[1] - round2(total)))


def grade_gap_text(catalog: Catalog, grade: str, total: float, is_vetoed: bool, limited: bool = False) -> str:
    """How far the unit is from the next higher grade's min_score (`limited`: a grade effect held it back)."""
    if is_vetoed:
        return texts.GAP_VETOED.format(grade=grade)
    names = [g.name for g in catalog.grades]
    position = names.index(grade) if grade in names else len(names)
    higher = [g for g in catalog.grades[:position] if g.min_score is not None]
    if not higher:
        return texts.TOP_GRADE
    target = higher[-1]
    gap = round2(target.min_score - round2(total))
    if gap <= 0:
        return (texts.GAP_GRADE_LIMITED if limited else texts.GAP_GRADE_REACHED).format(grade=target.name, min_score=target.min_score)
    return texts.GAP_GRADE.format(grade=target.name, min_score=target.min_score, gap=gap)


def indicator_rows(data: RunData, ctx: FeedbackContext, r) -> list[tuple[str, list]]:
    """(kind, row) pairs: a row per category (kind 'section') followed by its indicators
    (`r` is the unit's ranking row)."""
    cat_scores = ctx.categories.get(r.unit_code, {})
    rows = iter(_indicator_values(ctx, r.Index, r.group))
    out: list[tuple[str, list]] = []
    for cat in data.catalog.categories:
        score = round2(cat_scores.get(cat.code))
        out.append(("section", [cat.code, cat.name, "", "", score, round2(cat.points),
                                points_lost(score, cat.points), ""]))
        out += [("row", next(rows)) for _ in cat.indicators]
    extras = [*data.catalog.bonus, *data.catalog.penalties, *data.catalog.vetoes]
    if extras:
        out.append(("section", ["", texts.SECTION_EXTRAS, "", "", None, None, None, ""]))
        out += [("row", next(rows)) for _ in extras]
    if ctx.adjusted:
        for kind, values in out:
            note = ctx.adjusted.get((r.unit_code, values[0])) if kind == "row" else None
            if note:
                values[7] = f"{note}；{values[7]}" if values[7] else note
    return out


def _indicator_values(ctx: FeedbackContext, unit: int, group) -> list[list]:
    """The indicator table rows of the unit at ranking position `unit`, in ctx.indicators order."""
    raw, values = ctx.scores[unit], round2_array(ctx.values[unit])
    scores = round2_array(raw) * ctx.signs  # a penalty is shown as what it takes off: −0.50
    losses = round2_array(ctx.points - scores)  # points_lost of the scored indicators
    reasons = _reasons(ctx, unit, group, values, raw)
    return [[code, name, unit_of, value if value == value else None, score if score == score else None, points,
             (lost if lost == lost else None) or no_loss, reason]
            for (code, name, unit_of, points, no_loss), value, score, lost, reason
            in zip(ctx.heads, values.tolist(), scores.tolist(), losses.tolist(), reasons)]


def _reasons(ctx: FeedbackContext, unit: int, group, values: np.ndarray, raw: np.ndarray) -> list[str]:
    """loss_reason per indicator; asked only where it can be non-empty (flagged, extra, no value,
    or points lost: a loss of at most 0.001 rounds to none), as most indicators lose nothing."""
    flags, periods = ctx.flags[unit], ctx.periods[unit]
    asked = np.flatnonzero(ctx.may_explain | ctx.flagged[flags] | np.isnan(values) | (ctx.raw_points - raw > 0.001))
    # points_lost as loss_reason rounds it (round2_array is round2's vectorised twin); only its sign
    # matters unless the text quotes it (deduction), and extras quote the score
    lost = round2_array(ctx.raw_points[asked] - raw[asked])
    decisive = np.where(ctx.may_explain[asked], raw[asked], np.where(ctx.quotes_loss[asked], lost, lost > 0))
    out = [""] * len(ctx.indicators)
    for k, value, score, flag, period, by in zip(asked.tolist(), values[asked].tolist(), raw[asked].tolist(),
                                                 flags[asked].tolist(), periods[asked].tolist(), decisive.tolist()):
        out[k] = ctx.reason(k, value if value == value else None, score if score == score else None, flag, period,
                            group, by if by == by else None)
    return out


def _summary(data: RunData, ctx: FeedbackContext, r) -> list[tuple[str, str | float]]:
    n = ctx.ranked.get(r.group, 0)
    rank = texts.OF_RANKED.format(rank=int(r.rank), n=n)
    if data.grouped:
        rank = f"{r.group} {rank}"
    detail = getattr(r, "detail", None)
    combined, effects = combined_text(detail), grade_reasons(detail, data.catalog, r.grade)
    rows = [(texts.SUMMARY_TOTAL, round2(r.total)), (texts.SUMMARY_RANK, rank),
            (texts.SUMMARY_GRADE, r.grade), (texts.SUMMARY_RANK_CHANGE, rank_change_text(r.rank_change) or texts.NO_EARLIER),
            (texts.SUMMARY_GAP_ABOVE, gap_above_text(int(r.rank), r.total, ctx.standings[r.group])),
            (texts.SUMMARY_GAP_GRADE, grade_gap_text(data.catalog, r.grade, r.total, bool(r.is_vetoed), bool(effects)))]
    if combined:
        rows.append((texts.SUMMARY_COMBINED, combined))
    if effects:
        rows.append((texts.SUMMARY_EFFECTS, texts.GRADE_RULES_JOIN.join(effects)))
    if r.alerts:
        rows.append((texts.SUMMARY_ALERTS, r.alerts.replace(";", "、")))
    return rows


def _row_keys(kind: str, reason: str) -> list[str]:
    return [f"{kind}_text", f"{kind}_wrap", f"{kind}_text", f"{kind}_general", f"{kind}_num", f"{kind}_num",
            f"{kind}_num", reason]


# style keys of indicator table rows (see feedback_render.PALETTE): section rows, rows that lost
# points (reason in warning red), other rows
SECTION_KEYS, LOST_KEYS, ROW_KEYS = _row_keys("sec", "sec_wrap"), _row_keys("row", "warn_wrap"), _row_keys("row", "row_wrap")


def _indicator_keys(values: list, section: bool) -> list[str]:
    """Style keys of an indicator table row."""
    return SECTION_KEYS if section else (LOST_KEYS if values[6] else ROW_KEYS)


def _add_indicators(layout: Layout, row: int, rows: list[tuple[str, list]]) -> int:
    """The indicator table from `row` (header) down; returns the header row."""
    layout.add_row(row, list(texts.FEEDBACK_HEADERS), ["header"] * len(WIDTHS))
    layout.heights[row] = 22
    for k, (kind, values) in enumerate(rows, start=row + 1):
        layout.add_row(k, values, _indicator_keys(values, kind == "section"))
        lines = max(wrapped_lines(values[1], WIDTHS[1]), wrapped_lines(values[7] or "", WIDTHS[7]))
        if lines > 1:  # wrapped text needs the room; office suites do not grow rows on opening
            layout.heights[k] = 14 * lines + 4
    return row


def _add_trend(layout: Layout, row: int, history: list) -> None:
    layout.add_row(row, list(texts.TREND_HEADERS), ["header"] * len(texts.TREND_HEADERS))
    layout.heights[row] = 22
    for k, h in enumerate(history, start=row + 1):
        layout.add_row(k, [h.period, round2(h.total), int(h.rank), h.grade], ["trend", "trend", "trend_int", "trend"])
    if history:
        layout.chart = (row, len(history), *trend_axis([round2(h.total) for h in history]))


AXIS_STEPS = (1, 2, 5, 10, 20, 25, 50)
AXIS_TICKS = 6  # at most this many labelled steps on the trend chart's value axis


def trend_axis(totals: list[float]) -> tuple[float, float, float]:
    """(min, max, major unit) of the trend chart's value axis: whole steps, at most AXIS_TICKS of
    them, the line clear of both edges, never below 0 — so no two labels read the same."""
    values = [t for t in totals if t is not None and t == t] or [0.0]
    low, high = min(values), max(values)
    pad = max(1.0, (high - low) * 0.15)
    for unit in AXIS_STEPS:
        lo, hi = max(0.0, math.floor((low - pad) / unit) * unit), math.ceil((high + pad) / unit) * unit
        if (hi - lo) / unit <= AXIS_TICKS:
            return float(lo), float(hi), float(unit)
    return 0.0, float(math.ceil(high / 100) * 100 or 100), 100.0


def feedback_layout(data: RunData, ctx: FeedbackContext, r) -> Layout:
    """One unit's feedback sheet as cells (`r` is its row of data.rankings.itertuples())."""
    title = marked(data, texts.FEEDBACK_TITLE.format(unit=r.unit_name, label=data.period.label,
                                                     scheme=scheme_name(data.catalog)))
    layout = Layout(title)
    layout.add_row(1, [title] + [None] * (len(WIDTHS) - 1), ["title"] * len(WIDTHS))
    layout.add_row(2, [subtitle(data)], ["subtitle"], first_col=len(WIDTHS))
    layout.heights.update({1: 32, 2: 18})
    summary = _summary(data, ctx, r)
    for k, (label, value) in enumerate(summary, start=3):
        layout.add_row(k, [label, value], ["label", "alert" if label in (texts.SUMMARY_ALERTS, texts.SUMMARY_EFFECTS) else "summary"])
    row = 3 + len(summary) + 1
    layout.add_row(row, [texts.SECTION_INDICATORS], ["section"])
    layout.heights[row] = 22
    rows = indicator_rows(data, ctx, r)
    layout.print_title_row = _add_indicators(layout, row + 1, rows)
    row = layout.print_title_row + len(rows) + 2
    layout.add_row(row, [texts.SECTION_TREND], ["section"])
    layout.heights[row] = 22
    _add_trend(layout, row + 1, ctx.history.get(r.unit_code, []))
    return layout
