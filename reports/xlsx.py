"""Workbook building blocks shared by the report writers: safe cells, house style, widths,
print setup, and deterministic, atomic saving (same content → same bytes → file left alone)."""
from __future__ import annotations

import io
import math
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from itertools import chain, repeat
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Protocol, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from kaoping.reports import texts
from kaoping.reports.fastxlsx import LEVEL, cell_xml, read_parts, rows_xml, sheet_frame, used_range, zip_info
from kaoping.scoring.rounding import round2

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
NUMBER = "0.00"
FORMULA_PREFIXES = ("=", "+", "-", "@")
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # characters two columns wide (CJK and beyond)
HEADER_ROW, FIRST_ROW = 3, 4  # row 1 title, row 2 subtitle, then the table
MAX_ROWS = 1_048_576  # Excel's rows per sheet
BLOCK_CELLS = 300_000  # cells of a column block turned into XML at a time (bounds memory)
LARGE_SHEET_LEVEL = 3  # zlib level of sheets with column blocks: half the time of 6, files ~30 % larger
ZIP64_CELLS = 5_000_000  # a sheet with more cells may pass zip's 2 GiB entry limit

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
TITLE = Font(name=HEAD_FONT, size=16, bold=True)
SUBTITLE = Font(name=BODY_FONT, size=9, color="404040")
HEADER = Font(name=HEAD_FONT, size=10, bold=True)
BODY = Font(name=BODY_FONT, size=10)
WARN = Font(name=BODY_FONT, size=10, bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
VETO_FILL = PatternFill("solid", fgColor="F8CBAD")
ALERT_FILL = PatternFill("solid", fgColor="FFE699")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=False)
RIGHT = Alignment(horizontal="right", vertical="center")
WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
ACROSS = Alignment(horizontal="centerContinuous", vertical="center")
ACROSS_RIGHT = Alignment(horizontal="right", vertical="center")


def display_width(value: object) -> int:
    """Width of a value's longest line in Excel character units (CJK counts as 2)."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value if value is not None else "")
    return max(len(line) + len(_WIDE.findall(line)) for line in text.split("\n"))


def _clean(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _style_id(ws: Worksheet, font: Font, border: bool, fill: PatternFill | None,
              number_format: str | None, align: Alignment | None, quote: bool) -> int:
    """The workbook's style id for a cell style, registered once (openpyxl's setters are slow)."""
    cache = ws.parent.__dict__.setdefault("_kaoping_styles", {})
    key = (id(font), border, id(fill), number_format, id(align), quote)
    hit = cache.get(key)
    if hit is None:
        style = style_array(ws, font, border, fill, number_format, align, quote)
        hit = cache[key] = (ws.parent._cell_styles.add(style), (font, fill, align))  # refs keep ids unique
    return hit[0]


def style_array(ws: Worksheet, font: Font, border: bool, fill: PatternFill | None,
                number_format: str | None, align: Alignment | None, quote: bool = False):
    """A cell style built through openpyxl's setters and registered in the workbook."""
    cell = Cell(ws)
    cell.font = font
    if border:
        cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if align is not None:
        cell.alignment = align
    cell.quotePrefix = quote
    ws.parent._cell_styles.add(cell._style)
    return cell._style


def _sheet(ws: Worksheet) -> dict:
    """The cells, row heights and column blocks recorded for a sheet (written as XML when the
    workbook is saved)."""
    sheets = ws.parent.__dict__.setdefault("_kaoping_sheets", {})
    return sheets.setdefault(ws.title, {"cells": {}, "heights": {}, "blocks": []})


def put(ws: Worksheet, row: int, col: int, value: object, font: Font = BODY,
        number_format: str | None = None, align: Alignment | None = None, border: bool = True,
        fill: PatternFill | None = None) -> None:
    """Write one cell; text is always text (a leading =, +, -, @ never becomes a formula).

    Cells are recorded and written straight as XML by `workbook_bytes` (openpyxl's per-cell
    objects cost too much for sheets of tens of thousands of cells).
    """
    quote = isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
    fmt = number_format if isinstance(value, (int, float, datetime)) else None
    style = _style_id(ws, font, border, fill, fmt, align, quote)
    _sheet(ws)["cells"][(row, col)] = (_clean(value), style)


