"""问题清单 workbooks for rejected files (SPEC §6, §8): the sender's sheet with bad cells filled red
and commented, plus a 问题清单 sheet listing every problem."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from kaoping.sources import messages as M
from kaoping.sources.problems import Problem

_FORMULA_START = ("=", "+", "-", "@")
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
_RED, _AMBER = PatternFill("solid", fgColor="FFC7CE"), PatternFill("solid", fgColor="FFEB9C")
_WIDTHS = (28, 14, 8, 14, 24, 14, 22, 80)
NAME_BYTES = 150  # a component's UTF-8 bytes, with room for the suffix within NAME_MAX (255 bytes)
MAX_LISTED = 5000  # problems listed in the 问题清单 sheet (all of them are in submission_problem)
MAX_NOTES = 1000  # cells of the sheet copy that get a comment (each is a drawing object in Excel)
MAX_COPIED = 200_000  # cells of the sender's sheet copied (in row order)


def safe_name(text: str) -> str:
    """A path component that stays inside its folder (no separators, no leading dots) and within the
    file system's name length: a longer name is cut at a character boundary and keeps a short hash
    of the whole, so two long names that differ only at their ends stay two files."""
    name = _UNSAFE.sub("_", text).lstrip(". ") or "_"
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= NAME_BYTES:
        return name
    tag = hashlib.sha256(encoded).hexdigest()[:8]
    cut = encoded[:NAME_BYTES - len(tag) - 1].decode("utf-8", "ignore")
    return f"{cut}~{tag}"


def problem_list_path(out_dir: Path, period: str | None, department: str | None, file_name: str) -> Path:
    """out/<period or 未知期间>/问题清单/<department or 未知部门>/<file stem>_问题清单.xlsx."""
    folder = out_dir / safe_name(period or M.UNKNOWN_PERIOD_DIR) / M.PROBLEM_LIST_DIR / \
        safe_name(department or M.UNKNOWN_DEPARTMENT_DIR)
    return folder / f"{safe_name(Path(file_name).stem)}{M.PROBLEM_LIST_SUFFIX}"


def put(ws, row: int, col: int, value: object):
    """Write a cell; text that looks like a formula stays text (never evaluated by Excel)."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters a sender typed are not XML
        if value.startswith(_FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
    elif value is not None:
        cell.value = value if isinstance(value, (int, float)) else str(value)
    return cell


def _copy_sheet(ws, grid: pd.DataFrame, problems: list[Problem]) -> None:
    """The sender's cell values (the first MAX_COPIED), bad cells filled (red: error, amber:
    warning) and commented (the first MAX_NOTES)."""
    if len(grid) > MAX_COPIED:
        grid = grid.sort_values(["row", "col"], kind="stable").head(MAX_COPIED)
    for r, c, v in zip(grid["row"], grid["col"], grid["value"]):
        put(ws, int(r), int(c), v)
    notes: dict[str, list[Problem]] = {}
    for p in problems:
        if p.cell and (p.cell in notes or len(notes) < MAX_NOTES):
            notes.setdefault(p.cell, []).append(p)
    for ref, found in notes.items():
        cell = ws[ref]
        cell.fill = _RED if any(p.severity == M.ERROR for p in found) else _AMBER
        text = ILLEGAL_CHARACTERS_RE.sub("", "\n".join(p.message for p in found))
        cell.comment = Comment(text[:2000], "kaoping", width=320, height=160)


def _problem_sheet(ws, problems: list[Problem]) -> None:
    """Every problem, errors first, at most MAX_LISTED of them and then a line giving the total."""
    ordered = sorted(problems, key=lambda p: (p.severity != M.ERROR, p.sheet or "", p.cell or ""))[:MAX_LISTED]
    for col, (title, width) in enumerate(zip(M.PROBLEM_COLUMNS, _WIDTHS), start=1):
        put(ws, 1, col, title).font = Font(bold=True)
        ws.column_dimensions[chr(64 + col)].width = width
    for row, p in enumerate(ordered, start=2):
        text = f"【{M.SEVERITY_LABEL[p.severity]}】{p.message}"
        for col, value in enumerate((p.file, p.sheet, p.cell, p.unit, p.indicator, p.value, p.expected, text), 1):
            put(ws, row, col, value).alignment = Alignment(wrap_text=col == 8, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:H{len(ordered) + 1}"
    if len(problems) > len(ordered):
        put(ws, len(ordered) + 2, 8, M.PROBLEM_LIST_CAPPED.format(total=len(problems), shown=len(ordered))
            ).font = Font(bold=True)


def write_problem_list(path: Path, problems: list[Problem], sheet: str | None, grid: pd.DataFrame | None) -> Path:
    """Write the workbook atomically (temp file, then rename); returns its path."""
    wb = Workbook()
    listing = wb.active
    listing.title = M.PROBLEM_SHEET
    _problem_sheet(listing, problems)
    if sheet is not None and grid is not None:
        title = sheet if sheet != M.PROBLEM_SHEET else f"{sheet}(原表)"
        cells = grid[grid["sheet"] == sheet]
        _copy_sheet(wb.create_sheet(_UNSAFE.sub("_", title)[:31]), cells, problems)
        if len(cells) > MAX_COPIED:
            put(listing, listing.max_row + 1, 8, M.PROBLEM_LIST_COPY_CAPPED.format(total=len(cells), shown=MAX_COPIED))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
