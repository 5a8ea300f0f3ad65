"""Adjustments (人工调整, SPEC §11) as the office types them: one on the command line, or a sheet of
them (columns 单位, 指标, 数值, 原因, 调整人, optionally 期间), resolved against the registry and the
period's catalogs and checked like a sent value (number, range, integer). Nothing is stored here.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kaoping.scoring.adjustments import formula_inputs
from kaoping.scoring.catalog import Catalog, Indicator
from kaoping.scoring.periods import Period
from kaoping.sources import messages as M
from kaoping.sources.registry import Registry, normalize_name
from kaoping.sources.values import cleaned_cell

SHEET_COLUMNS = {"单位": "unit", "指标": "indicator", "数值": "value", "原因": "reason", "调整人": "author",
                 "期间": "period"}
REQUIRED = ("unit", "indicator", "value", "reason")


class AdjustmentError(ValueError):
    """Adjustments that cannot be recorded: every problem, each one line (Chinese / English)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(problems[0] if problems else "")


@dataclass(frozen=True)
class AdjustmentRequest:
    """One override, resolved: ready to be stored."""

    period: str
    catalog_code: str
    unit_code: str
    unit_name: str
    indicator_code: str
    indicator_name: str
    value: float
    reason: str
    author: str
    source: str


def _indicator(catalogs: list[Catalog], text: str) -> tuple[Catalog, Indicator] | list[tuple[Catalog, Indicator]]:
    key = normalize_name(text)
    found = [(c, i) for c in catalogs for i in c.all_indicators()
             if key in {normalize_name(i.code), normalize_name(i.name), *(normalize_name(a) for a in i.aliases)}]
    return found[0] if len(found) == 1 else found


def resolve(registry: Registry, catalogs: list[Catalog], period: str, unit: str, indicator: str, value: object,
            reason: str, author: str, source: str, where: str = "") -> AdjustmentRequest:
    """One adjustment checked and resolved; AdjustmentError (one problem) when it cannot be taken."""
    def problem(zh: str, en: str) -> AdjustmentError:
        return AdjustmentError([f"{where}{zh} / {where and where + ' '}{en}"])

    try:
        p = Period.parse(period)
    except ValueError as exc:
        raise problem(*str(exc).split(" / ", 1)) from None
    if not catalogs:
        raise problem(M.ADJUST_NO_CATALOG.format(period=p.code), f"no catalog scores {p.code}")
    reason, author = str(reason or "").strip(), str(author or "").strip()
    if not reason:
        raise problem(M.ADJUST_NO_REASON, "a reason is required")
    if not author:
        raise problem(M.ADJUST_NO_AUTHOR, "the author is required")
    unit_code = registry.resolve_unit(unit, p)
    found = _indicator(catalogs, indicator)
    if unit_code is None:
        raise problem(M.ADJUST_UNIT_UNKNOWN.format(unit=unit), f"unknown unit {unit!r}")
    if isinstance(found, list):
        if not found:
            raise problem(M.ADJUST_INDICATOR_UNKNOWN.format(indicator=indicator, period=p.code),
                          f"no indicator {indicator!r} in the catalogs of {p.code}")
        raise problem(M.ADJUST_INDICATOR_AMBIGUOUS.format(indicator=indicator, catalogs="、".join(
            c.code for c, _ in found)), f"indicator {indicator!r} is in several catalogs")
    catalog, ind = found
    if unit_code not in set(registry.units_in(p, catalog.assessed_kind)["code"]):
        raise problem(M.ADJUST_UNIT_NOT_ASSESSED.format(unit=unit, period=p.code, catalog=catalog.code),
                      f"unit {unit!r} is not assessed under {catalog.code} in {p.code}")
    if not ind.is_collected:
        sources = "、".join(formula_inputs(ind.derived)) if ind.derived is not None else ""
        raise problem(M.ADJUST_DERIVED.format(indicator=ind.code, sources=sources),
                      f"{ind.code} is computed by a formula; adjust its inputs {sources}")
    number, _, _ = cleaned_cell(value, None, ind.unit == "%")
    if number is None:
        raise problem(M.ADJUST_NOT_NUMBER.format(value=value), f"value {value!r} is not a number")
    lo, hi = ind.range if ind.range is not None else (None, None)
    if getattr(ind, "method", None) == "direct" and ind.points is not None and ind.range is None:
        lo, hi = 0, ind.points  # SPEC §4b: a direct score lies in [0, points]
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise problem(M.ADJUST_OUT_OF_RANGE.format(value=value, lo=f"{lo:g}", hi=f"{hi:g}"),
                      f"value {number:g} outside [{lo:g}, {hi:g}]")
    if ind.integer and not float(number).is_integer():
        raise problem(M.ADJUST_NOT_INTEGER.format(value=value), f"value {number:g} must be a whole number")
    return AdjustmentRequest(p.code, catalog.code, unit_code, registry.unit_name(unit_code), ind.code, ind.name,
                             float(number), reason, author, source)


