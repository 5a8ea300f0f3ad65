"""A sheet holding one titled table: title, subtitle, header on HEADER_ROW, rows from FIRST_ROW,
printed with the header repeated on every page."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports.xlsx.cells import FIRST_ROW, HEADER_ROW, put_header, put_row, put_title
from kaoping.reports.xlsx.columns import Column, put_columns
from kaoping.reports.xlsx.pages import print_setup
from kaoping.reports.xlsx.widths import column_width, set_widths


def table_sheet(wb: Workbook, name: str, title: str, subtitle: str | None, headers: Sequence[str],
                rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None,
                formats: dict[int, str] | None = None, freeze: str = "A4",
                landscape: bool = True, aligns: dict[int, Alignment] | None = None) -> Worksheet:
    """A sheet holding one titled table: title, subtitle, header on row 3, rows from row 4."""
    ws = wb.create_sheet(name)
    if widths is None:
        widths = [column_width([*h.split("\n"), *(r[i] for r in rows)]) for i, h in enumerate(headers)]
    _table_frame(ws, title, subtitle, headers, widths, freeze, landscape)
    for offset, row in enumerate(rows):
        put_row(ws, FIRST_ROW + offset, row, formats=formats, aligns=aligns)
    return ws


def column_table(ws: Worksheet, title: str, subtitle: str | None, headers: Sequence[str],
                 columns: Sequence[Column], widths: Sequence[float], rows: np.ndarray,
                 freeze: str = "A4", landscape: bool = True) -> None:
    """`ws` holding a titled table as table_sheet writes it, its rows the rows `rows` of `columns`."""
    _table_frame(ws, title, subtitle, headers, widths, freeze, landscape)
    put_columns(ws, FIRST_ROW, columns, rows)


def _table_frame(ws: Worksheet, title: str, subtitle: str | None, headers: Sequence[str],
                 widths: Sequence[float], freeze: str, landscape: bool) -> None:
    put_title(ws, title, len(headers), subtitle)
    put_header(ws, HEADER_ROW, headers, widths)
    set_widths(ws, widths)
    ws.freeze_panes = freeze
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", landscape)
