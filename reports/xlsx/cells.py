"""Cells recorded for a sheet (written as XML when the workbook is saved): single cells, rows,
the title and header rows, and the style of each kind of value in a column."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports.xlsx.styles import (ACROSS, ACROSS_RIGHT, BODY, CENTER, HEADER, HEADER_FILL, LEFT, NUMBER, RIGHT,
                                         SUBTITLE, TITLE, style_id)
from kaoping.reports.xlsx.widths import wrapped_lines

FORMULA_PREFIXES = ("=", "+", "-", "@")
HEADER_ROW, FIRST_ROW = 3, 4  # row 1 title, row 2 subtitle, then the table
MAX_ROWS = 1_048_576  # Excel's rows per sheet


def _clean(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def recorded(ws: Worksheet) -> dict:
    """The cells, row heights and column blocks recorded for a sheet (written as XML when the
    workbook is saved)."""
    sheets = ws.parent.__dict__.setdefault("_kaoping_sheets", {})
    return sheets.setdefault(ws.title, {"cells": {}, "heights": {}, "blocks": []})


def put(ws: Worksheet, row: int, col: int, value: object, font: Font = BODY,
        number_format: str | None = None, align: Alignment | None = None, border: bool = True,
        fill: PatternFill | None = None) -> None:
    """Write one cell; text is always text (a leading =, +, -, @ never becomes a formula).

    Cells are recorded and written straight as XML by `workbook_bytes` (openpyxl's per-cell
    objects cost too much for sheets of tens of thousands of cells).
    """
    quote = isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
    fmt = number_format if isinstance(value, (int, float, datetime)) else None
    style = style_id(ws, font, border, fill, fmt, align, quote)
    recorded(ws)["cells"][(row, col)] = (_clean(value), style)


def set_height(ws: Worksheet, row: int, height: float) -> None:
    recorded(ws)["heights"][row] = height


def extent(sheet: dict) -> tuple[int, int]:
    """(last row, last column) of a recorded sheet's cells and blocks."""
    cells, blocks = sheet["cells"], sheet["blocks"]
    return (max([r for r, _ in cells] + [b.last_row for b in blocks], default=1),
            max([c for _, c in cells] + [len(b.columns) for b in blocks], default=1))


def used_size(ws: Worksheet) -> tuple[int, int]:
    """(last row, last column) of the recorded cells and blocks."""
    return extent(recorded(ws))


def _row_format(col: int, value: object, formats: dict[int, str] | None, align: Alignment | None,
                aligns: dict[int, Alignment] | None) -> tuple[str | None, Alignment]:
    how = (aligns or {}).get(col) or align or (RIGHT if isinstance(value, (int, float)) else LEFT)
    return (formats or {}).get(col, NUMBER if isinstance(value, float) else None), how


def put_row(ws: Worksheet, row: int, values: Sequence[object], font: Font = BODY,
            formats: dict[int, str] | None = None, align: Alignment | None = None,
            aligns: dict[int, Alignment] | None = None, fill: PatternFill | None = None) -> None:
    """Write a row of values from column A; floats get 2 decimals unless `formats` says otherwise,
    numbers align right and text left unless `align` (all) or `aligns` (by column) say otherwise."""
    for col, value in enumerate(values, start=1):
        put(ws, row, col, value, font, *_row_format(col, value, formats, align, aligns), fill=fill)


SAMPLES = {"float": 1.0, "int": 1, "text": "a", "formula": "=", "empty": None, "mark": "a"}


def value_kind(value: object) -> str:
    """The key of SAMPLES whose cell style `value` takes in a row written by put_row."""
    if value is None or isinstance(value, str):
        return "empty" if not value else ("formula" if value.startswith(FORMULA_PREFIXES) else "text")
    return "float" if isinstance(value, float) else "int"


def column_styles(ws: Worksheet, col: int, formats: dict[int, str] | None = None,
                  aligns: dict[int, Alignment] | None = None) -> dict[str, int]:
    """The style id of each kind of value in column `col` of rows written as put_row writes them."""
    out = {}
    for kind, sample in SAMPLES.items():
        fmt, how = _row_format(col, sample, formats, None, aligns)
        how = RIGHT if kind == "mark" and how is LEFT else how  # a word among numbers lines up with them
        out[kind] = style_id(ws, BODY, True, None, fmt if kind in ("float", "int") else None, how,
                             kind == "formula")
    return out


def put_header(ws: Worksheet, row: int, headers: Sequence[str], widths: Sequence[float]) -> None:
    """A bold, shaded, centred header row, tall enough for its wrapped text."""
    for col, text in enumerate(headers, start=1):
        put(ws, row, col, text, HEADER, align=CENTER, fill=HEADER_FILL)
    lines = max((wrapped_lines(h, w) for h, w in zip(headers, widths)), default=1)
    set_height(ws, row, 14 * lines + 8)


def put_title(ws: Worksheet, title: str, width: int, subtitle: str | None = None) -> None:
    """The title row centred across the table and an optional subtitle row under it, right-aligned.

    "Centre across selection" instead of merged cells: it prints the same and costs far less.
    """
    for col in range(1, max(width, 1) + 1):
        put(ws, 1, col, title if col == 1 else None, TITLE, align=ACROSS, border=False)
    set_height(ws, 1, 32)
    if subtitle:  # in the last column, right-aligned: it overflows leftwards over the empty cells
        put(ws, 2, max(width, 1), subtitle, SUBTITLE, align=ACROSS_RIGHT, border=False)
        set_height(ws, 2, 18)
