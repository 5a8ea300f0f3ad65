"""问题清单 workbooks for rejected files (SPEC §6, §8): a titled 问题清单 sheet listing every problem
with what to do next, plus a copy of the sender's sheet (their column widths) with bad cells filled
and commented. Both sheets print on A4, one page wide, the table header repeated on every page."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from kaoping.reports import texts
from kaoping.reports.sender_widths import sender_widths
from kaoping.reports.xlsx.widths import display_width, wrapped_lines
from kaoping.core.tempfiles import temp_beside
from kaoping.sources import messages as M
from kaoping.sources.problems import Problem

_FORMULA_START = ("=", "+", "-", "@")
_SHEET_UNSAFE = re.compile(r"[\x00-\x1f\\/?*\[\]:]")  # what Excel refuses in a sheet title
_RED, _AMBER = PatternFill("solid", fgColor="FFC7CE"), PatternFill("solid", fgColor="FFEB9C")
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_thin = Side(style="thin", color="808080")
_BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
# 文件, 工作表, 单元格, 单位, 指标, 填报值, 应为, 问题说明: about 26 cm, A4 landscape at 100 %
WIDTHS = (16, 10, 7, 12, 18, 10, 14, 52)
TITLE_ROW, FACTS_ROW, VERDICT_ROW, STEPS_ROW, HEADER_ROW = 1, 2, 3, 4, 6
FIRST_ROW = HEADER_ROW + 1
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
MAX_LISTED = 5000  # problems listed in the 问题清单 sheet (all of them are in submission_problem)
MAX_NOTES = 1000  # cells of the sheet copy that get a comment (each is a drawing object in Excel)
MAX_COPIED = 200_000  # cells of the sender's sheet copied (in row order)


def sheet_title(text: str) -> str:
    """A sheet title Excel accepts for any sheet or file name (a CSV's sheet is its file stem)."""
    return _SHEET_UNSAFE.sub("_", text)[:31].strip("'") or "_"


def put(ws, row: int, col: int, value: object):
    """Write a cell; text that looks like a formula stays text (never evaluated by Excel)."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters a sender typed are not XML
        if value.startswith(_FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
    elif value is not None:
        cell.value = value if isinstance(value, (int, float)) else str(value)
    return cell


def _print_setup(ws, title_rows: str | None, landscape: bool) -> None:
    """A4, one page wide (as many pages down as needed), header rows repeated, page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _fitted_widths(grid: pd.DataFrame) -> dict[int, float]:
    """Per column of the copied sheet, a width that shows its longest value (within 6 and 40)."""
    out: dict[int, float] = {}
    for col, value in zip(grid["col"].tolist(), grid["value"].tolist()):
        out[int(col)] = max(out.get(int(col), 6.0), min(display_width(value) + 2.0, 40.0))
    return out


def _copy_sheet(ws, grid: pd.DataFrame, problems: list[Problem], widths: dict[int, float]) -> None:
    """The sender's cell values (the first MAX_COPIED) and widths, bad cells filled (red: error, amber:
    warning) and commented (the first MAX_NOTES)."""
    if len(grid) > MAX_COPIED:
        grid = grid.sort_values(["row", "col"], kind="stable").head(MAX_COPIED)
    for r, c, v in zip(grid["row"], grid["col"], grid["value"]):
        put(ws, int(r), int(c), v)
    for col, width in {**_fitted_widths(grid), **widths}.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    notes: dict[str, list[Problem]] = {}
    for p in problems:
        if p.cell and (p.cell in notes or len(notes) < MAX_NOTES):
            notes.setdefault(p.cell, []).append(p)
    for ref, found in notes.items():
        cell = ws[ref]
        cell.fill = _RED if any(p.severity == M.ERROR for p in found) else _AMBER
        text = ILLEGAL_CHARACTERS_RE.sub("", "\n".join(p.message for p in found))
        cell.comment = Comment(text[:2000], "kaoping", width=320, height=160)
    last_col = max([int(c) for c in grid["col"]], default=1)
    ws.print_options.gridLines = True  # the sender's cells may have no borders: print the grid
    ws.oddHeader.center.text = texts.PROBLEMS_COPY_TITLE.format(sheet=ws.title).replace("&", "&&")
    _print_setup(ws, None, landscape=sum(ws.column_dimensions[get_column_letter(c)].width or 9
                                         for c in range(1, last_col + 1)) > 95)


def _heading(ws, problems: list[Problem], file: str, department: str | None, period: str | None,
             copied: str | None) -> None:
    """Title, the file's facts, the verdict and the steps to take, each across the table's width."""
    errors = sum(p.severity == M.ERROR for p in problems)
    last = get_column_letter(len(WIDTHS))
    facts = texts.PROBLEMS_FACTS.format(file=file, department=department or texts.PROBLEMS_UNKNOWN,
                                        period=period or texts.PROBLEMS_UNKNOWN, errors=errors,
                                        warnings=len(problems) - errors)
    steps = texts.PROBLEMS_STEPS.format(sheet=copied) if copied else texts.PROBLEMS_STEPS_NO_COPY
    verdict = texts.PROBLEMS_REJECTED if errors else texts.PROBLEMS_ACCEPTED
    rows = ((TITLE_ROW, texts.PROBLEMS_TITLE, Font(name="黑体", size=16, bold=True), 30),
            (FACTS_ROW, facts, Font(size=10), None), (VERDICT_ROW, verdict, Font(size=11, bold=True, color="C00000"), 20),
            (STEPS_ROW, steps, Font(size=10), None))
    for row, text, font, height in rows:
        cell = put(ws, row, 1, text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center" if row == TITLE_ROW else "left", vertical="center",
                                   wrap_text=True)
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = height or 14 * wrapped_lines(text, sum(WIDTHS) * 0.95) + 6


def _problem_sheet(ws, problems: list[Problem]) -> None:
    """Every problem, errors first, at most MAX_LISTED of them and then a line giving the total."""
    ordered = sorted(problems, key=lambda p: (p.severity != M.ERROR, p.sheet or "", p.cell or ""))[:MAX_LISTED]
    for col, (title, width) in enumerate(zip(M.PROBLEM_COLUMNS, WIDTHS), start=1):
        cell = put(ws, HEADER_ROW, col, title)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 20
    for row, p in enumerate(ordered, start=FIRST_ROW):
        values = (p.file, p.sheet, p.cell, p.unit, p.indicator, p.value, p.expected,
                  f"【{M.SEVERITY_LABEL[p.severity]}】{p.message}")
        for col, value in enumerate(values, 1):
            cell = put(ws, row, col, value)
            cell.alignment, cell.border = _WRAP_TOP, _BOX
        lines = max(wrapped_lines(str(v or ""), w) for v, w in zip(values, WIDTHS))
        ws.row_dimensions[row].height = 13.5 * lines + 4  # office suites do not grow rows on opening
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:H{len(ordered) + HEADER_ROW}"
    _print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", landscape=True)
    if len(problems) > len(ordered):
        put(ws, len(ordered) + FIRST_ROW, 8, M.PROBLEM_LIST_CAPPED.format(total=len(problems), shown=len(ordered))
            ).font = Font(bold=True)


def write_problem_list(path: Path, problems: list[Problem], sheet: str | None, grid: pd.DataFrame | None,
                       source: Path | None = None, department: str | None = None,
                       period: str | None = None) -> Path:
    """Write the workbook atomically (temp file, then rename); returns its path. `source` is the
    submitted file (its column widths are kept in the copy), `department` and `period` as recognised."""
    wb = Workbook()
    listing = wb.active
    listing.title = M.PROBLEM_SHEET
    copied = None
    if sheet is not None and grid is not None:
        copied = sheet_title(sheet if sheet != M.PROBLEM_SHEET else f"{sheet}(原表)")
        cells = grid[grid["sheet"] == sheet]
        _copy_sheet(wb.create_sheet(copied), cells, problems, sender_widths(source, sheet))
    file = problems[0].file if problems else (Path(source).name if source else "")
    _heading(listing, problems, file, department, period, copied)
    _problem_sheet(listing, problems)
    if copied is not None and len(cells) > MAX_COPIED:
        put(listing, listing.max_row + 1, 8, M.PROBLEM_LIST_COPY_CAPPED.format(total=len(cells), shown=MAX_COPIED))
    fd, tmp = temp_beside(path)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
