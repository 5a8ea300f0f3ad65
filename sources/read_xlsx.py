"""The .xlsx/.xlsm reader: python-calamine for plain workbooks, openpyxl streaming for the rest.

Plain workbooks go through python-calamine, with percent number formats (which decide how a cell
reads) taken from one regex pass over the sheet bytes; a workbook with formulas (uncached results
must be found), a DTD, or an odd sheet goes through openpyxl in read-only mode (defusedxml guards
its XML).
"""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import python_calamine
from defusedxml.ElementTree import fromstring, iterparse
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from kaoping.core.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.grid import META_SHEET, cell, too_many_cells, too_many_rows
from kaoping.sources.problems import FileRefused, make_problem
from kaoping.sources.values import NOT_FINITE, is_percent_format

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]([^>]*)")
_CELL_REF = re.compile(rb'<(?:\w+:)?c[\s>/](?:[^>]*?\br="([A-Z]{1,3})(\d+)")?')  # ("", "") without one
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_REF_TEXT = re.compile(r"([A-Z]{1,3})(\d+)$")
_STYLE = re.compile(rb'\bs="(\d+)"')
_BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}
MAX_FAST_AREA = 4_000_000  # cells calamine may hold densely for one sheet; beyond, stream with openpyxl


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
            elif value is not None and node.get("t", "n") == "n" and (value.text or "").strip().lower() in NOT_FINITE:
                raise _NotFinite(node.get("r") or "", value.text.strip())
            node.clear()
    return found


def _prescan(path: Path, limits: IntakeSettings, name: str) -> dict[str, set[str]]:
    """Uncached formula cells per worksheet part; refuses an oversized sheet before openpyxl reads it
    (openpyxl scans a sheet without a <dimension> element in full just to size it)."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                try:
                    with archive.open(part) as src:
                        out[part] = _uncached_formulas(src, limits)
                except _TooManyRows:
                    raise too_many_rows(name, None, limits) from None
                except _TooManyCells:
                    raise too_many_cells(name, None, limits) from None
                except _NotFinite as bad:
                    raise FileRefused(make_problem("not_finite", readable(name), _sheet_title(archive, part),
                                                   bad.ref, value=bad.text, expected="数值")) from None
    return out


def _sheet_title(archive, part: str) -> str | None:
    """The title of the sheet stored in `part`, when the workbook names it."""
    try:
        parts = {n: archive.read(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
                 if n in archive.namelist()}
        titles = [s.get("name") for s in fromstring(parts["xl/workbook.xml"]).iter(f"{_NS}sheet")]
        return dict(zip(_sheet_parts(parts), titles)).get(part)
    except Exception:  # a broken workbook part: the message names the cell without its sheet
        return None


def _percent_styles(styles: bytes) -> dict[int, str]:
    """Cell style index → number format, for the styles whose format shows a percentage."""
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


def _percent_cells(path: Path, limits: IntakeSettings) -> list[dict[tuple[int, int], str]] | None:
    """Per worksheet (workbook order): its percent cells, when calamine can read the whole file as is;
    None when a part has a DTD (defusedxml refuses it) or a sheet needs the streaming reader."""
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


def _fast_rows(path: Path, limits: IntakeSettings, percent: list[dict], name: str
               ) -> tuple[list[tuple], list[str], dict]:
    """The grid through python-calamine, percent formats from the bytes scan of `_percent_cells`."""
    book = python_calamine.load_workbook(str(path))
    if len(book.sheet_names) != len(percent):
        return _streamed_rows(path, limits, name)
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
        rows += [cell(title, r, c, v if type(v) is str else _calamine_value(v), formats.get((r, c)))
                 for r, line in enumerate(data, start=1) for c, v in enumerate(line, start=1) if v != ""]
    return rows, sheets, meta


def xlsx_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    """Plain workbooks through calamine; formulas, DTDs and odd sheets through the streaming reader."""
    percent = _percent_cells(path, limits)
    return _streamed_rows(path, limits, name) if percent is None \
        else _fast_rows(path, limits, percent, name)


def _streamed_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    uncached_by_part = _prescan(path, limits, name)
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
                        raise too_many_rows(name, ws.title, limits)
                    ref = f"{get_column_letter(c.column)}{c.row}"
                    if c.value is not None or ref in uncached:
                        rows.append(cell(ws.title, c.row, c.column, c.value, c.number_format, ref in uncached))
    finally:
        book.close()
    return rows, sheets, meta
