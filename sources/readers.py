"""Readers: any accepted file → a raw grid (one row per non-empty cell) and the template's `_meta`.

xlsx/xlsm go through python-calamine, with percent number formats (which decide how a cell reads)
taken from one regex pass over the sheet bytes; a workbook with formulas (uncached results must be
found), a DTD, or an odd sheet goes through openpyxl in read-only mode (defusedxml guards its XML);
.xls through xlrd with formatting (calamine does not expose number formats); .ods through python-calamine, with one streaming pass over content.xml to find
percentage-typed cells; .csv is decoded as UTF-8 (with or without BOM), else GB18030.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from defusedxml.ElementTree import iterparse
from openpyxl.utils import column_index_from_string, get_column_letter

from kaoping.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.problems import FileRefused, make_problem

GRID_COLUMNS = ["sheet", "row", "col", "cell", "value", "number_format", "uncached"]
META_SHEET = "_meta"
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass
class RawWorkbook:
    """Every non-empty cell of the data sheets, the sheet order, and the template's `_meta`."""

    grid: pd.DataFrame
    sheets: list[str]
    meta: dict[str, str] = field(default_factory=dict)


def _cell(sheet: str, row: int, col: int, value: object, fmt: str | None = None,
          uncached: bool = False) -> tuple:
    return (sheet, row, col, f"{get_column_letter(col)}{row}", value, fmt, uncached)


def _too_many_rows(path: Path, sheet: str | None, limits: IntakeSettings) -> FileRefused:
    return FileRefused(make_problem("too_many_rows", readable(path.name), sheet, value=f"超过 {limits.max_rows} 行",
                                    expected=f"不超过 {limits.max_rows} 行"))


class _TooManyRows(Exception):
    pass


def _uncached_formulas(source, max_rows: int) -> set[str]:
    """Cells holding a formula but no cached value (never calculated, e.g. written by a script);
    this streaming pass also stops a sheet with too many rows before openpyxl builds its cells."""
    found: set[str] = set()
    for _, node in iterparse(source):
        if node.tag == f"{_NS}row":
            if int(node.get("r") or 0) > max_rows:
                raise _TooManyRows
            node.clear()
        elif node.tag == f"{_NS}c":
            value = node.find(f"{_NS}v")
            if node.find(f"{_NS}f") is not None and (value is None or not (value.text or "")):
                found.add(node.get("r"))
    return found


def _xlsx_prescan(path: Path, limits: IntakeSettings) -> dict[str, set[str]]:
    """Uncached formula cells per worksheet part; refuses an oversized sheet before openpyxl reads it
    (openpyxl scans a sheet without a <dimension> element in full just to size it)."""
    import zipfile

    out = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                try:
                    with archive.open(name) as src:
                        out[name] = _uncached_formulas(src, limits.max_rows)
                except _TooManyRows:
                    raise _too_many_rows(path, None, limits) from None
    return out


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]([^>]*)")
_CELL_REF = re.compile(rb'<(?:\w+:)?c[\s>/](?:[^>]*?\br="([A-Z]{1,3})(\d+)")?')  # ("", "") without one
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}
MAX_FAST_AREA = 4_000_000  # cells calamine may hold densely for one sheet; beyond, stream with openpyxl


def _percent_styles(styles: bytes) -> dict[int, str]:
    """Cell style index → number format, for the styles whose format shows a percentage."""
    from defusedxml.ElementTree import fromstring

    from kaoping.sources.values import is_percent_format

    root = fromstring(styles)
    custom = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iter(f"{_NS}numFmt")}
    xfs = next(root.iter(f"{_NS}cellXfs"), None)
    formats = [custom.get(int(xf.get("numFmtId") or 0), _BUILTIN_PERCENT.get(int(xf.get("numFmtId") or 0)))
               for xf in (xfs if xfs is not None else [])]
    return {i: f for i, f in enumerate(formats) if is_percent_format(f)}


def _plain_sheet(xml: bytes, limits: IntakeSettings, percent: dict[int, str]) -> dict[tuple[int, int], str] | None:
    """Percent-formatted cells (row, col) → format of a sheet calamine can read as is; None when the
    sheet needs the streaming reader (formulas, cells without a reference, a sparse huge area)."""
    refs = _CELL_REF.findall(xml)
    if _FORMULA.search(xml) or any(not row for _, row in refs):
        return None
    height = max((int(row) for _, row in refs), default=0)
    width = max((column_index_from_string(col.decode()) for col in {col for col, _ in refs}), default=0)
    if height > limits.max_rows or height * width > MAX_FAST_AREA:
        return None
    if not percent:
        return {}
    found = {}
    for attrs in _CELL_TAG.findall(xml):
        ref, style = _REF.search(attrs), _STYLE.search(attrs)
        if style and int(style.group(1)) in percent:
            found[(int(ref.group(2)), column_index_from_string(ref.group(1).decode()))] = percent[int(style.group(1))]
    return found


