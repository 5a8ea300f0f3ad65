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
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from defusedxml.ElementTree import iterparse
from openpyxl.utils import column_index_from_string, get_column_letter

from kaoping.core.config import IntakeSettings
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


NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _cell(sheet: str, row: int, col: int, value: object, fmt: str | None = None,
          uncached: bool = False) -> tuple:
    """One grid row; a number cell holding NaN or ±Infinity keeps it as text, so that it is reported
    for its cell (values.py) instead of passing for an empty cell."""
    if isinstance(value, float) and not math.isfinite(value):
        value = NON_FINITE.get(value, "NaN")
    return (sheet, row, col, f"{get_column_letter(col)}{row}", value, fmt, uncached)


def _too_many_rows(name: str, sheet: str | None, limits: IntakeSettings) -> FileRefused:
    return FileRefused(make_problem("too_many_rows", readable(name), sheet, value=f"超过 {limits.max_rows} 行",
                                    expected=f"不超过 {limits.max_rows} 行"))


def too_many_cells(name: str, sheet: str | None, limits: IntakeSettings, detail: str | None = None) -> FileRefused:
    return FileRefused(make_problem("too_many_cells", readable(name), sheet, value=f"超过 {limits.max_cells} 个",
                                    expected=f"不超过 {limits.max_cells} 个", detail=detail))


class _TooManyRows(Exception):
    pass


class _TooManyCells(Exception):
    pass


class _NotFinite(Exception):
    """A number cell holding NaN or Infinity (openpyxl cannot read past it)."""

    def __init__(self, ref: str, text: str):
        super().__init__(ref)
        self.ref, self.text = ref, text


def _uncached_formulas(source, limits: IntakeSettings) -> set[str]:
    """Cells holding a formula but no cached value (never calculated, e.g. written by a script);
    this streaming pass also stops a sheet with too many rows or cells holding something before
    openpyxl builds its cells (rows that are only formatting, as Gnumeric writes them, do not count)."""
    found: set[str] = set()
    cells = 0
    for _, node in iterparse(source):
        if node.tag == f"{_NS}row":
            node.clear()
        elif node.tag == f"{_NS}c":
            value = node.find(f"{_NS}v")
            formula = node.find(f"{_NS}f") is not None
            if value is None and not formula and node.find(f"{_NS}is") is None:
                node.clear()
                continue  # a styled empty cell
            ref = _REF_TEXT.match(node.get("r") or "")
            if ref and int(ref.group(2)) > limits.max_rows:
                raise _TooManyRows
            cells += 1
            if cells > limits.max_cells:
                raise _TooManyCells
            if formula and (value is None or not (value.text or "")):
                found.add(node.get("r"))
            elif value is not None and node.get("t", "n") == "n" and (value.text or "").strip().lower() in _NOT_FINITE:
                raise _NotFinite(node.get("r") or "", value.text.strip())
            node.clear()
    return found


def _xlsx_prescan(path: Path, limits: IntakeSettings, name: str) -> dict[str, set[str]]:
    """Uncached formula cells per worksheet part; refuses an oversized sheet before openpyxl reads it
    (openpyxl scans a sheet without a <dimension> element in full just to size it)."""
    import zipfile

    out = {}
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                try:
                    with archive.open(part) as src:
                        out[part] = _uncached_formulas(src, limits)
                except _TooManyRows:
                    raise _too_many_rows(name, None, limits) from None
                except _TooManyCells:
                    raise too_many_cells(name, None, limits) from None
                except _NotFinite as bad:
                    raise FileRefused(make_problem("not_finite", readable(name), _sheet_title(archive, part),
                                                   bad.ref, value=bad.text, expected="数值")) from None
    return out


