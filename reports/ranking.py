"""The ranking workbook (SPEC §8): 排名总表 and 分项得分 here, the other sheets in ranking_sheets."""
from __future__ import annotations

from typing import BinaryIO

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import ColorScaleRule, DataBarRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports import texts
from kaoping.reports.data import RunData, grids, marked, scheme_name
from kaoping.reports.rule_words import combined_text, grade_reasons
from kaoping.reports.ranking_sheets import (changes_sheet, details_sheet, notes_sheet, office_line, stability_sheet,
                                            submissions_sheet, subtitle)
from kaoping.reports.xlsx.cells import FIRST_ROW, column_styles, put, set_height
from kaoping.reports.xlsx.columns import CodedColumn, Column, NumberColumn, block_width
from kaoping.reports.xlsx.pages import PAGE_CHARS, column_blocks, print_in_column_blocks, review_header
from kaoping.reports.xlsx.styles import ALERT_FILL, BODY, CENTER, LEFT, NUMBER, RIGHT, VETO_FILL, WARN, WRAP_LEFT
from kaoping.reports.xlsx.tables import column_table, table_sheet
from kaoping.reports.xlsx.widths import column_width, wrapped_lines
from kaoping.reports.xlsx.workbook import new_workbook, save_workbook, workbook_bytes
from kaoping.scoring.rounding import round2

REMARKS_MIN = 30  # 计分说明's narrowest width: a 年度综合 line in at most two lines
LOW, MID, HIGH = "F8CBAD", "FFF2CC", "C6EFCE"
CENTRED = (texts.GROUP, texts.GRADE, texts.VETO, texts.RANK_CHANGE, texts.ALERTS)


def rank_change_text(change: int | None) -> str:
    """↑2 / ↓1 / 持平, empty where there is no earlier ranking."""
    if change is None or change != change:
        return ""
    change = int(change)
    return "↑%d" % change if change > 0 else ("↓%d" % -change if change < 0 else texts.NO_CHANGE)


def _unit_columns(data: RunData, row) -> list:
    return [int(row.rank), row.unit_name] + ([row.group or ""] if data.grouped else [])


def remarks(data: RunData) -> list[str]:
    """Each ranked unit's 计分说明 (年度综合, grade effects that changed its grade), in ranking order."""
    details = data.rankings["detail"] if "detail" in data.rankings else [None] * len(data.rankings)
    # the 年度综合 line on a line of its own, then the grade words as one sentence
    return ["\n".join(filter(None, [combined_text(d), texts.GRADE_RULES_JOIN.join(grade_reasons(d, data.catalog, g))]))
            for d, g in zip(details, data.rankings["grade"])]


def ranking_table(data: RunData) -> tuple[list[str], list[list]]:
    """Headers and rows of 排名总表, in ranking order (计分说明 last, only where some unit has one)."""
    cats = data.catalog.categories
    notes = remarks(data)
    headers = [texts.RANK, texts.UNIT] + ([texts.GROUP] if data.grouped else []) + [
        texts.TOTAL, texts.GRADE, *(texts.CATEGORY_HEADER.format(name=c.name, points=c.points) for c in cats),
        texts.BONUS, texts.PENALTY, texts.VETO, texts.RANK_CHANGE, texts.ALERTS] + ([texts.REMARKS] if any(notes) else [])
    scores = {(r.unit_code, r.category_code): r.score for r in data.categories.itertuples()}
    rows = []
    for r, note in zip(data.rankings.itertuples(), notes):
        rows.append(_unit_columns(data, r) + [
            round2(r.total), r.grade, *(round2(scores.get((r.unit_code, c.code))) for c in cats),
            round2(r.bonus), round2(r.penalty), texts.VETO_MARK if r.is_vetoed else "",
            rank_change_text(r.rank_change), (r.alerts or "").replace(";", "、")] + ([note] if any(notes) else []))
    return headers, rows


def _score_ranges(data: RunData) -> tuple[int, list[tuple[int, float]]]:
    """Column of the total and (column, points) of each category on 排名总表."""
    total_col = 4 if data.grouped else 3
    return total_col, [(total_col + 2 + i, c.points) for i, c in enumerate(data.catalog.categories)]


