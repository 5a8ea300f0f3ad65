"""Workbook XML written as text, fast: cells, rows and sheet data for the writers in reports/xlsx/, and
many workbooks of one layout through a template (a few milliseconds instead of ~100 per workbook
through openpyxl).

openpyxl builds one template workbook, then each workbook's sheet data, chart references, print
titles and title are written as XML text into a copy of the template's parts. The template is
what openpyxl wrote, so styles, print setup, chart and document properties are openpyxl's own;
only the parts that differ between workbooks are generated here, and the parts that do not are
compressed once.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Iterator
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SHEET = "xl/worksheets/sheet1.xml"
CHART = "xl/charts/chart1.xml"
DRAWING = "xl/drawings/drawing1.xml"
LEVEL = 6  # zlib level of the zip entries (feedback workbooks use FAST_LEVEL)
FAST_LEVEL = 3  # feedback sheets: 0.15 ms each instead of 0.4 at level 6, files ~8 % larger


@dataclass
class Layout:
    """One single-sheet workbook: cells (row, column, value, style key), row heights, the row
    repeated on printed pages, and the rows a chart plots (header row, data rows) if any."""

    title: str
    rows: dict[int, list[tuple[int, object, str]]] = field(default_factory=dict)  # (column, value, key)…
    heights: dict[int, float] = field(default_factory=dict)
    print_title_row: int = 1
    # (header row, data rows, axis min, axis max, major unit), anchored one blank row below the charted rows
    chart: tuple[int, int, float, float, float] | None = None

    def add_row(self, row: int, values: list, keys: list[str], first_col: int = 1) -> None:
        cells = list(zip(range(first_col, first_col + len(values)), values, keys))
        self.rows[row] = sorted(self.rows[row] + cells, key=_first) if row in self.rows else cells

    @property
    def cells(self) -> Iterator[tuple[int, int, object, str]]:
        """Every cell as (row, column, value, style key)."""
        return ((row, col, value, key) for row, cells in self.rows.items() for col, value, key in cells)


def text_xml(text: str) -> str:
    """A string as the content of an inline-string cell (illegal characters dropped, escaped)."""
    text = escape(ILLEGAL_CHARACTERS_RE.sub("", text))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{text}</t></is>"


def cell_xml(value: object, style: int) -> str:
    """One cell without its reference (its place follows from the cell before it)."""
    if value is None or value == "":
        return f'<c s="{style}"/>'
    if isinstance(value, datetime):
        value = to_excel(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'<c s="{style}" t="inlineStr">{text_xml(str(value))}</c>'
    return f'<c s="{style}" t="n"><v>{value!r}</v></c>'


cached_cell_xml = lru_cache(maxsize=1 << 16, typed=True)(cell_xml)  # for values that repeat


def row_xml(row: int, cells: list[tuple[int, object, object]], height: float | None = None,
            styles: dict | None = None) -> str:
    """A <row> of (column, value, style id, or key into `styles`) cells in column order; a cell
    after a gap carries its reference."""
    attrs = f' ht="{height:g}" customHeight="1"' if height else ""
    if not cells or cells[-1][0] == len(cells):  # dense from column A: no references needed
        xml = ([cached_cell_xml(value, style) for _, value, style in cells] if styles is None
               else [cached_cell_xml(value, styles[key]) for _, value, key in cells])
        return f'<row r="{row}"{attrs}>{"".join(xml)}</row>'
    cols, values, ids = zip(*cells)
    if styles is not None:
        ids = map(styles.__getitem__, ids)
    out, expected = [f'<row r="{row}"{attrs}>'], 1
    for col, xml in zip(cols, map(cached_cell_xml, values, ids)):
        out.append(xml if col == expected else f'<c r="{get_column_letter(col)}{row}"{xml[2:]}')
        expected = col + 1
    out.append("</row>")
    return "".join(out)


def rows_xml(cells: dict[tuple[int, int], tuple[object, int]], heights: dict[int, float]) -> tuple[str, str]:
    """<sheetData> content for cells {(row, col): (value, style id)} and the used range (A1:H40)."""
    rows: dict[int, list] = {}
    for (row, col), (value, style) in cells.items():
        rows.setdefault(row, []).append((col, value, style))
    xml = "".join(row_xml(row, sorted(rows.get(row, []), key=lambda c: c[0]), heights.get(row))
                  for row in sorted(set(rows) | set(heights)))
    return xml, used_range(max((c for _, c in cells), default=1), max(rows, default=1))


def used_range(last_col: int, last_row: int) -> str:
    return f"A1:{get_column_letter(max(last_col, 1))}{max(last_row, 1)}"


def sheet_frame(sheet_xml: str, used: str) -> tuple[str, str]:
    """A worksheet part split around its <sheetData> content (head with the dimension `used`, tail)."""
    match = re.search(r"<sheetData\s*/>|<sheetData>.*</sheetData>", sheet_xml, flags=re.S)
    head = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{used}"', sheet_xml[:match.start()], count=1)
    return f"{head}<sheetData>", f"</sheetData>{sheet_xml[match.end():]}"


def with_sheet_data(sheet_xml: str, data: str, used: str) -> str:
    """A worksheet part whose <sheetData> is replaced by `data` (and its dimension by `used`)."""
    head, tail = sheet_frame(sheet_xml, used)
    return f"{head}{data}{tail}"


def zip_info(name: str, level: int = LEVEL) -> zipfile.ZipInfo:
    """A deflated zip entry dated FIXED_TIME (same parts → same bytes)."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    info._compresslevel = level  # zipfile has no public per-entry level for open(…, "w")
    return info