def _sheet_rows(path: Path) -> tuple[str, list[tuple[int, dict[str, object], dict[str, str]]]]:
    """(sheet name, [(row number, {field: value}, {field: cell})]) of an .xlsx/.xlsm or .csv sheet."""
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        grid, sheet = list(csv.reader(io.StringIO(text))), path.name
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        grid, sheet = [list(r) for r in ws.iter_rows(values_only=True)], ws.title
        wb.close()
    else:
        raise AdjustmentError([f"{path.name}：{M.ADJUST_FILE_TYPE} / {path.name}: use .xlsx, .xlsm or .csv"])
    header_at = next((k for k, row in enumerate(grid)
                      if {"单位", "指标", "数值"} <= {normalize_name(c) for c in row if c is not None}), None)
    if header_at is None:
        raise AdjustmentError([f"{path.name} {sheet}：{M.ADJUST_NO_HEADER} / {path.name}: no header 单位, 指标, 数值"])
    columns = {k: SHEET_COLUMNS[normalize_name(c)] for k, c in enumerate(grid[header_at])
               if c is not None and normalize_name(c) in SHEET_COLUMNS}
    rows = []
    for k, row in enumerate(grid[header_at + 1:], start=header_at + 2):
        fields = {name: row[col] if col < len(row) else None for col, name in columns.items()}
        if all(v is None or str(v).strip() == "" for v in fields.values()):
            continue
        cells = {name: f"{get_column_letter(col + 1)}{k}" for col, name in columns.items()}
        rows.append((k, fields, cells))
    return sheet, rows


def read_sheet(path: Path, registry: Registry, catalogs_for, period: str | None, author: str) -> list[AdjustmentRequest]:
    """Every adjustment of a sheet, or AdjustmentError listing every bad row (then none is taken).

    `catalogs_for(period)` gives the catalogs of a period; `period` is used where the sheet has no
    期间 column or leaves it empty; `author` where 调整人 is empty.
    """
    sheet, rows = _sheet_rows(path)
    out, problems = [], []
    for k, fields, cells in rows:
        row_period = str(fields.get("period") or period or "").strip()
        where = f"{path.name} {sheet} 第{k}行："
        missing = [name for name in REQUIRED if fields.get(name) is None or str(fields[name]).strip() == ""]
        if missing or not row_period:
            names = {v: h for h, v in SHEET_COLUMNS.items()}
            empty = [f"{names[n]}（{cells.get(n, '')}）" for n in missing] + ([] if row_period else ["期间"])
            problems.append(f"{where}{M.ADJUST_EMPTY.format(fields='、'.join(empty))} / {path.name} row {k}: "
                            f"missing {', '.join(missing or ['period'])}")
            continue
        try:
            out.append(resolve(registry, catalogs_for(row_period), row_period, fields["unit"], fields["indicator"],
                               fields["value"], fields["reason"], fields.get("author") or author,
                               f"{path.name} {sheet} 第{k}行", where))
        except AdjustmentError as exc:
            problems += exc.problems
    if problems:
        raise AdjustmentError(problems)
    if not out:
        raise AdjustmentError([f"{path.name} {sheet}：{M.ADJUST_EMPTY_SHEET} / {path.name}: no adjustment in the sheet"])
    return out
