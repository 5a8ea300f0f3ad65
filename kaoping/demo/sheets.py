"""A sheet as plain rows, and its bytes as .xlsx, .xls or .csv — byte-identical for the same input."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Cell:
    """A cell value with an Excel number format (e.g. a percentage holding 0.953)."""

    value: object
    number_format: str


@dataclass
class Sheet:
    """Rows of cell values (str, int, float, None or Cell) and merged ranges (r1, c1, r2, c2, 1-based)."""

    title: str
    rows: list[list[object]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def cell_ref(row: int, col: int) -> str:
    """An A1 reference from 1-based row and column."""
    return f"{get_column_letter(col)}{row}"


class _FixedTimeZip(ZipFile):
    """A ZipFile whose entries all carry the same timestamp, so the archive bytes are reproducible."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl writes each worksheet from a temporary file, whose mtime would leak in
        with open(filename, "rb") as handle:
            self.writestr(arcname or str(filename), handle.read())

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode == "w" and isinstance(name, str):
            name = ZipInfo(name, date_time=_ZIP_TIME)
            name.compress_type = ZIP_DEFLATED
        return super().open(name, mode, pwd, force_zip64=force_zip64)


def xlsx_bytes(sheet: Sheet, author: str, when: datetime) -> bytes:
    """The sheet as an .xlsx workbook with fixed document properties."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.title
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, Cell):
                ws.cell(r, c, value.value).number_format = value.number_format
            elif value is not None:
                ws.cell(r, c, value)
    for r1, c1, r2, c2 in sheet.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    ws.column_dimensions["A"].width = 18
    stamp = when.astimezone(timezone.utc).replace(tzinfo=None)
    wb.properties.creator = author
    wb.properties.lastModifiedBy = author
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    ExcelWriter(wb, _FixedTimeZip(buffer, "w", ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue()


def xls_bytes(sheet: Sheet) -> bytes:
    """The sheet as an Excel 97–2003 .xls workbook."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet.title)
    styles: dict[str, object] = {}
    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges}
    covered = {(r, c) for r1, c1, r2, c2 in sheet.merges
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - set(merged)
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            if (r, c) in covered:
                continue
            style = xlwt.Style.default_style
            if isinstance(value, Cell):
                style = styles.setdefault(value.number_format, xlwt.easyxf(num_format_str=value.number_format))
                value = value.value
            if (r, c) in merged:
                r2, c2 = merged[(r, c)]
                ws.write_merge(r - 1, r2 - 1, c - 1, c2 - 1, value, style)
            elif value is not None:
                ws.write(r - 1, c - 1, value, style)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: object) -> str:
    if isinstance(value, Cell):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_bytes(sheet: Sheet, encoding: str) -> bytes:
    """The sheet as CSV text in `encoding` (`gbk`, `utf-8-sig`, …), rows padded to one width."""
    width = max((len(row) for row in sheet.rows), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in sheet.rows:
        writer.writerow([_text(v) for v in row] + [""] * (width - len(row)))
    return buffer.getvalue().encode(encoding)