def set_height(ws: Worksheet, row: int, height: float) -> None:
    _sheet(ws)["heights"][row] = height


def _used(sheet: dict) -> tuple[int, int]:
    cells, blocks = sheet["cells"], sheet["blocks"]
    return (max([r for r, _ in cells] + [b.last_row for b in blocks], default=1),
            max([c for _, c in cells] + [len(b.columns) for b in blocks], default=1))


def used_size(ws: Worksheet) -> tuple[int, int]:
    """(last row, last column) of the recorded cells and blocks."""
    return _used(_sheet(ws))


def _row_format(col: int, value: object, formats: dict[int, str] | None, align: Alignment | None,
                aligns: dict[int, Alignment] | None) -> tuple[str | None, Alignment]:
    how = (aligns or {}).get(col) or align or (RIGHT if isinstance(value, (int, float)) else LEFT)
    return (formats or {}).get(col, NUMBER if isinstance(value, float) else None), how


def put_row(ws: Worksheet, row: int, values: Sequence[object], font: Font = BODY,
            formats: dict[int, str] | None = None, align: Alignment | None = None,
            aligns: dict[int, Alignment] | None = None, fill: PatternFill | None = None) -> None:
    """Write a row of values from column A; floats get 2 decimals unless `formats` says otherwise,
    numbers align right and text left unless `align` (all) or `aligns` (by column) say otherwise."""
    for col, value in enumerate(values, start=1):
        put(ws, row, col, value, font, *_row_format(col, value, formats, align, aligns), fill=fill)


SAMPLES = {"float": 1.0, "int": 1, "text": "a", "formula": "=", "empty": None, "mark": "a"}


def value_kind(value: object) -> str:
    """The key of SAMPLES whose cell style `value` takes in a row written by put_row."""
    if value is None or isinstance(value, str):
        return "empty" if not value else ("formula" if value.startswith(FORMULA_PREFIXES) else "text")
    return "float" if isinstance(value, float) else "int"


def column_styles(ws: Worksheet, col: int, formats: dict[int, str] | None = None,
                  aligns: dict[int, Alignment] | None = None) -> dict[str, int]:
    """The style id of each kind of value in column `col` of rows written as put_row writes them."""
    out = {}
    for kind, sample in SAMPLES.items():
        fmt, how = _row_format(col, sample, formats, None, aligns)
        how = RIGHT if kind == "mark" and how is LEFT else how  # a word among numbers lines up with them
        out[kind] = _style_id(ws, BODY, True, None, fmt if kind in ("float", "int") else None, how,
                              kind == "formula")
    return out


class Column(Protocol):
    """A table column written as a block: the cell XML of some of its rows, and what decides its width."""

    def cells(self, rows: np.ndarray) -> list[str]: ...

    def width_values(self) -> list: ...


class CodedColumn:
    """Rows given as codes into `labels` (-1: empty); each label's cell is rendered once."""

    def __init__(self, codes: np.ndarray, labels: Sequence[object], styles: dict[str, int]):
        self.codes, self.labels = codes, list(labels)
        self.xml = np.array([cell_xml(v, styles[value_kind(v)]) for v in self.labels]
                            + [cell_xml(None, styles["empty"])], dtype=object)

    @classmethod
    def of(cls, values: Sequence[object] | pd.Series, styles: dict[str, int]) -> CodedColumn:
        """A column of values (categorical, text or whole numbers; None/NaN empty)."""
        if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
            return cls(values.cat.codes.to_numpy(), values.cat.categories.tolist(), styles)
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        return cls(codes, uniques.tolist(), styles)

    def cells(self, rows: np.ndarray) -> list[str]:
        return self.xml[self.codes[rows]].tolist()

    def width_values(self) -> list:
        return self.labels


