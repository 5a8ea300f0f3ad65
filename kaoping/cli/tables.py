"""Console tables that fit the terminal (80 columns included): short columns, the long text below.

A row's cells are folded inside their column when they must be, never cut with "…"; its long
text (a problem's reason, a rejected file's reasons) is written below the row, indented, over
the full width, instead of inside a narrow cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kaoping.core.display import cell, clean

GAP = 2
NOTE_INDENT = 4
MIN_WIDTH = 6


@dataclass
class Row:
    """One table row: its cells (plain text), a style for the row, and the text written below it."""

    cells: list[str]
    note: str = ""
    style: str | None = None
    cell_styles: dict[int, str] = field(default_factory=dict)


def column_widths(headers: list[str], rows: list[Row], width: int) -> list[int]:
    """Each column as wide as its widest cell, the widest ones narrowed until the row fits `width`."""
    widths = [max([cell_len(h), *(cell_len(clean(r.cells[i])) for r in rows)]) for i, h in enumerate(headers)]
    room = width - GAP * (len(headers) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_WIDTH:
            break
        widths[widest] -= 1
    return widths


def _line(cells: list[Text], widths: list[int]) -> Table:
    grid = Table.grid(padding=(0, GAP, 0, 0))
    for w in widths:
        grid.add_column(width=w, overflow="fold", no_wrap=False)
    grid.add_row(*cells)
    return grid


def record_table(headers: list[str], rows: list[Row], width: int, title: str | None = None) -> RenderableType:
    """Header, then each row with its note below; laid out for a console `width` columns wide."""
    widths = column_widths(headers, rows, width)
    parts: list[RenderableType] = [cell(title, "bold")] if title else []
    parts.append(_line([Text(h, style="bold") for h in headers], widths))
    for row in rows:
        cells = [cell(c, row.cell_styles.get(i, row.style or "")) for i, c in enumerate(row.cells)]
        parts.append(_line(cells, widths))
        if row.note:
            parts.append(Padding(cell(row.note, "dim" if row.style is None else ""), (0, 0, 0, NOTE_INDENT)))
    return Group(*parts)


def named(name: str | None, code: str | None) -> str:
    """`公安局（GA）`, or whichever of the two is known."""
    if name and code and name != code:
        return f"{name}（{code}）"
    return name or code or "—"