def read_parts(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return {name: z.read(name) for name in z.namelist()}


@dataclass(frozen=True)
class Entry:
    """A zip entry compressed once: name, CRC-32, sizes and deflated bytes."""

    name: bytes
    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, name: str, raw: bytes, level: int = FAST_LEVEL) -> Entry:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        return cls(name.encode(), zlib.crc32(raw), len(raw), packer.compress(raw) + packer.flush())


_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00, as FIXED_TIME
_ATTRS = 0o600 << 16
_MADE_BY = (3 << 8) | 20  # Unix, zip 2.0: as zipfile writes it


def zip_entries(entries: list[Entry]) -> bytes:
    """A zip of deflated entries in order, as zipfile writes them (no zip64: small workbooks)."""
    out, central, offset = [], [], 0
    for e in entries:
        common = struct.pack("<HHHHHIII", 20, 0, 8, _DOS_TIME, _DOS_DATE, e.crc, len(e.data), e.size)
        local = b"PK\x03\x04" + common + struct.pack("<HH", len(e.name), 0) + e.name
        central.append(b"PK\x01\x02" + struct.pack("<H", _MADE_BY) + common
                       + struct.pack("<HHHHHII", len(e.name), 0, 0, 0, 0, _ATTRS, offset) + e.name)
        out += [local, e.data]
        offset += len(local) + len(e.data)
    directory = b"".join(central)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(out) + directory + end


class Template:
    """The parts of an openpyxl-written template workbook, ready to be filled per layout."""

    def __init__(self, xlsx: bytes, styles: dict[str, int], sheet_name: str):
        self.parts = read_parts(xlsx)
        self.styles = styles
        self.quoted_sheet = "'" + sheet_name.replace("'", "''") + "'"
        self.sheet = self.parts[SHEET].decode()
        self.has_chart = CHART in self.parts
        self.entries = {name: Entry.of(name, data, LEVEL) for name, data in self.parts.items()}
        # a few variants recur across units (print title row, chart rows): made once each
        self._chart, self._workbook = lru_cache(maxsize=64)(self._chart), lru_cache(maxsize=64)(self._workbook)

    def _sheet(self, layout: Layout) -> bytes:
        styles, rows, heights = self.styles, layout.rows, layout.heights
        xml = "".join(row_xml(r, rows.get(r, ()), heights.get(r), styles) for r in sorted(rows.keys() | heights.keys()))
        used = used_range(max((cells[-1][0] for cells in rows.values() if cells), default=1), max(rows, default=1))
        return with_sheet_data(self.sheet, xml, used).encode()

    def _chart(self, header: int, n: int, low: float, high: float, unit: float) -> tuple[Entry, Entry]:
        chart, sheet = self.parts[CHART].decode(), re.escape(self.quoted_sheet)
        for tag, value in (("min", low), ("max", high), ("majorUnit", unit)):  # the value axis's bounds
            chart = re.sub(rf'<(\w+:)?{tag} val="[^"]*"', rf'<\g<1>{tag} val="{value:g}"', chart)
        chart = re.sub(rf"{sheet}!B\d+</", f"{self.quoted_sheet}!B{header}</", chart)  # the series title
        for col in "AB":
            chart = re.sub(rf"{sheet}!\${col}\$\d+:\${col}\$\d+",
                           f"{self.quoted_sheet}!${col}${header + 1}:${col}${header + n}", chart)
        anchor = header + n + 1  # 0-based index of the row after one blank row under the table
        drawing = re.sub(r"<from>(.*?)<row>\d+</row>", rf"<from>\g<1><row>{anchor}</row>",
                         self.parts[DRAWING].decode(), count=1)
        return Entry.of(CHART, chart.encode()), Entry.of(DRAWING, drawing.encode())

    def _workbook(self, print_title_row: int) -> Entry:
        workbook = re.sub(r"!\$\d+:\$\d+</definedName>", f"!${print_title_row}:${print_title_row}</definedName>",
                          self.parts["xl/workbook.xml"].decode(), count=1)
        return Entry.of("xl/workbook.xml", workbook.encode())

    def _core(self, title: str) -> Entry:
        core = re.sub(r"<dc:title>.*?</dc:title>", lambda _m: f"<dc:title>{escape(title)}</dc:title>",
                      self.parts["docProps/core.xml"].decode(), count=1, flags=re.S)
        return Entry.of("docProps/core.xml", core.encode())

    def render(self, layout: Layout) -> bytes:
        """The .xlsx bytes of one layout (deterministic: fixed zip dates, template order)."""
        entries = dict(self.entries)
        entries[SHEET] = Entry.of(SHEET, self._sheet(layout))
        if self.has_chart and layout.chart:
            entries[CHART], entries[DRAWING] = self._chart(*layout.chart)
        entries["xl/workbook.xml"] = self._workbook(layout.print_title_row)
        entries["docProps/core.xml"] = self._core(layout.title)
        return zip_entries(list(entries.values()))



def _first(item: tuple) -> object:
    return item[0]