def _xlsx_parts(path: Path, limits: IntakeSettings) -> list[dict[tuple[int, int], str]] | None:
    """Per worksheet (workbook order): its percent cells, when calamine can read the whole file as is;
    None when a part has a DTD (defusedxml refuses it) or a sheet needs the streaming reader."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        parts = {n: archive.read(n) for n in names if n.endswith((".xml", ".rels"))}
    if any(_DTD.search(xml) for xml in parts.values()) or "xl/workbook.xml" not in parts:
        return None
    percent = _percent_styles(parts["xl/styles.xml"]) if "xl/styles.xml" in parts else {}
    sheets = _sheet_parts(parts)
    if any(n not in parts for n in sheets):
        return None
    found = [_plain_sheet(parts[n], limits, percent) for n in sheets]
    return None if any(f is None for f in found) else found


def _sheet_parts(parts: dict[str, bytes]) -> list[str]:
    """The part name of each sheet, in workbook order (as calamine lists the sheets)."""
    from defusedxml.ElementTree import fromstring

    rels = fromstring(parts.get("xl/_rels/workbook.xml.rels", b"<r/>"))
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(f"{_RELS_NS}Relationship")}
    ids = [s.get(f"{_DOC_RELS_NS}id") for s in fromstring(parts["xl/workbook.xml"]).iter(f"{_NS}sheet")]
    return [(t.lstrip("/") if t.startswith("/") else f"xl/{t}") for t in (targets.get(i, "") for i in ids)]


def _calamine_value(value: object) -> object:
    """A calamine cell as openpyxl gives it: whole numbers as int, dates as datetime."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time())
    return value


def _xlsx_fast_rows(path: Path, limits: IntakeSettings, percent: list[dict]) -> tuple[list[tuple], list[str], dict]:
    """The grid through python-calamine, percent formats from the bytes scan of `_xlsx_parts`."""
    import python_calamine

    book = python_calamine.load_workbook(str(path))
    if len(book.sheet_names) != len(percent):
        return _xlsx_rows_streamed(path, limits)
    rows, sheets, meta = [], [], {}
    visible = {m.name for m in book.sheets_metadata if str(m.visible).endswith(".Visible")}
    for name, formats in zip(book.sheet_names, percent):
        data = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if name == META_SHEET:
            meta = {str(_calamine_value(r[0])): str(_calamine_value(r[1])) for r in data if len(r) > 1 and r[0] != ""}
            continue
        if name not in visible:
            continue
        sheets.append(name)
        rows += [_cell(name, r, c, v if type(v) is str else _calamine_value(v), formats.get((r, c)))
                 for r, line in enumerate(data, start=1) for c, v in enumerate(line, start=1) if v != ""]
    return rows, sheets, meta


def _xlsx_rows(path: Path, limits: IntakeSettings) -> tuple[list[tuple], list[str], dict]:
    """Plain workbooks through calamine; formulas, DTDs and odd sheets through the streaming reader."""
    percent = _xlsx_parts(path, limits)
    return _xlsx_rows_streamed(path, limits) if percent is None else _xlsx_fast_rows(path, limits, percent)


def _xlsx_rows_streamed(path: Path, limits: IntakeSettings) -> tuple[list[tuple], list[str], dict]:
    from openpyxl import load_workbook

    uncached_by_part = _xlsx_prescan(path, limits)
    book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    rows, sheets, meta = [], [], {}
    try:
        for ws in book.worksheets:
            if ws.title == META_SHEET:
                meta = {str(r[0]): "" if r[1] is None else str(r[1])
                        for r in ws.iter_rows(values_only=True) if r and r[0] is not None and len(r) > 1}
                continue
            if ws.sheet_state != "visible":
                continue
            sheets.append(ws.title)
            uncached = uncached_by_part.get(ws._worksheet_path.lstrip("/"), set())
            for row in ws.iter_rows():
                for c in row:
                    if getattr(c, "row", None) is None:
                        continue
                    if c.row > limits.max_rows:
                        raise _too_many_rows(path, ws.title, limits)
                    ref = f"{get_column_letter(c.column)}{c.row}"
                    if c.value is not None or ref in uncached:
                        rows.append(_cell(ws.title, c.row, c.column, c.value, c.number_format, ref in uncached))
    finally:
        book.close()
    return rows, sheets, meta


