"""The .xls reader: xlrd with formatting (calamine does not expose number formats, which decide how a cell reads)."""
from __future__ import annotations

from pathlib import Path

import xlrd

from kaoping.core.config import IntakeSettings
from kaoping.sources.grid import META_SHEET, cell, too_many_cells, too_many_rows


def xls_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, ragged_rows=True)
    cells = 0
    rows, sheets, meta = [], [], {}
    try:
        for sheet in book.sheets():
            if sheet.name == META_SHEET:
                meta = {str(sheet.cell_value(r, 0)): str(sheet.cell_value(r, 1))
                        for r in range(sheet.nrows) if sheet.ncols > 1}
                continue
            if sheet.visibility != 0:
                continue
            if sheet.nrows > limits.max_rows:
                raise too_many_rows(name, sheet.name, limits)
            cells += sum(sheet.row_len(r) for r in range(sheet.nrows))  # ragged: a row ends at its last cell
            if cells > limits.max_cells:
                raise too_many_cells(name, sheet.name, limits)
            sheets.append(sheet.name)
            for r in range(sheet.nrows):
                for c in range(sheet.row_len(r)):
                    found = sheet.cell(r, c)
                    if found.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    fmt = book.format_map[book.xf_list[found.xf_index].format_key].format_str
                    value = found.value if found.ctype != xlrd.XL_CELL_ERROR else None
                    rows.append(cell(sheet.name, r + 1, c + 1, value, fmt))
    finally:
        book.release_resources()
    return rows, sheets, meta
