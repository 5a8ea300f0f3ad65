"""Per-unit feedback (反馈/<code>_<name>.xlsx): scores, points lost and why, gaps, trend, as a Layout."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from reports import texts
from reports.data import RunData, scheme_name
from reports.ranking_sheets import subtitle
from reports.reasons import loss_reason, points_lost
from reports.fastxlsx import Layout
from reports.xlsx import round2, wrapped_lines
from scoring.catalog import Catalog

WIDTHS = [13, 28, 9, 10, 8, 8, 8, 44]


@dataclass
class FeedbackContext:
    """What every unit's feedback of one run shares, indexed once for speed."""

    details: dict[str, list]
    categories: dict[str, dict[str, float]]
    peers: dict[tuple, list[float]]
    history: dict[str, list]
    totals: dict[object, list[tuple[int, float, str]]]
    ranked: dict[object, int]


def feedback_context(data: RunData) -> FeedbackContext:
    """Per-unit details and history, per-group peer values and standings."""
    group_of = dict(zip(data.rankings["unit_code"], data.rankings["group"]))
    details, peers, history, totals = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for d in data.details.itertuples():
        details[d.unit_code].append(d)
        if d.value_used is not None and d.value_used == d.value_used:
            peers[(group_of.get(d.unit_code), d.indicator_code)].append(float(d.value_used))
    categories: dict[str, dict[str, float]] = defaultdict(dict)
    for c in data.categories.itertuples():
        categories[c.unit_code][c.category_code] = c.score
    for h in data.history.itertuples():
        history[h.unit_code].append(h)
    for r in data.rankings.itertuples():
        totals[r.group].append((int(r.rank), round2(r.total), r.unit_name))
    return FeedbackContext(details, categories, peers, history, totals, {g: len(v) for g, v in totals.items()})


def gap_above_text(rank: int, total: float, standings: list[tuple[int, float, str]]) -> str:
    """How far the unit is behind the unit ranked just above it (in its own ranking)."""
    above = [s for s in standings if s[0] < rank]
    if not above:
        return texts.TOP_RANK
    best_rank = max(s[0] for s in above)
    nearest = min((s for s in above if s[0] == best_rank), key=lambda s: s[1])
    return texts.GAP_ABOVE.format(above=nearest[2], gap=round2(nearest[1] - round2(total)))


def grade_gap_text(catalog: Catalog, grade: str, total: float, is_vetoed: bool) -> str:
    """How far the unit is from the next higher grade's min_score."""
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
        return texts.GAP_GRADE_REACHED.format(grade=target.name, min_score=target.min_score)
    return texts.GAP_GRADE.format(grade=target.name, min_score=target.min_score, gap=gap)


def indicator_rows(data: RunData, ctx: FeedbackContext, unit_code: str, group) -> list[tuple[str, list]]:
    """(kind, row) pairs: a row per category (kind 'section') followed by its indicators."""
    mine = {d.indicator_code: d for d in ctx.details.get(unit_code, [])}
    cat_scores = ctx.categories.get(unit_code, {})
    out: list[tuple[str, list]] = []
    for cat in data.catalog.categories:
        score = round2(cat_scores.get(cat.code))
        out.append(("section", [cat.code, cat.name, "", "", score, round2(cat.points),
                                points_lost(score, cat.points), ""]))
        out += [("row", _indicator_row(ind, mine.get(ind.code), ctx, group)) for ind in cat.indicators]
    extras = [*data.catalog.bonus, *data.catalog.penalties, *data.catalog.vetoes]
    if extras:
        out.append(("section", ["", texts.SECTION_EXTRAS, "", "", None, None, None, ""]))
        out += [("row", _indicator_row(ind, mine.get(ind.code), ctx, group)) for ind in extras]
    return out


def _indicator_row(ind, d, ctx: FeedbackContext, group) -> list:
    value = None if d is None or d.value_used is None else round2(d.value_used)
    score = None if d is None else round2(d.score)
    points = round2(ind.points) if ind.kind == "scored" else None
    lost = points_lost(score, points) if ind.kind == "scored" else None
    reason = loss_reason(ind, value, None if d is None else d.score, ind.points,
                         None if d is None else d.flags, None if d is None else d.value_period,
                         ctx.peers.get((group, ind.code), ()))
    return [ind.code, ind.name, ind.unit, value, score, points, lost or (0.0 if points else None), reason]


def _summary(data: RunData, ctx: FeedbackContext, r) -> list[tuple[str, str | float]]:
    n = ctx.ranked.get(r.group, 0)
    rank = texts.OF_RANKED.format(rank=int(r.rank), n=n)
    if data.grouped:
        rank = f"{r.group} {rank}"
    rows = [(texts.SUMMARY_TOTAL, round2(r.total)), (texts.SUMMARY_RANK, rank),
            (texts.SUMMARY_GRADE, r.grade),
            (texts.SUMMARY_GAP_ABOVE, gap_above_text(int(r.rank), r.total, ctx.totals[r.group])),
            (texts.SUMMARY_GAP_GRADE, grade_gap_text(data.catalog, r.grade, r.total, bool(r.is_vetoed)))]
    if r.alerts:
        rows.append((texts.SUMMARY_ALERTS, r.alerts.replace(";", "、")))
    return rows


def _indicator_keys(values: list, section: bool) -> list[str]:
    """Style keys of an indicator table row (see feedback_render.PALETTE)."""
    kind = "sec" if section else "row"
    reason = "warn_wrap" if values[6] and not section else f"{kind}_wrap"
    return [f"{kind}_text", f"{kind}_wrap", f"{kind}_text", f"{kind}_general", f"{kind}_num", f"{kind}_num",
            f"{kind}_num", reason]


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
        layout.chart = (row, len(history))


def feedback_layout(data: RunData, ctx: FeedbackContext, r) -> Layout:
    """One unit's feedback sheet as cells (`r` is its ranking row)."""
    title = texts.FEEDBACK_TITLE.format(unit=r.unit_name, label=data.period.label, scheme=scheme_name(data.catalog))
    layout = Layout(title)
    layout.add_row(1, [title] + [None] * (len(WIDTHS) - 1), ["title"] * len(WIDTHS))
    layout.add_row(2, [subtitle(data)], ["subtitle"], first_col=len(WIDTHS))
    layout.heights.update({1: 32, 2: 18})
    summary = _summary(data, ctx, r)
    for k, (label, value) in enumerate(summary, start=3):
        layout.add_row(k, [label, value], ["label", "alert" if label == texts.SUMMARY_ALERTS else "summary"])
    row = 3 + len(summary) + 1
    layout.add_row(row, [texts.SECTION_INDICATORS], ["section"])
    layout.heights[row] = 22
    rows = indicator_rows(data, ctx, r.unit_code, r.group)
    layout.print_title_row = _add_indicators(layout, row + 1, rows)
    row = layout.print_title_row + len(rows) + 2
    layout.add_row(row, [texts.SECTION_TREND], ["section"])
    layout.heights[row] = 22
    _add_trend(layout, row + 1, ctx.history.get(r.unit_code, []))
    return layout
