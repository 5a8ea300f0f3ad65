"""Table columns written as blocks of rows: cell XML built a block at a time, each distinct value
rendered once (sheets of a million rows without a Python object per cell)."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, repeat
from typing import Iterator, Protocol, Sequence

import numpy as np
import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports.fastxlsx import cell_xml
from kaoping.reports.xlsx.cells import recorded, value_kind
from kaoping.reports.xlsx.widths import column_width
from kaoping.scoring.rounding import round2

BLOCK_CELLS = 300_000  # cells of a column block turned into XML at a time (bounds memory)


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
    recorded(ws)["blocks"].append(Block(first_row, columns, rows))


def block_width(header: str, column: Column, cap: float = 40, floor: float = 6) -> float:
    """The column_width of a block column under `header` (from its distinct values or extremes)."""
    return column_width([*header.split("\n"), *column.width_values()], cap, floor)