def _colour_scores(ws: Worksheet, data: RunData, last_row: int) -> None:
    total_col, cats = _score_ranges(data)
    letter = get_column_letter(total_col)
    ws.conditional_formatting.add(f"{letter}{FIRST_ROW}:{letter}{last_row}", DataBarRule(
        start_type="num", start_value=0, end_type="num", end_value=data.catalog.full_marks,
        color="9BC2E6"))
    for col, points in cats:
        letter = get_column_letter(col)
        ws.conditional_formatting.add(f"{letter}{FIRST_ROW}:{letter}{last_row}", ColorScaleRule(
            start_type="num", start_value=0, start_color=LOW, mid_type="num", mid_value=points * 0.6,
            mid_color=MID, end_type="num", end_value=points, end_color=HIGH))


def _mark_vetoes_and_alerts(ws: Worksheet, rows: list[list], headers: list[str], aligns: dict) -> None:
    """Vetoed units' rows shaded, their veto mark and every alert in bold red."""
    veto_col, alert_col = headers.index(texts.VETO) + 1, headers.index(texts.ALERTS) + 1
    for offset, row in enumerate(rows):
        r = FIRST_ROW + offset
        if row[veto_col - 1]:
            for col, value in enumerate(row, start=1):
                align = aligns.get(col) or (RIGHT if isinstance(value, (int, float)) else LEFT)
                fmt = NUMBER if isinstance(value, float) else None
                put(ws, r, col, value, WARN if col == veto_col else BODY, fmt, align, fill=VETO_FILL)
        if row[alert_col - 1]:
            put(ws, r, alert_col, row[alert_col - 1], WARN, align=CENTER, fill=ALERT_FILL)


def _totals_chart(ws: Worksheet, data: RunData, n: int, widths: list[float]) -> None:
    total_col, _ = _score_ranges(data)
    chart = BarChart()
    chart.type, chart.style, chart.title, chart.legend = "bar", 10, f"{texts.CHART_TOTALS}", None
    chart.add_data(Reference(ws, min_col=total_col, min_row=FIRST_ROW - 1, max_row=FIRST_ROW + n - 1),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=FIRST_ROW, max_row=FIRST_ROW + n - 1))
    chart.x_axis.scaling.orientation = "maxMin"  # first place at the top, as in the table
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, data.catalog.full_marks
    chart.y_axis.numFmt = "0"
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal, chart.dataLabels.numFmt = True, "0.00"
    chart.dataLabels.showCatName = chart.dataLabels.showSerName = chart.dataLabels.showLegendKey = False
    chart.width = min(max(sum(widths) * 0.21, 14), 40)
    chart.height = max(7.0, 0.55 * n + 2.5)
    ws.add_chart(chart, f"A{FIRST_ROW + n + 2}")
    if n > 12:  # the chart would not fit under the table: it starts a page of its own
        ws.row_breaks.append(Break(id=FIRST_ROW + n))


def _ranking_sheet(wb, data: RunData) -> None:
    headers, rows = ranking_table(data)
    widths = [column_width([*h.split("\n"), *(r[i] for r in rows)], floor=8) for i, h in enumerate(headers)]
    title = marked(data, texts.RANKING_TITLE.format(label=data.period.label, name=scheme_name(data.catalog)))
    centred = {1: CENTER, **{k + 1: CENTER for k, h in enumerate(headers) if h in CENTRED}}
    if headers[-1] == texts.REMARKS:  # 计分说明 wraps in the room the page has left (one page wide stays legible)
        widths[-1] = min(column_width([h for r in rows for h in r[-1].split("\n")], cap=60),
                         max(REMARKS_MIN, PAGE_CHARS - sum(widths[:-1])))
        centred[len(headers)] = WRAP_LEFT
    ws = table_sheet(wb, texts.SHEET_RANKING, title, subtitle(data), headers, rows, widths,
                     freeze=f"C{FIRST_ROW}", aligns=centred)
    if headers[-1] == texts.REMARKS:
        for offset, row in enumerate(rows):
            lines = wrapped_lines(row[-1], widths[-1]) if row[-1] else 1
            if lines > 1:  # office suites do not grow rows on opening
                set_height(ws, FIRST_ROW + offset, 14 * lines + 4)
    put(ws, FIRST_ROW + len(rows), 1, office_line(data), BODY, align=LEFT, border=False)
    if rows:
        _colour_scores(ws, data, FIRST_ROW + len(rows) - 1)
        _mark_vetoes_and_alerts(ws, rows, headers, centred)
        _totals_chart(ws, data, len(rows), widths)


