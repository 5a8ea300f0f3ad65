"""Header detection and the three shapes (SPEC §5): a sheet's raw grid → the long table
`unit_text, indicator_codes, raw, number_format, uncached, sheet, cell` (+ `period_text` for long files)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from kaoping.scoring.catalog import Catalog
from kaoping.sources.registry import normalize_name

HEADER_SCAN_ROWS = 30
UNIT_HEADERS = frozenset(normalize_name(t) for t in (
    "单位", "单位名称", "被考评单位", "被考核单位", "成员单位", "地区", "地区名称", "县(市、区)", "县(市区)",
    "县市区", "区县", "县区", "乡镇(街道)", "乡镇街道", "乡镇", "街道", "单位代码", "单位编码"))
CODE_HEADERS = frozenset(normalize_name(t) for t in ("单位代码", "单位编码"))
INDICATOR_HEADERS = frozenset(normalize_name(t) for t in ("指标", "指标名称", "指标代码", "考评指标"))
VALUE_HEADERS = frozenset(normalize_name(t) for t in ("数值", "值", "填报值", "数据", "指标值"))
PERIOD_HEADERS = frozenset(normalize_name(t) for t in ("期间", "考评期间", "时期"))
TOTAL_WORDS = ("合计", "总计", "小计")
NOTE_PREFIXES = ("填报人", "填表人", "联系电话", "联系人", "审核人", "负责人", "单位负责人", "制表", "填报日期",
                 "报送日期", "注", "说明", "备注")
LONG_COLUMNS = ["sheet", "row", "cell", "unit_text", "indicator_codes", "indicator_text", "raw",
                "number_format", "uncached", "period_text", "unit_cell"]
_TRAILING_BRACKET = re.compile(r"[(\[][^()\[\]]*[)\]]$")
_LEADING_CODE = re.compile(r"^([a-z]+\d+(?:-\d+)*)")

Cells = dict[int, dict[int, tuple]]  # row → col → (value, number_format, uncached, cell ref)


@dataclass(frozen=True)
class Header:
    """Where a sheet's header is and what each column means."""

    shape: str  # "wide" or "long"
    sheet: str
    rows: tuple[int, ...]
    unit_col: int
    code_col: int | None = None
    indicator_cols: dict[int, frozenset[str]] = field(default_factory=dict)  # wide: col → candidate codes
    indicator_col: int | None = None  # long
    value_col: int | None = None
    period_col: int | None = None


def indicator_lookup(catalogs: list[Catalog]) -> dict[str, frozenset[str]]:
    """Normalised code / name / alias → the indicator codes it may mean (collected indicators only)."""
    lookup: dict[str, set[str]] = {}
    for catalog in catalogs:
        for ind in catalog.collected():
            for text in (ind.code, ind.name, *ind.aliases):
                lookup.setdefault(normalize_name(text), set()).add(ind.code)
    return {k: frozenset(v) for k, v in lookup.items()}


def indicator_candidates(text: object, lookup: dict[str, frozenset[str]]) -> frozenset[str]:
    """The codes a header text names: as is, without a trailing `(单位)`, or by a leading code."""
    key = normalize_name(text)
    bare = _TRAILING_BRACKET.sub("", key)
    code = _LEADING_CODE.match(key)
    for candidate in (key, bare, code.group(1) if code else None):
        if candidate and candidate in lookup:
            return lookup[candidate]
    return frozenset()


def sheet_cells(grid: pd.DataFrame) -> Cells:
    """One sheet's grid as row → col → (value, number_format, uncached, cell)."""
    cells: Cells = {}
    for r, c, v, f, u, ref in zip(*(grid[k].tolist() for k in ("row", "col", "value", "number_format",
                                                                "uncached", "cell"))):
        cells.setdefault(int(r), {})[int(c)] = (v, f, bool(u), ref)
    return cells


def _texts(row: dict[int, tuple]) -> dict[int, str]:
    return {c: normalize_name(v[0]) for c, v in row.items() if isinstance(v[0], str)}


def _first_col(texts: dict[int, str], names: frozenset[str]) -> int | None:
    return next((c for c in sorted(texts) if texts[c] in names), None)


def _long_header(sheet: str, r: int, texts: dict[int, str], unit_col: int) -> Header | None:
    ind, val = _first_col(texts, INDICATOR_HEADERS), _first_col(texts, VALUE_HEADERS)
    if ind is None or val is None:
        return None
    return Header("long", sheet, (r,), unit_col, indicator_col=ind, value_col=val,
                  period_col=_first_col(texts, PERIOD_HEADERS))


