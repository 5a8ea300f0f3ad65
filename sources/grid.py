"""The raw grid every reader builds: its columns, one cell's row, and the refusals past the intake limits."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from openpyxl.utils import get_column_letter

from kaoping.core.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.problems import FileRefused, make_problem

GRID_COLUMNS = ["sheet", "row", "col", "cell", "value", "number_format", "uncached"]
META_SHEET = "_meta"
NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


@dataclass
class RawWorkbook:
    """Every non-empty cell of the data sheets, the sheet order, and the template's `_meta`."""

    grid: pd.DataFrame
    sheets: list[str]
    meta: dict[str, str] = field(default_factory=dict)


def cell(sheet: str, row: int, col: int, value: object, fmt: str | None = None,
         uncached: bool = False) -> tuple:
    """One grid row; a number cell holding NaN or ±Infinity keeps it as text, so that it is reported
    for its cell (values.py) instead of passing for an empty cell."""
    if isinstance(value, float) and not math.isfinite(value):
        value = NON_FINITE.get(value, "NaN")
    return (sheet, row, col, f"{get_column_letter(col)}{row}", value, fmt, uncached)


def too_many_rows(name: str, sheet: str | None, limits: IntakeSettings) -> FileRefused:
    return FileRefused(make_problem("too_many_rows", readable(name), sheet, value=f"超过 {limits.max_rows} 行",
                                    expected=f"不超过 {limits.max_rows} 行"))


def too_many_cells(name: str, sheet: str | None, limits: IntakeSettings, detail: str | None = None) -> FileRefused:
    return FileRefused(make_problem("too_many_cells", readable(name), sheet, value=f"超过 {limits.max_cells} 个",
                                    expected=f"不超过 {limits.max_cells} 个", detail=detail))