def _xls_rows(path: Path, limits: IntakeSettings) -> tuple[list[tuple], list[str], dict]:
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
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
                raise _too_many_rows(path, sheet.name, limits)
            sheets.append(sheet.name)
            for r in range(sheet.nrows):
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    fmt = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
                    value = cell.value if cell.ctype != xlrd.XL_CELL_ERROR else None
                    rows.append(_cell(sheet.name, r + 1, c + 1, value, fmt))
    finally:
        book.release_resources()
    return rows, sheets, meta


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_percent_cells(path: Path) -> set[tuple[str, int, int]]:
    """(sheet, row, col) of ODS cells typed as percentages, which calamine returns as bare fractions."""
    import zipfile

    found: set[tuple[str, int, int]] = set()
    sheet, row, col = "", 0, 0
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as src:
        for event, node in iterparse(src, events=("start", "end")):
            if event == "start":
                if node.tag == f"{_TABLE}table":
                    sheet, row = node.get(f"{_TABLE}name") or "", 0
                elif node.tag == f"{_TABLE}table-row":
                    col = 0
            elif node.tag == f"{_TABLE}table-row":
                row += int(node.get(f"{_TABLE}number-rows-repeated") or 1)
                node.clear()
            elif node.tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                span = min(int(node.get(f"{_TABLE}number-columns-repeated") or 1), 16384)
                if node.get(f"{_OFFICE}value-type") == "percentage":
                    found |= {(sheet, row + 1, col + c + 1) for c in range(span)}
                col += span
    return found


def _ods_rows(path: Path, limits: IntakeSettings) -> tuple[list[tuple], list[str], dict]:
    import python_calamine

    book = python_calamine.load_workbook(str(path))
    percent = _ods_percent_cells(path)
    rows, sheets, meta = [], [], {}
    visible = {m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")}
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        if sheet.total_height > limits.max_rows:
            raise _too_many_rows(path, name, limits)
        data = sheet.to_python(skip_empty_area=False)
        if name == META_SHEET:
            meta = {str(r[0]): str(r[1]) for r in data if len(r) > 1 and r[0] != ""}
            continue
        if name not in visible:
            continue
        sheets.append(name)
        rows += [_cell(name, r + 1, c + 1, v, "0%" if (name, r + 1, c + 1) in percent else None)
                 for r, line in enumerate(data) for c, v in enumerate(line) if v != ""]
    return rows, sheets, meta


def decoded_csv(raw: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _csv_rows(path: Path, limits: IntakeSettings) -> tuple[list[tuple], list[str], dict]:
    try:
        text = decoded_csv(path.read_bytes())
    except UnicodeDecodeError:
        raise FileRefused(make_problem("unreadable", readable(path.name), detail="无法识别文本编码")) from None
    name = readable(path.stem)[:31]  # the "sheet" of a CSV is its file name, as Excel shows it
    rows = []
    for r, line in enumerate(csv.reader(io.StringIO(text)), start=1):
        if r > limits.max_rows:
            raise _too_many_rows(path, name, limits)
        rows += [_cell(name, r, c, v) for c, v in enumerate(line, start=1) if v.strip() != ""]
    return rows, [name], {}


def read_workbook(path: Path, container: str, limits: IntakeSettings) -> RawWorkbook:
    """The raw grid of a file already passed by `safety.check_file`; FileRefused when unreadable."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileRefused(make_problem("unsupported_type", readable(path.name), value=suffix or "无扩展名",
                                       expected="、".join(SUFFIXES)))
    if container == "ole":
        reader = _xls_rows
    elif suffix == ".csv":
        reader = _csv_rows
    elif container == "zip":
        reader = _ods_rows if suffix == ".ods" else _xlsx_rows
    else:
        raise FileRefused(make_problem("unreadable", readable(path.name), detail="文件内容与扩展名不符"))
    try:
        rows, sheets, meta = reader(path, limits)
    except FileRefused:
        raise
    except Exception as exc:  # every parser failure (bad XML, entity bombs, corrupt records) ends here
        raise FileRefused(make_problem("unreadable", readable(path.name), detail=type(exc).__name__)) from None
    return RawWorkbook(pd.DataFrame(rows, columns=GRID_COLUMNS), sheets, meta)