def _sheet_title(archive, part: str) -> str | None:
    """The title of the sheet stored in `part`, when the workbook names it."""
    from defusedxml.ElementTree import fromstring

    try:
        parts = {n: archive.read(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
                 if n in archive.namelist()}
        titles = [s.get("name") for s in fromstring(parts["xl/workbook.xml"]).iter(f"{_NS}sheet")]
        return dict(zip(_sheet_parts(parts), titles)).get(part)
    except Exception:  # a broken workbook part: the message names the cell without its sheet
        return None


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]([^>]*)")
_CELL_REF = re.compile(rb'<(?:\w+:)?c[\s>/](?:[^>]*?\br="([A-Z]{1,3})(\d+)")?')  # ("", "") without one
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_REF_TEXT = re.compile(r"([A-Z]{1,3})(\d+)$")
_NOT_FINITE = frozenset({"nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})
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
    if height > limits.max_rows or height * width > MAX_FAST_AREA or len(refs) > limits.max_cells:
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


def _xlsx_fast_rows(path: Path, limits: IntakeSettings, percent: list[dict], name: str
                    ) -> tuple[list[tuple], list[str], dict]:
    """The grid through python-calamine, percent formats from the bytes scan of `_xlsx_parts`."""
    import python_calamine

    book = python_calamine.load_workbook(str(path))
    if len(book.sheet_names) != len(percent):
        return _xlsx_rows_streamed(path, limits, name)
    rows, sheets, meta = [], [], {}
    visible = {m.name for m in book.sheets_metadata if str(m.visible).endswith(".Visible")}
    for title, formats in zip(book.sheet_names, percent):
        data = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        if title == META_SHEET:
            meta = {str(_calamine_value(r[0])): str(_calamine_value(r[1])) for r in data if len(r) > 1 and r[0] != ""}
            continue
        if title not in visible:
            continue
        sheets.append(title)
        rows += [_cell(title, r, c, v if type(v) is str else _calamine_value(v), formats.get((r, c)))
                 for r, line in enumerate(data, start=1) for c, v in enumerate(line, start=1) if v != ""]
    return rows, sheets, meta


def _xlsx_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    """Plain workbooks through calamine; formulas, DTDs and odd sheets through the streaming reader."""
    percent = _xlsx_parts(path, limits)
    return _xlsx_rows_streamed(path, limits, name) if percent is None \
        else _xlsx_fast_rows(path, limits, percent, name)


def _xlsx_rows_streamed(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    from openpyxl import load_workbook

    uncached_by_part = _xlsx_prescan(path, limits, name)
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
            ws.reset_dimensions()  # else every row is padded to the widest one: one cell at XFD → 16,384 a row
            for row in ws.iter_rows():
                for c in row:
                    if getattr(c, "row", None) is None:
                        continue
                    if c.row > limits.max_rows and c.value is not None:
                        raise _too_many_rows(name, ws.title, limits)
                    ref = f"{get_column_letter(c.column)}{c.row}"
                    if c.value is not None or ref in uncached:
                        rows.append(_cell(ws.title, c.row, c.column, c.value, c.number_format, ref in uncached))
    finally:
        book.close()
    return rows, sheets, meta


def _xls_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    import xlrd

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
                raise _too_many_rows(name, sheet.name, limits)
            cells += sum(sheet.row_len(r) for r in range(sheet.nrows))  # ragged: a row ends at its last cell
            if cells > limits.max_cells:
                raise too_many_cells(name, sheet.name, limits)
            sheets.append(sheet.name)
            for r in range(sheet.nrows):
                for c in range(sheet.row_len(r)):
                    cell = sheet.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    fmt = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
                    value = cell.value if cell.ctype != xlrd.XL_CELL_ERROR else None
                    rows.append(_cell(sheet.name, r + 1, c + 1, value, fmt))
    finally:
        book.release_resources()
    return rows, sheets, meta


def _ods_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    """Values through python-calamine, once a streaming pass over content.xml (ods.py) has sized each
    sheet by the cells that hold something and found its percentage and uncached formula cells."""
    import python_calamine

    from kaoping.sources import ods

    scanned = ods.scan(path, limits, name)
    book = python_calamine.load_workbook(str(path))
    rows, sheets, meta = [], [], {}
    visible = {m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")}
    for title in book.sheet_names:
        found = scanned.get(title, ods.SheetScan())
        if not found.cells and title != META_SHEET:
            continue  # nothing in it (calamine would still size it by its declared, repeated rows)
        data = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        if title == META_SHEET:
            meta = {str(r[0]): str(r[1]) for r in data if len(r) > 1 and r[0] != ""}
            continue
        if title not in visible:
            continue
        sheets.append(title)
        rows += [_cell(title, r + 1, c + 1, v, "0%" if found.is_percent(r + 1, c + 1) else None)
                 for r, line in enumerate(data) for c, v in enumerate(line) if v != ""]
        rows += [_cell(title, r, c, None, None, True) for r, c in sorted(found.uncached)]
    return rows, sheets, meta


def decoded_csv(raw: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _csv_cells(text: str, raw: bytes, limits: IntakeSettings) -> int:
    """The CSV's non-empty cells, counted without keeping them when the separators allow too many."""
    if raw.count(b",") + raw.count(b"\n") + raw.count(b"\r") + 1 <= limits.max_cells:
        return 0  # an upper bound already within the limit
    count = 0
    for line in csv.reader(io.StringIO(text, newline="")):
        count += sum(1 for v in line if v.strip() != "")
        if count > limits.max_cells:
            break
    return count


def _csv_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    raw = path.read_bytes()
    try:
        text = decoded_csv(raw)
    except UnicodeDecodeError:
        raise FileRefused(make_problem("unreadable", readable(name), detail="无法识别文本编码")) from None
    sheet = readable(Path(name).stem)[:31]  # the "sheet" of a CSV is its file name, as Excel shows it
    if _csv_cells(text, raw, limits) > limits.max_cells:
        raise too_many_cells(name, sheet, limits)
    del raw
    rows = []
    # newline="": a line may end in \n, \r\n or a lone \r (old Mac, some exports)
    for r, line in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if r > limits.max_rows:
            raise _too_many_rows(name, sheet, limits)
        rows += [_cell(sheet, r, c, v) for c, v in enumerate(line, start=1) if v.strip() != ""]
    return rows, [sheet], {}


def read_workbook(path: Path, container: str, limits: IntakeSettings, name: str | None = None) -> RawWorkbook:
    """The raw grid of a file already passed by `safety.check_file`; FileRefused when unreadable.
    `name` is the file's own name (`path` may be kaoping's private copy of it)."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileRefused(make_problem("unsupported_type", readable(name), value=suffix or "无扩展名",
                                       expected="、".join(SUFFIXES)))
    if container == "ole":
        reader = _xls_rows
    elif suffix == ".csv":
        reader = _csv_rows
    elif container == "zip":
        reader = _ods_rows if suffix == ".ods" else _xlsx_rows
    else:
        raise FileRefused(make_problem("unreadable", readable(name), detail="文件内容与扩展名不符"))
    try:
        rows, sheets, meta = reader(path, limits, name)
    except FileRefused:
        raise
    except MemoryError:
        raise FileRefused(make_problem("too_much_memory", readable(name))) from None
    except Exception as exc:  # every parser failure (bad XML, entity bombs, corrupt records) ends here
        raise FileRefused(make_problem("unreadable", readable(name), detail=unreadable_reason(exc))) from None
    return RawWorkbook(pd.DataFrame(rows, columns=GRID_COLUMNS), sheets, meta)


def unreadable_reason(exc: BaseException) -> str:
    """Why a parser gave up, in words a sender can act on (never just an exception's class name)."""
    import zipfile
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    text = str(exc)
    if isinstance(exc, DefusedXmlException):
        return "文件中含有不允许的 XML 实体或文档类型定义（可能是恶意构造的文件）"
    if isinstance(exc, ParseError) or "xml" in type(exc).__name__.lower():
        return "文件内部的 XML 内容格式错误，文件可能已损坏"
    if isinstance(exc, (zipfile.BadZipFile, EOFError)) or "zip" in text.lower():
        return "压缩包结构损坏，文件可能不完整"
    if isinstance(exc, KeyError):
        return "文件缺少必需的组成部分，可能不是由 Excel/WPS 保存的完整文件"
    if isinstance(exc, csv.Error):
        return "CSV 文本格式错误（引号或换行不匹配）"
    if isinstance(exc, UnicodeError):
        return "文件中有无法识别的文字编码"
    if type(exc).__module__.startswith("xlrd") or "biff" in text.lower() or "ole2" in text.lower():
        return "Excel 97-2003 文件结构损坏或不完整"
    return "文件内部结构损坏或格式不规范，请用 Excel/WPS 打开后另存为 .xlsx 再报送"
