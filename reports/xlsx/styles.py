"""The house style of the workbooks (fonts, fills, alignments) and cell styles registered once per workbook."""
from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
NUMBER = "0.00"

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


def style_id(ws: Worksheet, font: Font, border: bool, fill: PatternFill | None,
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