def _wide_header(sheet: str, cells: Cells, r: int, unit_cols: list[int], lookup) -> Header | None:
    rows = [r]
    below = _texts(cells.get(r + 1, {}))
    if unit_cols[0] not in below and any(indicator_candidates(t, lookup) for t in below.values()):
        rows.append(r + 1)  # a two-row header: group titles above, indicator names below
    columns: dict[int, frozenset[str]] = {}
    for hr in reversed(rows):
        for c, text in _texts(cells.get(hr, {})).items():
            if c not in unit_cols and c not in columns and indicator_candidates(text, lookup):
                columns[c] = indicator_candidates(text, lookup)
    if not columns:
        return None
    codes = [c for c in unit_cols if _texts(cells[r])[c] in CODE_HEADERS]
    names = [c for c in unit_cols if c not in codes]
    return Header("wide", sheet, tuple(rows), (names or codes)[0], codes[0] if codes and names else None,
                  columns)


def sheet_header(sheet: str, cells: Cells, lookup: dict[str, frozenset[str]]) -> Header | None:
    """The first row (of the first 30) that names a unit column plus indicators, or 单位/指标/数值."""
    for r in sorted(cells)[:HEADER_SCAN_ROWS]:
        texts = _texts(cells[r])
        unit_cols = [c for c in sorted(texts) if texts[c] in UNIT_HEADERS]
        if unit_cols:
            header = _long_header(sheet, r, texts, unit_cols[0]) or _wide_header(sheet, cells, r, unit_cols, lookup)
            if header:
                return header
    return None


def title_text(cells: Cells, before_row: int) -> str:
    """The text of the rows above `before_row` (the title rows above a header)."""
    return " ".join(str(v[0]) for r in sorted(cells) if r < before_row for _, v in sorted(cells[r].items())
                    if v[0] is not None)


def row_kind(row: dict[int, tuple], unit_text: str) -> str:
    """`total` (合计 rows), `note` (signature and notes lines), `blank` or `data`."""
    first = next((str(v[0]).strip() for _, v in sorted(row.items()) if v[0] not in (None, "")), "")
    if not first and not unit_text:
        return "blank"
    # 合计 is often typed in the 序号 column, merged across it and the unit column
    keys = [normalize_name(text) for text in (unit_text, first)]
    if any(key.endswith(w) for key in keys if key for w in TOTAL_WORDS):
        return "total"
    if normalize_name(first).startswith(NOTE_PREFIXES):
        return "note"
    return "data"


def _unit_text(row: dict[int, tuple], header: Header, r: int) -> tuple[str, str]:
    """The unit as written (code column first, then name) and the cell it is in."""
    for col in (header.code_col, header.unit_col):
        if col is not None and row.get(col, (None,))[0] not in (None, ""):
            return str(row[col][0]).strip(), row[col][3]
    return "", _ref(header.unit_col, r)


def _is_measure_row(row: dict[int, tuple], header: Header, unit_text: str) -> bool:
    """The row of units of measure under a header (`%`, `起`, `（万人）`): text only, no unit named."""
    values = [row[c][0] for c in header.indicator_cols if c in row and row[c][0] not in (None, "")]
    return bool(values) and all(isinstance(v, str) and len(v.strip()) <= 8 and not any(ch.isdigit() for ch in v)
                                for v in values) and (not unit_text or "单位" in unit_text)


def _data_rows(cells: Cells, header: Header, skipped: list):
    """(row number, row, unit text, unit cell) of each data row below the header; 合计 rows go to `skipped`."""
    for r in sorted(x for x in cells if x > header.rows[-1]):
        row = cells[r]
        unit, unit_cell = _unit_text(row, header, r)
        kind = row_kind(row, unit)
        if kind == "total":
            skipped.append((header.sheet, r, unit_cell, unit))
        elif kind == "data":
            yield r, row, unit, unit_cell


def wide_rows(cells: Cells, header: Header) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long table, skipped 合计 rows) of a wide sheet: one long row per unit row × indicator column."""
    out, skipped = [], []
    for r, row, unit, unit_cell in _data_rows(cells, header, skipped):
        if r == header.rows[-1] + 1 and _is_measure_row(row, header, unit):
            continue
        for c, codes in header.indicator_cols.items():
            v, f, u, ref = row.get(c, (None, None, False, None))
            out.append((header.sheet, r, ref or _ref(c, r), unit, codes, None, v, f, u, None, unit_cell))
    return pd.DataFrame(out, columns=LONG_COLUMNS), pd.DataFrame(skipped, columns=["sheet", "row", "cell", "text"])


def long_rows(cells: Cells, header: Header, lookup) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long table, skipped 合计 rows) of a long sheet (单位, 指标, 数值[, 期间])."""
    out, skipped = [], []
    for r, row, unit, unit_cell in _data_rows(cells, header, skipped):
        text = row.get(header.indicator_col, ("",))[0]
        v, f, u, ref = row.get(header.value_col, (None, None, False, None))
        period = row.get(header.period_col, (None,))[0] if header.period_col else None
        out.append((header.sheet, r, ref or _ref(header.value_col, r), unit,
                    indicator_candidates(text, lookup), "" if text is None else str(text), v, f, u,
                    None if period is None else str(period), unit_cell))
    return pd.DataFrame(out, columns=LONG_COLUMNS), pd.DataFrame(skipped, columns=["sheet", "row", "cell", "text"])


def _ref(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"
