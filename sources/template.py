"""`kaoping template` workbooks (SPEC §5 shape 1): the layout, its checksum, writing and reading back."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from kaoping.core.tempfiles import temp_beside
from kaoping.scoring.catalog import Catalog, Indicator
from kaoping.scoring.periods import Period
from kaoping.sources import messages as M
from kaoping.sources.problems import Problem, make_problem
from kaoping.sources.registry import Registry, normalize_name
from kaoping.sources.shapes import LONG_COLUMNS, Cells

HEADER_ROW, MEASURE_ROW, FIRST_DATA_ROW, FIRST_VALUE_COL = 3, 4, 5, 3


@dataclass(frozen=True)
class Layout:
    """Where everything sits in a template: indicator per column, unit per row."""

    catalog_code: str
    department: str
    period: str
    indicators: tuple[tuple[str, str, str], ...]  # (code, name, unit of measure) from column C on
    units: tuple[tuple[str, str], ...]  # (code, name) from row 5 on

    @property
    def checksum(self) -> str:
        body = json.dumps([self.catalog_code, self.department, self.period, HEADER_ROW,
                           self.indicators, self.units], ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


def template_layout(catalog: Catalog, department: str, period: str, registry: Registry) -> Layout:
    """The layout of one department's template for one catalog and period."""
    units = registry.units_in(period, catalog.assessed_kind).sort_values("code")
    return Layout(catalog.code, department, Period.parse(period).code,
                  tuple((i.code, i.name, i.unit) for i in catalog.collected(department)),
                  tuple(zip(units["code"], units["name"])))


INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in: light yellow
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_thin = Side(style="thin", color="999999")
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
SIGN_GAP = 2  # rows between the last unit and the 填报人 / 联系电话 / 审核人 lines (never parsed)


def _number(value: float) -> str:
    """A bound as people write it: 100, 0.5, 10000 (no 100.0)."""
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"


def input_prompt(ind: Indicator) -> str:
    """The input message of an indicator's cells: what to type, with its range."""
    if ind.integer and ind.range == (0, 1):
        return M.TEMPLATE_INPUT_FLAG
    if ind.range is None:
        return M.TEMPLATE_INPUT_ANY_INTEGER if ind.integer else M.TEMPLATE_INPUT_ANY
    lo, hi = (_number(v) for v in ind.range)
    return (M.TEMPLATE_INPUT_INTEGER if ind.integer else M.TEMPLATE_INPUT_RANGE).format(lo=lo, hi=hi)


def _validation(ind: Indicator) -> DataValidation:
    lo, hi = ind.range or (-1e15, 1e15)
    if ind.integer and ind.range == (0, 1):
        dv = DataValidation(type="list", formula1='"0,1"', allow_blank=True)
    else:
        dv = DataValidation(type="whole" if ind.integer else "decimal", operator="between",
                            formula1=_number(lo), formula2=_number(hi), allow_blank=True)
    dv.prompt = input_prompt(ind)
    dv.promptTitle, dv.errorTitle, dv.error = M.TEMPLATE_INPUT_TITLE, M.TEMPLATE_ERROR_TITLE, dv.prompt
    dv.showInputMessage = dv.showErrorMessage = True
    return dv


def _head_cell(ws, row: int, col: int, value: object, bold: bool) -> None:
    cell = ws.cell(row, col, value)
    cell.fill, cell.border, cell.font = HEAD_FILL, BOX, Font(bold=bold)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _signatures(ws, first_row: int) -> None:
    """填报人 / 联系电话 / 审核人 / 填报日期 below the table: a label, then an unlocked cell to fill in."""
    for k, label in enumerate(M.TEMPLATE_SIGNATURES):
        ws.cell(first_row + k, 1, f"{label}：").font = Font(bold=True)
        cell = ws.cell(first_row + k, 2)
        cell.protection, cell.fill = Protection(locked=False), INPUT_FILL
        cell.border = Border(bottom=_thin)


