"""Many workbooks of one layout, fast: openpyxl builds one template workbook, then each
workbook's sheet data, chart references, print titles and title are written as XML text into a
copy of the template's parts (a few milliseconds instead of ~100 per workbook through openpyxl).

The template is what openpyxl wrote, so styles, print setup, chart and document properties are
openpyxl's own; only the parts that differ between workbooks are generated here.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SHEET = "xl/worksheets/sheet1.xml"
CHART = "xl/charts/chart1.xml"
DRAWING = "xl/drawings/drawing1.xml"


@dataclass
class Layout:
    """One single-sheet workbook: cells (row, column, value, style key), row heights, the row
    repeated on printed pages, and the rows a chart plots (header row, data rows) if any."""

    title: str
    cells: list[tuple[int, int, object, str]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    print_title_row: int = 1
    chart: tuple[int, int] | None = None  # anchored one blank row below the charted rows

    def add_row(self, row: int, values: list, keys: list[str], first_col: int = 1) -> None:
        self.cells += [(row, first_col + k, v, key) for k, (v, key) in enumerate(zip(values, keys))]


def _cell_xml(row: int, col: int, value: object, style: int) -> str:
    ref = f"{get_column_letter(col)}{row}"
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, datetime):
        value = to_excel(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    return f'<c r="{ref}" s="{style}" t="n"><v>{value!r}</v></c>'


def rows_xml(cells: dict[tuple[int, int], tuple[object, int]], heights: dict[int, float]) -> tuple[str, str]:
    """<sheetData> content for cells {(row, col): (value, style id)} and the used range (A1:H40)."""
    rows: dict[int, list] = {}
    for (row, col), (value, style) in cells.items():
        rows.setdefault(row, []).append((col, value, style))
    out = []
    for row in sorted(set(rows) | set(heights)):
        height = heights.get(row)
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        xml = "".join(_cell_xml(row, c, v, s) for c, v, s in sorted(rows.get(row, []), key=lambda x: x[0]))
        out.append(f'<row r="{row}"{attrs}>{xml}</row>')
    last_col = max((c for _, c in cells), default=1)
    return "".join(out), f"A1:{get_column_letter(last_col)}{max(rows, default=1)}"


def sheet_data_xml(layout: Layout, styles: dict[str, int]) -> tuple[str, str]:
    """The <sheetData> content and the used range of a layout."""
    return rows_xml({(r, c): (v, styles[k]) for r, c, v, k in layout.cells}, layout.heights)


def with_sheet_data(sheet_xml: str, data: str, used: str) -> str:
    """A worksheet part whose <sheetData> is replaced by `data` (and its dimension by `used`)."""
    match = re.search(r"<sheetData\s*/>|<sheetData>.*</sheetData>", sheet_xml, flags=re.S)
    head = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{used}"', sheet_xml[:match.start()], count=1)
    return f"{head}<sheetData>{data}</sheetData>{sheet_xml[match.end():]}"


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A zip of the parts in order, every entry dated FIXED_TIME (same parts → same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)
    return buffer.getvalue()


def read_parts(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return {name: z.read(name) for name in z.namelist()}


class Template:
    """The parts of an openpyxl-written template workbook, ready to be filled per layout."""

    def __init__(self, xlsx: bytes, styles: dict[str, int], sheet_name: str):
        self.parts = read_parts(xlsx)
        self.styles = styles
        self.quoted_sheet = "'" + sheet_name.replace("'", "''") + "'"
        self.sheet = self.parts[SHEET].decode()
        self.has_chart = CHART in self.parts

    def _sheet(self, layout: Layout) -> bytes:
        return with_sheet_data(self.sheet, *sheet_data_xml(layout, self.styles)).encode()

    def _chart(self, header: int, n: int) -> tuple[bytes, bytes]:
        chart, sheet = self.parts[CHART].decode(), re.escape(self.quoted_sheet)
        chart = re.sub(rf"{sheet}!B\d+</", f"{self.quoted_sheet}!B{header}</", chart)  # the series title
        for col in "AB":
            chart = re.sub(rf"{sheet}!\${col}\$\d+:\${col}\$\d+",
                           f"{self.quoted_sheet}!${col}${header + 1}:${col}${header + n}", chart)
        anchor = header + n + 1  # 0-based index of the row after one blank row under the table
        drawing = re.sub(r"<from>(.*?)<row>\d+</row>", rf"<from>\g<1><row>{anchor}</row>",
                         self.parts[DRAWING].decode(), count=1)
        return chart.encode(), drawing.encode()

    def render(self, layout: Layout) -> bytes:
        """The .xlsx bytes of one layout (deterministic: fixed zip dates, template order)."""
        parts = dict(self.parts)
        parts[SHEET] = self._sheet(layout)
        if self.has_chart and layout.chart:
            parts[CHART], parts[DRAWING] = self._chart(*layout.chart)
        workbook = parts["xl/workbook.xml"].decode()
        parts["xl/workbook.xml"] = re.sub(r"!\$\d+:\$\d+</definedName>",
                                          f"!${layout.print_title_row}:${layout.print_title_row}</definedName>",
                                          workbook, count=1).encode()
        core = parts["docProps/core.xml"].decode()
        parts["docProps/core.xml"] = re.sub(r"<dc:title>.*?</dc:title>",
                                            lambda _m: f"<dc:title>{escape(layout.title)}</dc:title>",
                                            core, count=1, flags=re.S).encode()
        return zip_parts(parts)
