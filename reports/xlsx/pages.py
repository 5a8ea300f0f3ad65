"""Print setup: A4 pages with repeated header rows and page numbers, the 征求意见稿 header, and
wide tables printed in whole blocks of columns."""
from __future__ import annotations

from typing import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports import texts
from kaoping.reports.xlsx.cells import HEADER_ROW, used_size
from kaoping.reports.xlsx.styles import HEAD_FONT

PAGE_CHARS = 100  # printable width of A4 landscape in column-width units at 100 % (as LibreOffice prints)


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