class NumberColumn:
    """Rows of floats shown rounded by `rounding` (NaN: empty; the text `mark` where `marked`),
    rendered a block at a time, each distinct value once."""

    def __init__(self, values: np.ndarray, styles: dict[str, int], rounding=round2,
                 marked: np.ndarray | None = None, mark: str = ""):
        self.values, self.styles, self.rounding = np.asarray(values, dtype=float), styles, rounding
        self.marked, self.mark = marked, mark

    def cells(self, rows: np.ndarray) -> list[str]:
        codes, uniques = pd.factorize(self.values[rows])
        labels = [self.rounding(v) for v in uniques.tolist()] + [None]
        xml = np.array([cell_xml(v, self.styles[value_kind(v)]) for v in labels], dtype=object)[codes]
        if self.marked is not None:
            xml[self.marked[rows]] = cell_xml(self.mark, self.styles["mark"])
        return xml.tolist()

    def width_values(self) -> list:
        """The values that decide the width: the extremes (widths grow with magnitude and sign)."""
        present = self.values[~np.isnan(self.values)]
        marks = [self.mark] if self.marked is not None and self.marked.any() else []
        return [self.rounding(float(present.min())), self.rounding(float(present.max()))] + marks \
            if len(present) else marks


@dataclass
class Block:
    """The rows `rows` (indices into the columns, in sheet order) of `columns`, from row `first_row` on."""

    first_row: int
    columns: Sequence[Column]
    rows: np.ndarray

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1

    def chunks(self) -> Iterator[str]:
        """The block's <row> elements, BLOCK_CELLS cells at a time (one join per chunk, no per-cell code)."""
        step = max(1, BLOCK_CELLS // max(len(self.columns), 1))
        for a in range(0, len(self.rows), step):
            rows = self.rows[a:a + step]
            heads = [f'<row r="{r}">' for r in range(self.first_row + a, self.first_row + a + len(rows))]
            cells = [c.cells(rows) for c in self.columns]
            yield "".join(chain.from_iterable(zip(heads, *cells, repeat("</row>"))))


def put_columns(ws: Worksheet, first_row: int, columns: Sequence[Column], rows: np.ndarray) -> None:
    """The rows `rows` of `columns` from row `first_row` down (no other cell may share those rows)."""
    _sheet(ws)["blocks"].append(Block(first_row, columns, rows))


def put_header(ws: Worksheet, row: int, headers: Sequence[str], widths: Sequence[float]) -> None:
    """A bold, shaded, centred header row, tall enough for its wrapped text."""
    for col, text in enumerate(headers, start=1):
        put(ws, row, col, text, HEADER, align=CENTER, fill=HEADER_FILL)
    lines = max((wrapped_lines(h, w) for h, w in zip(headers, widths)), default=1)
    set_height(ws, row, 14 * lines + 8)


@lru_cache(maxsize=1 << 14)
def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide."""
    room = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(line) / room)) for line in str(text).split("\n"))


def put_title(ws: Worksheet, title: str, width: int, subtitle: str | None = None) -> None:
    """The title row centred across the table and an optional subtitle row under it, right-aligned.

    "Centre across selection" instead of merged cells: it prints the same and costs far less.
    """
    for col in range(1, max(width, 1) + 1):
        put(ws, 1, col, title if col == 1 else None, TITLE, align=ACROSS, border=False)
    set_height(ws, 1, 32)
    if subtitle:  # in the last column, right-aligned: it overflows leftwards over the empty cells
        put(ws, 2, max(width, 1), subtitle, SUBTITLE, align=ACROSS_RIGHT, border=False)
        set_height(ws, 2, 18)


def column_width(values: Iterable[object], cap: float = 40, floor: float = 6) -> float:
    """A column width that fits the longest of `values` (within floor and cap)."""
    return min(max(max((display_width(v) for v in values), default=0) + 2, floor), cap)


def block_width(header: str, column: Column, cap: float = 40, floor: float = 6) -> float:
    """The column_width of a block column under `header` (from its distinct values or extremes)."""
    return column_width([*header.split("\n"), *column.width_values()], cap, floor)


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width


def print_setup(ws: Worksheet, header_rows: str, landscape: bool = True) -> None:
    """A4, fit to one page wide, header rows repeated on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
    ws.print_title_rows = header_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def review_header(ws: Worksheet) -> None:
    """征求意见稿 in the page header of a review version's sheet (SPEC §11)."""
    ws.oddHeader.center.text = texts.REVIEW_HEADER
    ws.oddHeader.center.size = 12


PAGE_CHARS = 100  # printable width of A4 landscape in column-width units at 100 % (as LibreOffice prints)


def column_blocks(widths: Sequence[float], ends: Sequence[int], title_cols: int) -> tuple[int, list[int]]:
    """Scale and page breaks that print a wide table in blocks of columns, as many whole blocks
    per page as fit, with the first `title_cols` columns repeated on every page.

    `ends` are the last column numbers of the blocks that must not be split (e.g. categories).
    """
    fixed = sum(widths[:title_cols])
    spans = [sum(widths[a:b]) for a, b in zip([title_cols, *ends[:-1]], ends)]
    scale = max(40, min(100, int(PAGE_CHARS * 100 / (fixed + max(spans, default=0)))))
    room, used, breaks = PAGE_CHARS * 100 / scale - fixed, 0.0, []
    for k, span in enumerate(spans):
        if used and used + span > room:
            breaks.append(ends[k - 1])
            used = 0.0
        used += span
    return scale, breaks


def print_in_column_blocks(ws: Worksheet, scale: int, breaks: Sequence[int], title_cols: int,
                           title: str) -> None:
    """Print setup for a table printed in column blocks (see `column_blocks`): the title goes to
    the page header of every page, the title rows stay on screen only."""
    last_row, last_col = used_size(ws)
    ws.print_area = f"A{HEADER_ROW}:{get_column_letter(last_col)}{last_row}"
    ws.oddHeader.center.text = title
    ws.oddHeader.center.size, ws.oddHeader.center.font = 14, f"{HEAD_FONT},Bold"
    ws.page_margins.top, ws.page_margins.header = 1.0, 0.4  # room for the header above the table
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = scale
    ws.print_title_cols = f"A:{get_column_letter(title_cols)}"
    for last in breaks:
        ws.col_breaks.append(Break(id=last))


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
    last_row, last_col = _used(sheet)
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


def table_sheet(wb: Workbook, name: str, title: str, subtitle: str | None, headers: Sequence[str],
                rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None,
                formats: dict[int, str] | None = None, freeze: str = "A4",
                landscape: bool = True, aligns: dict[int, Alignment] | None = None) -> Worksheet:
    """A sheet holding one titled table: title, subtitle, header on row 3, rows from row 4."""
    ws = wb.create_sheet(name)
    if widths is None:
        widths = [column_width([*h.split("\n"), *(r[i] for r in rows)]) for i, h in enumerate(headers)]
    _table_frame(ws, title, subtitle, headers, widths, freeze, landscape)
    for offset, row in enumerate(rows):
        put_row(ws, FIRST_ROW + offset, row, formats=formats, aligns=aligns)
    return ws


def column_table(ws: Worksheet, title: str, subtitle: str | None, headers: Sequence[str],
                 columns: Sequence[Column], widths: Sequence[float], rows: np.ndarray,
                 freeze: str = "A4", landscape: bool = True) -> None:
    """`ws` holding a titled table as table_sheet writes it, its rows the rows `rows` of `columns`."""
    _table_frame(ws, title, subtitle, headers, widths, freeze, landscape)
    put_columns(ws, FIRST_ROW, columns, rows)


def _table_frame(ws: Worksheet, title: str, subtitle: str | None, headers: Sequence[str],
                 widths: Sequence[float], freeze: str, landscape: bool) -> None:
    put_title(ws, title, len(headers), subtitle)
    put_header(ws, HEADER_ROW, headers, widths)
    set_widths(ws, widths)
    ws.freeze_panes = freeze
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", landscape)
