"""A workbook from creation to bytes: fixed document properties, then its recorded sheets streamed
into a deterministic .xlsx (same content → same bytes)."""
from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Iterator

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from kaoping.reports import texts
from kaoping.reports.fastxlsx import LEVEL, read_parts, rows_xml, sheet_frame, used_range, zip_info
from kaoping.reports.xlsx.cells import extent

LARGE_SHEET_LEVEL = 3  # zlib level of sheets with column blocks: half the time of 6, files ~30 % larger
ZIP64_CELLS = 5_000_000  # a sheet with more cells may pass zip's 2 GiB entry limit


def new_workbook(title: str, when: datetime) -> Workbook:
    """An empty workbook whose document properties carry `title` and the fixed time `when`."""
    wb = Workbook()
    wb.remove(wb.active)
    stamp = when.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    wb.properties.title = title
    wb.properties.creator = texts.CREATOR
    wb.properties.lastModifiedBy = texts.CREATOR
    wb.properties.created = stamp
    wb.properties.modified = stamp
    return wb


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries carry one fixed date, so equal content gives equal bytes."""

    fixed = (1980, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.fixed)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl streams worksheets through temp files; their mtime must not leak in either
        self.writestr(str(arcname or filename), Path(filename).read_bytes())


def _sheet_chunks(sheet: dict) -> Iterator[str]:
    """The <sheetData> content of a recorded sheet in pieces: cell rows and column blocks in row order."""
    cells, heights = sheet["cells"], sheet["heights"]
    rows = sorted({r for r, _ in cells} | set(heights))
    done = 0
    for block in sorted(sheet["blocks"], key=lambda b: b.first_row):
        before = [r for r in rows[done:] if r < block.first_row]
        inside = [r for r in rows[done + len(before):] if r <= block.last_row]
        assert not inside, f"cells recorded in the rows of a column block: {inside[:3]}"
        yield _rows_part(cells, heights, before)
        done += len(before)
        yield from block.chunks()
    yield _rows_part(cells, heights, rows[done:])


def _rows_part(cells: dict, heights: dict, rows: list[int]) -> str:
    wanted = set(rows)
    return rows_xml({k: v for k, v in cells.items() if k[0] in wanted},
                    {r: h for r, h in heights.items() if r in wanted})[0] if rows else ""


def _write_sheet(z: zipfile.ZipFile, name: str, template: str, sheet: dict) -> None:
    last_row, last_col = extent(sheet)
    head, tail = sheet_frame(template, used_range(last_col, last_row))
    cells = sum(len(b.rows) * len(b.columns) for b in sheet["blocks"]) + len(sheet["cells"])
    level = LARGE_SHEET_LEVEL if sheet["blocks"] else LEVEL
    with z.open(zip_info(name, level), "w", force_zip64=cells > ZIP64_CELLS) as out, \
            ThreadPoolExecutor(1) as compressor:
        # zlib runs without the GIL: the next chunk is built while this one is compressed
        pending = compressor.submit(out.write, head.encode())
        for chunk in chain(_sheet_chunks(sheet), [tail]):
            data = chunk.encode()
            pending.result()
            pending = compressor.submit(out.write, data)
        pending.result()


def save_workbook(wb: Workbook, out: BinaryIO) -> None:
    """Write the .xlsx of a workbook with its recorded cells and blocks to `out` (seekable), sheet
    data streamed; deterministic (no save-time clock in properties or zip entries)."""
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # unlike save_workbook, keeps properties.modified as set
    recorded = wb.__dict__.get("_kaoping_sheets", {})
    # openpyxl names the sheets sheet1.xml, sheet2.xml… in workbook order
    sheets = {f"xl/worksheets/sheet{k}.xml": recorded[ws.title]
              for k, ws in enumerate(wb.worksheets, start=1) if ws.title in recorded}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for name, data in read_parts(buffer.getvalue()).items():
            if name in sheets:
                _write_sheet(z, name, data.decode(), sheets[name])
            else:
                z.writestr(zip_info(name), data)


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx bytes of a workbook with its recorded cells (see save_workbook)."""
    buffer = io.BytesIO()
    save_workbook(wb, buffer)
    return buffer.getvalue()
