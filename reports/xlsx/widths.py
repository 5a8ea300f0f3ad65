"""How wide text shows in a sheet: display widths (CJK counts twice), wrapped lines, column widths."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Iterable, Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_WIDE = re.compile("[\u2e80-\U0010ffff]")  # characters two columns wide (CJK and beyond)


def display_width(value: object) -> int:
    """Width of a value's longest line in Excel character units (CJK counts as 2)."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value if value is not None else "")
    return max(len(line) + len(_WIDE.findall(line)) for line in text.split("\n"))


@lru_cache(maxsize=1 << 14)
def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide."""
    room = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(line) / room)) for line in str(text).split("\n"))


def column_width(values: Iterable[object], cap: float = 40, floor: float = 6) -> float:
    """A column width that fits the longest of `values` (within floor and cap)."""
    return min(max(max((display_width(v) for v in values), default=0) + 2, floor), cap)


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