def _print_setup(ws, last_col: str, columns: int) -> None:
    """A4, one page wide; unit columns and header rows repeated should a page break still fall."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if columns > 4 else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows, ws.print_title_cols = f"{HEADER_ROW}:{MEASURE_ROW}", "A:B"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_sheet(ws, layout: Layout, catalog: Catalog, title: str) -> None:
    last = get_column_letter(FIRST_VALUE_COL + len(layout.indicators) - 1)
    ws["A1"], ws["A2"] = title, M.TEMPLATE_NOTE
    ws["A1"].font, ws["A2"].font = Font(size=14, bold=True), Font(size=9, color="666666")
    ws.merge_cells(f"A1:{last}1"), ws.merge_cells(f"A2:{last}2")
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    widths = [12, 18] + [18] * len(layout.indicators)
    ws.row_dimensions[1].height = 30  # a 14-point title whole, not clipped
    ws.row_dimensions[2].height = 12 * max(1, -(-len(M.TEMPLATE_NOTE) * 2 // max(sum(widths) - 2, 1))) + 6
    headers = [M.TEMPLATE_CODE_HEADER, M.TEMPLATE_NAME_HEADER, *(name for _, name, _ in layout.indicators)]
    measures = ["", M.TEMPLATE_UNIT_ROW, *(unit for _, _, unit in layout.indicators)]
    for col, (text, unit) in enumerate(zip(headers, measures), start=1):
        _head_cell(ws, HEADER_ROW, col, text, True)
        _head_cell(ws, MEASURE_ROW, col, unit, False)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    for offset, (code, name) in enumerate(layout.units):
        row = FIRST_DATA_ROW + offset
        ws.cell(row, 1, code).border, ws.cell(row, 2, name).border = BOX, BOX
        for col in range(FIRST_VALUE_COL, FIRST_VALUE_COL + len(layout.indicators)):
            cell = ws.cell(row, col)
            cell.protection, cell.border, cell.fill = Protection(locked=False), BOX, INPUT_FILL
    last_row = FIRST_DATA_ROW + len(layout.units) - 1
    for col, (code, _, _) in enumerate(layout.indicators, start=FIRST_VALUE_COL):
        dv = _validation(catalog.indicator(code))
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(col)}{FIRST_DATA_ROW}:{get_column_letter(col)}{last_row}")
    _signatures(ws, last_row + SIGN_GAP)
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False  # widths may still be adjusted
    _print_setup(ws, last, len(headers))


def write_template(path: Path, layout: Layout, catalog: Catalog, department_name: str) -> Path:
    """Write one template workbook atomically; returns its path."""
    wb = Workbook()
    ws = wb.active
    ws.title = M.TEMPLATE_SHEET
    period = Period.parse(layout.period)
    _write_sheet(ws, layout, catalog, M.TEMPLATE_TITLE.format(period_label=period.label, department=department_name))
    meta = wb.create_sheet("_meta")
    for row in (("department", layout.department), ("period", layout.period),
                ("catalog", layout.catalog_code), ("checksum", layout.checksum)):
        meta.append(row)
    meta.sheet_state = "hidden"
    wb.security = WorkbookProtection(lockStructure=True)
    fd, tmp = temp_beside(path)
    os.close(fd)
    wb.save(tmp)
    os.replace(tmp, path)
    return path


def template_file_name(layout: Layout, department_name: str) -> str:
    return f"{department_name}_{layout.period}_{layout.catalog_code}_报送模板.xlsx"


def _structure_problems(cells: Cells, layout: Layout, file: str) -> list[Problem]:
    """Cells of the fixed structure (indicator headers, unit codes) that differ from the layout."""
    expected = {(HEADER_ROW, FIRST_VALUE_COL + i): name for i, (_, name, _) in enumerate(layout.indicators)}
    expected |= {(FIRST_DATA_ROW + i, 1): code for i, (code, _) in enumerate(layout.units)}
    out = []
    for (row, col), text in expected.items():
        seen = cells.get(row, {}).get(col, (None,))[0]
        if normalize_name(seen if seen is not None else "") != normalize_name(text):
            out.append(make_problem("template_checksum", file, M.TEMPLATE_SHEET, f"{get_column_letter(col)}{row}",
                                    value=seen, expected=text))
    return out[:20]


def template_rows(cells: Cells, layout: Layout, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The long table of a filled-in template, or the structure problems that make it untrustworthy."""
    problems = _structure_problems(cells, layout, file)
    if problems:
        return pd.DataFrame(columns=LONG_COLUMNS), problems
    out = []
    for r_off, (unit, _) in enumerate(layout.units):
        row = cells.get(FIRST_DATA_ROW + r_off, {})
        for c_off, (code, _, _) in enumerate(layout.indicators):
            col = FIRST_VALUE_COL + c_off
            v, f, u, _ = row.get(col, (None, None, False, None))
            row_no = FIRST_DATA_ROW + r_off
            out.append((M.TEMPLATE_SHEET, row_no, f"{get_column_letter(col)}{row_no}", unit, frozenset({code}),
                        None, v, f, u, None, f"A{row_no}"))
    return pd.DataFrame(out, columns=LONG_COLUMNS), []
