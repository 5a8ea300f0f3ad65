"""Per-unit feedback workbooks (反馈/<code>_<name>.xlsx): scores, points lost and why, gaps, trend."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from reports import texts
from reports.data import RunData, scheme_name
from reports.ranking_sheets import subtitle
from reports.reasons import loss_reason, points_lost
from reports.xlsx import (BODY, BODY_FONT, CENTER, HEADER, HEADER_FILL, LEFT, NUMBER, RIGHT, WARN, WRAP_LEFT,
                          new_workbook, print_setup, put, put_header, put_row, put_title, round2, set_widths,
                          workbook_bytes, wrapped_lines)
from scoring.catalog import Catalog

WIDTHS = [13, 28, 9, 10, 8, 8, 8, 44]
SECTION_FILL = PatternFill("solid", fgColor="EDEDED")
SECTION = Alignment(horizontal="left", vertical="center")
SUMMARY = Font(name=BODY_FONT, size=11, bold=True)


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


def _section_row(ws, row: int, text: str) -> None:
    put(ws, row, 1, text, HEADER, align=SECTION, border=False)  # overflows across the empty cells
    ws.row_dimensions[row].height = 22


def _write_indicators(ws, row: int, rows: list[tuple[str, list]]) -> int:
    put_header(ws, row, texts.FEEDBACK_HEADERS, WIDTHS)
    header_row = row
    for kind, values in rows:
        row += 1
        section = kind == "section"
        for col, value in enumerate(values, start=1):
            font = HEADER if section else (WARN if col == 8 and values[6] else BODY)
            align = WRAP_LEFT if col in (2, 8) else (RIGHT if isinstance(value, (int, float)) else LEFT)
            put(ws, row, col, value, font, "General" if col == 4 else NUMBER, align,
                fill=SECTION_FILL if section else None)
        lines = max(wrapped_lines(values[1], WIDTHS[1]), wrapped_lines(values[7] or "", WIDTHS[7]))
        if lines > 1:  # wrapped text needs the room; office suites do not grow rows on opening
            ws.row_dimensions[row].height = 14 * lines + 4
    return header_row


def _write_trend(ws, row: int, history: list) -> None:
    put_header(ws, row, texts.TREND_HEADERS, WIDTHS)
    for k, h in enumerate(history, start=1):
        put_row(ws, row + k, [h.period, round2(h.total), int(h.rank), h.grade], align=CENTER)
    if history:
        chart = LineChart()
        chart.title, chart.legend, chart.style = texts.TREND_CHART, None, 12
        chart.add_data(Reference(ws, min_col=2, min_row=row, max_row=row + len(history)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=row + 1, max_row=row + len(history)))
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.y_axis.numFmt = "0"
        chart.width, chart.height = 17, 7
        ws.add_chart(chart, f"A{row + len(history) + 2}")


def _write_summary(ws, summary: list[tuple[str, object]]) -> None:
    for k, (label, value) in enumerate(summary, start=3):
        put(ws, k, 1, label, HEADER, align=LEFT, fill=HEADER_FILL)
        put(ws, k, 2, value, WARN if label == texts.SUMMARY_ALERTS else SUMMARY, NUMBER, LEFT, border=False)


def feedback_workbook(data: RunData, ctx: FeedbackContext, r) -> bytes:
    """One unit's feedback workbook as deterministic .xlsx bytes (`r` is its ranking row)."""
    title = texts.FEEDBACK_TITLE.format(unit=r.unit_name, label=data.period.label, scheme=scheme_name(data.catalog))
    wb = new_workbook(title, data.run.stamp)
    ws = wb.create_sheet(texts.SHEET_FEEDBACK)
    put_title(ws, title, len(WIDTHS), subtitle(data))
    summary = _summary(data, ctx, r)
    _write_summary(ws, summary)
    row = 3 + len(summary) + 1
    _section_row(ws, row, texts.SECTION_INDICATORS)
    rows = indicator_rows(data, ctx, r.unit_code, r.group)
    header_row = _write_indicators(ws, row + 1, rows)
    row = header_row + len(rows) + 2
    _section_row(ws, row, texts.SECTION_TREND)
    _write_trend(ws, row + 1, ctx.history.get(r.unit_code, []))
    set_widths(ws, WIDTHS)
    print_setup(ws, f"{header_row}:{header_row}", landscape=False)
    return workbook_bytes(wb)