def scored_indicators(data: RunData) -> list:
    """Indicators shown on 分项得分: scored ones in catalog order, then bonus and penalties."""
    cat = data.catalog
    return [i for c in cat.categories for i in c.indicators] + [*cat.bonus, *cat.penalties]


def _points_note(ind) -> str:
    return texts.POINTS.format(points=ind.points) if ind.kind == "scored" else texts.KIND[ind.kind]


def _score_columns(ws: Worksheet, data: RunData, indicators: list, fixed: int) -> list[Column]:
    """分项得分's columns: rank, unit (and group), each indicator's score (不计分 where excluded), total."""
    styles = lambda col: column_styles(ws, col, aligns={1: CENTER})  # noqa: E731
    r, d = data.rankings, data.details
    columns: list[Column] = [CodedColumn.of([int(v) for v in r["rank"]], styles(1)),
                             CodedColumn.of(list(r["unit_name"]), styles(2))]
    if data.grouped:
        columns.append(CodedColumn.of([g or "" for g in r["group"]], styles(3)))
    excluded_flag = np.array([texts.FLAG_EXCLUDED in f for f in d["flags"].cat.categories] + [False])
    excluded = np.isnan(d["score"].to_numpy()) & excluded_flag[d["flags"].cat.codes.to_numpy()]
    laid = grids(data, indicators, {"scores": (d["score"].to_numpy(), np.nan), "excluded": (excluded, False)})
    scores, excluded = laid["scores"], laid["excluded"]
    columns += [NumberColumn(scores[:, k], styles(fixed + k + 1), marked=excluded[:, k], mark=texts.FLAG_EXCLUDED)
                for k in range(len(indicators))]
    return columns + [NumberColumn(r["total"].to_numpy(dtype=float), styles(fixed + len(indicators) + 1))]


def _scores_sheet(wb, data: RunData) -> None:
    indicators = scored_indicators(data)
    fixed = [texts.RANK, texts.UNIT] + ([texts.GROUP] if data.grouped else [])
    headers = fixed + [texts.INDICATOR_HEADER.format(code=i.code, name=i.name, note=_points_note(i))
                       for i in indicators] + [texts.TOTAL]
    ws = wb.create_sheet(texts.SHEET_SCORES)
    columns = _score_columns(ws, data, indicators, len(fixed))
    widths = [block_width(h, c, floor=8) for h, c in zip(fixed, columns)]
    widths += [block_width(i.code, c, floor=11, cap=14) for i, c in zip(indicators, columns[len(fixed):])] + [9]
    title = texts.SCORES_TITLE.format(label=data.period.label, name=scheme_name(data.catalog))
    wide = sum(widths) > PAGE_CHARS / 0.6  # fit to one page wide only while that stays legible
    scale, breaks = column_blocks(widths, _category_blocks(indicators, len(fixed), len(headers)), len(fixed))
    column_table(ws, title, subtitle(data), headers, columns, widths, np.arange(len(data.rankings)),
                 freeze=f"C{FIRST_ROW}")
    if wide:
        print_in_column_blocks(ws, scale, breaks, len(fixed), title)


def _category_blocks(indicators: list, fixed: int, width: int) -> list[int]:
    """Last column of each category's indicators (bonus and penalties close the last block)."""
    ends, col = [], fixed
    for k, ind in enumerate(indicators):
        col += 1
        following = indicators[k + 1] if k + 1 < len(indicators) else None
        if following is not None and following.kind == "scored" and following.category_code != ind.category_code:
            ends.append(col)
    return ends + [width]


def _workbook(data: RunData) -> Workbook:
    title = texts.RANKING_TITLE.format(label=data.period.label, name=scheme_name(data.catalog))
    wb = new_workbook(title, data.run.stamp)
    _ranking_sheet(wb, data)
    _scores_sheet(wb, data)
    detail_sheets = details_sheet(wb, data)
    submissions_sheet(wb, data)
    if data.has_stability:
        stability_sheet(wb, data)
    notes_sheet(wb, data, detail_sheets)
    if data.previous is not None:
        changes_sheet(wb, data)
    if data.run.is_review:
        for ws in wb.worksheets:
            review_header(ws)
    return wb


def save_ranking(data: RunData, out: BinaryIO) -> None:
    """Write the ranking workbook of one run to `out` (deterministic .xlsx, sheets streamed)."""
    save_workbook(_workbook(data), out)


def ranking_workbook(data: RunData) -> bytes:
    """The ranking workbook of one run, as deterministic .xlsx bytes."""
    return workbook_bytes(_workbook(data))
