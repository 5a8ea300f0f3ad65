"""The .ods reader: python-calamine for the values, after one streaming pass over content.xml.

That pass sizes each sheet by the cells that hold something (a repeated cell counts as often as it is
repeated; rows that are only declared or formatted, as Gnumeric and LibreOffice write a million of
them, count for nothing), refuses a sheet beyond `max_rows` / `max_cells` or whose values span an
absurd area, and finds the percentage-typed cells (calamine returns their bare fraction) and the
formulas without a cached result (calamine returns them as empty). Repeats are kept as ranges:
`number-columns-repeated="16383"` on 2,000 rows is 2,000 ranges, never 32 million cells in a set.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from defusedxml.ElementTree import iterparse

from kaoping.core.config import IntakeSettings
from kaoping.sources.grid import META_SHEET, cell, too_many_cells, too_many_rows

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_CACHED_AT = {"float": "value", "percentage": "value", "currency": "value", "date": "date-value",
              "time": "time-value", "boolean": "boolean-value"}
MAX_AREA = 10_000_000  # rows × columns spanned by a sheet's values, which calamine holds densely
MAX_COLUMNS = 16_384


@dataclass
class SheetScan:
    cells: int = 0
    rows: int = 0  # the last row holding something
    columns: int = 0  # the last column holding something
    percent: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # row → column ranges
    uncached: set[tuple[int, int]] = field(default_factory=set)

    def is_percent(self, row: int, col: int) -> bool:
        return any(c0 <= col <= c1 for c0, c1 in self.percent.get(row, ()))


def _count(node, name: str, limit: int) -> int:
    """A repeat count as the file states it, bounded (a hostile file may state anything)."""
    return max(1, min(int(node.get(f"{_TABLE}{name}") or 1), limit))


def _uncached(node, kind: str | None) -> bool:
    """A formula cell without its result: no value type, or a number type without its value."""
    if node.get(f"{_TABLE}formula") is None:
        return False
    return kind is None or (kind in _CACHED_AT and node.get(f"{_OFFICE}{_CACHED_AT[kind]}") is None)


def scan(path: Path, limits: IntakeSettings, name: str) -> dict[str, SheetScan]:
    """Each sheet's scan; FileRefused (too_many_rows / too_many_cells) as soon as a limit is passed."""
    sheets: dict[str, SheetScan] = {}
    sheet, title, row, col, pending = SheetScan(), "", 0, 0, []
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as src:
        for event, node in iterparse(src, events=("start", "end")):
            tag = node.tag
            if event == "start":
                if tag == f"{_TABLE}table":
                    title = node.get(f"{_TABLE}name") or ""
                    sheet, row = sheets.setdefault(title, SheetScan()), 0
                elif tag == f"{_TABLE}table-row":
                    col, pending = 0, []
                continue
            if tag in _CELLS:
                span = _count(node, "number-columns-repeated", MAX_COLUMNS)
                kind = node.get(f"{_OFFICE}value-type")
                if kind or len(node) or node.get(f"{_TABLE}formula") is not None:
                    pending.append((col + 1, min(col + span, MAX_COLUMNS), kind, _uncached(node, kind)))
                col += span
                node.clear()
            elif tag == f"{_TABLE}table-row":
                repeat = _count(node, "number-rows-repeated", 1 << 31)
                if pending:
                    if row + 1 > limits.max_rows:
                        raise too_many_rows(name, title, limits)
                    sheet.cells += sum(c1 - c0 + 1 for c0, c1, _, _ in pending) * repeat
                    if sheet.cells > limits.max_cells:
                        raise too_many_cells(name, title, limits)
                    sheet.rows = row + repeat
                    sheet.columns = max(sheet.columns, pending[-1][1])
                    if sheet.rows > limits.max_rows:
                        raise too_many_rows(name, title, limits)
                    ranges = [(c0, c1) for c0, c1, kind, _ in pending if kind == "percentage"]
                    if ranges:  # one list shared by the repeated rows (at most max_rows of them)
                        sheet.percent.update(dict.fromkeys(range(row + 1, row + repeat + 1), ranges))
                    for c0, c1, kind, uncached in pending:
                        if uncached:
                            sheet.uncached |= {(r, c) for r in range(row + 1, row + repeat + 1)
                                               for c in range(c0, c1 + 1)}
                row += repeat
                node.clear()
    for sheet_scan in sheets.values():
        if sheet_scan.rows * sheet_scan.columns > MAX_AREA:
            raise too_many_cells(name, None, limits, detail="数据分布的区域过大（行数 × 列数）")
    return sheets


def ods_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    """Values through python-calamine, once the streaming pass (`scan`) has sized each sheet by the
    cells that hold something and found its percentage and uncached formula cells."""
    scanned = scan(path, limits, name)
    book = python_calamine.load_workbook(str(path))
    rows, sheets, meta = [], [], {}
    visible = {m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")}
    for title in book.sheet_names:
        found = scanned.get(title, SheetScan())
        if not found.cells and title != META_SHEET:
            continue  # nothing in it (calamine would still size it by its declared, repeated rows)
        data = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        if title == META_SHEET:
            meta = {str(r[0]): str(r[1]) for r in data if len(r) > 1 and r[0] != ""}
            continue
        if title not in visible:
            continue
        sheets.append(title)
        rows += [cell(title, r + 1, c + 1, v, "0%" if found.is_percent(r + 1, c + 1) else None)
                 for r, line in enumerate(data) for c, v in enumerate(line) if v != ""]
        rows += [cell(title, r, c, None, None, True) for r, c in sorted(found.uncached)]
    return rows, sheets, meta
