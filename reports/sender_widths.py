"""The column widths of the sender's own sheet, so the 问题清单's copy of it reads as theirs did."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_SHEET_DATA = b"sheetData"
HEAD_BYTES = 1 << 20  # <cols> precedes <sheetData>; no need to read a large sheet further


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip part of the worksheet named `sheet` (None when the workbook does not say)."""
    from defusedxml.ElementTree import fromstring

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = fromstring(archive.read("xl/workbook.xml"))
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") or "" for r in rels}
    for node in book.iter(f"{ns}sheet"):
        if node.get("name") == sheet:
            target = targets.get(node.get(rel_ns), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def xlsx_widths(path: Path, sheet: str) -> dict[int, float]:
    """Column number → width as the sender set it in an .xlsx/.xlsm sheet; {} when unknown."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return {}
            with archive.open(part) as stream:
                head = stream.read(HEAD_BYTES)
    except Exception:  # noqa: BLE001 - widths are a nicety; an odd file keeps fitted widths
        return {}
    head = head.split(_SHEET_DATA, 1)[0]
    widths: dict[int, float] = {}
    for match in _COL.finditer(head):
        attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(match.group(1))}
        try:
            lo, hi, width = int(attrs["min"]), int(attrs["max"]), float(attrs["width"])
        except (KeyError, ValueError):
            continue
        if attrs.get("customWidth") in ("1", "true") or width > 0:
            for col in range(lo, min(hi, lo + 500) + 1):
                widths[col] = width
    return widths


def sender_widths(path: Path | None, sheet: str) -> dict[int, float]:
    """The sender's column widths where the file type keeps them (xlsx, xlsm)."""
    if path is None or Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    return xlsx_widths(Path(path), sheet)
