"""One department's values for one period laid out as a sheet: clean, or messy in chosen ways."""
from __future__ import annotations

import random
from dataclasses import dataclass

from kaoping.demo import texts
from kaoping.demo.cells import (VALUE_QUIRKS, applicable_value_quirks, is_missing, missing_marker,
                                name_variants, typed_value)
from kaoping.demo.sheets import Sheet
from kaoping.scoring.catalog import Indicator
from kaoping.scoring.periods import Period

LAYOUT_QUIRKS = ("title_rows", "merged_header", "footer", "blank_rows", "total_row", "unit_aliases",
                 "code_headers", "missing_markers")


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    aliases: tuple[str, ...]


@dataclass
class Slot:
    """What one department reports for one period: its indicators and every unit's true values."""

    department: str
    department_name: str
    period: Period
    indicators: list[Indicator]
    groups: dict[str, str]  # indicator code → the label above it in a two-row header
    units: list[UnitRow]
    values: dict[tuple[str, str], float]  # (unit_code, indicator_code) → value, NaN when missing


@dataclass
class Layout:
    """A rendered sheet and where each unit's values went (1-based row and column)."""

    sheet: Sheet
    cells: dict[tuple[str, str], tuple[int, int]]
    unit_rows: dict[str, int]


def period_title(slot: Slot, rng: random.Random) -> str:
    p = slot.period
    label = p.label
    if p.grain == "quarter" and rng.random() < 0.5:
        label = texts.alternative_quarter_label(p.year, p.index)
    return texts.title(slot.department_name.removeprefix("市"), label)


def value_styles(slot: Slot, quirks: frozenset[str], rng: random.Random) -> dict[tuple[str, str], str | None]:
    """Which cells are typed in which quirky way; each wanted quirk appears at least once where it fits."""
    present = {k: v for k, v in slot.values.items() if not is_missing(v)}
    inds = {i.code: i for i in slot.indicators}
    fits = {k: applicable_value_quirks(inds[k[1]], v) for k, v in present.items()}
    wanted = [q for q in VALUE_QUIRKS if q in quirks]
    styles: dict[tuple[str, str], str | None] = {}
    for quirk in wanted:
        candidates = [k for k in present if k not in styles and quirk in fits[k]]
        if candidates:
            styles[rng.choice(candidates)] = quirk
    for key in present:
        if key not in styles:
            options = [q for q in wanted if q in fits[key]]
            styles[key] = rng.choice(options) if options and rng.random() < 0.5 else None
    return styles


def _cell_value(slot: Slot, key: tuple[str, str], styles: dict, quirks: frozenset[str],
                rng: random.Random) -> object:
    value = slot.values[key]
    if is_missing(value):
        return missing_marker("missing_markers" in quirks, rng)
    ind = next(i for i in slot.indicators if i.code == key[1])
    return typed_value(value, styles[key], ind, rng)


def _unit_text(unit: UnitRow, quirks: frozenset[str], nbsp: bool, rng: random.Random) -> str:
    if "unit_aliases" in quirks and rng.random() < 0.6:
        return rng.choice(name_variants(unit.name, unit.aliases, nbsp))
    return unit.name


def _headers(slot: Slot, quirks: frozenset[str], rng: random.Random) -> dict[str, str]:
    """Indicator code → the text naming it: its name, or (code_headers) its code or an alias."""
    if "code_headers" not in quirks:
        return {i.code: i.name for i in slot.indicators}
    out = {i.code: rng.choice([i.code, *i.aliases]) for i in slot.indicators}
    if not any(code == text for code, text in out.items()):
        first = slot.indicators[0].code
        out[first] = first
    return out


def _title_rows(slot: Slot, width: int, rng: random.Random) -> tuple[list[list[object]], list]:
    end = slot.period.end
    rows: list[list[object]] = [[period_title(slot, rng)]]
    merges = [(1, 1, 1, width)]
    if rng.random() < 0.6:
        filled = texts.date_text(end.year if end.month < 12 else end.year + 1, end.month % 12 + 1, 8)
        rows.append([texts.subtitle(slot.department_name.removeprefix("市"), filled)])
        merges.append((2, 1, 2, width))
    return rows, merges


def _header_rows(slot: Slot, unit_cols: list[str], headers: list[str], top: int,
                 merged: bool) -> tuple[list[list[object]], list]:
    if not merged:
        return [unit_cols + headers], []
    first: list[object] = list(unit_cols)
    merges = [(top, c, top + 1, c) for c in range(1, len(unit_cols) + 1)]
    start = 0
    while start < len(slot.indicators):
        label = slot.groups[slot.indicators[start].code]
        end = start
        while end + 1 < len(slot.indicators) and slot.groups[slot.indicators[end + 1].code] == label:
            end += 1
        first += [label] + [None] * (end - start)
        if end > start:
            col = len(unit_cols) + start + 1
            merges.append((top, col, top, col + end - start))
        start = end + 1
    return [first, [None] * len(unit_cols) + headers], merges


def _total_row(slot: Slot, lead: list[object]) -> list[object]:
    row = list(lead)
    for ind in slot.indicators:
        values = [slot.values[(u.code, ind.code)] for u in slot.units]
        present = [v for v in values if not is_missing(v)]
        row.append(int(sum(present)) if ind.integer and present else None)
    return row


def wide_layout(slot: Slot, quirks: frozenset[str], rng: random.Random, nbsp: bool = True) -> Layout:
    """A wide table (one row per unit, one column per indicator) with the given quirks."""
    with_code = not quirks & {"unit_aliases", "merged_header"}
    unit_cols = [texts.CODE_HEADER, texts.UNIT_HEADERS[0]] if with_code else [rng.choice(texts.UNIT_HEADERS)]
    headers = list(_headers(slot, quirks, rng).values())
    width = len(unit_cols) + len(headers)
    rows, merges = _title_rows(slot, width, rng) if "title_rows" in quirks else ([], [])
    head, head_merges = _header_rows(slot, unit_cols, headers, len(rows) + 1, "merged_header" in quirks)
    rows += head
    merges += head_merges
    styles = value_styles(slot, quirks, rng)
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    unit_rows: dict[str, int] = {}
    for unit in slot.units:
        if "blank_rows" in quirks and rng.random() < 0.2:
            rows.append([])
        lead = [unit.code, unit.name] if with_code else [_unit_text(unit, quirks, nbsp, rng)]
        unit_rows[unit.code] = len(rows) + 1
        for j, ind in enumerate(slot.indicators):
            cells[(unit.code, ind.code)] = (len(rows) + 1, len(unit_cols) + j + 1)
        rows.append(lead + [_cell_value(slot, (unit.code, i.code), styles, quirks, rng) for i in slot.indicators])
    if "blank_rows" in quirks:
        at = len(rows) - len(slot.units) // 2
        rows.insert(at, [])
        _shift_below(cells, unit_rows, at + 1)
    if "total_row" in quirks:
        rows.append(_total_row(slot, [None, texts.TOTAL_LABELS[0]] if with_code else [rng.choice(texts.TOTAL_LABELS)]))
    if "footer" in quirks:
        rows += [[]] + [[line] for line in texts.notes(texts.date_text(*_ymd(slot.period)))]
    return Layout(Sheet(rng.choice(texts.SHEET_TITLES), rows, merges), cells, unit_rows)


def _ymd(period: Period) -> tuple[int, int, int]:
    return period.end.year, period.end.month, period.end.day


def _shift_below(cells: dict, unit_rows: dict, row: int) -> None:
    """Move recorded positions at or below `row` one row down (a row was inserted there)."""
    for key, (r, c) in cells.items():
        if r >= row:
            cells[key] = (r + 1, c)
    for key, r in unit_rows.items():
        if r >= row:
            unit_rows[key] = r + 1


def long_layout(slot: Slot, quirks: frozenset[str], rng: random.Random, nbsp: bool = True) -> Layout:
    """A long table: 单位, 指标, 数值, 期间 (and sometimes 备注), one row per unit × indicator."""
    header = list(texts.LONG_HEADERS) + ([texts.NOTE_HEADER] if rng.random() < 0.5 else [])
    rows, merges = _title_rows(slot, len(header), rng) if "title_rows" in quirks else ([], [])
    rows.append(header)
    styles = value_styles(slot, quirks, rng)
    headers = _headers(slot, quirks, rng)
    period_text = slot.period.code if rng.random() < 0.5 else slot.period.label
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    unit_rows: dict[str, int] = {}
    for unit in slot.units:
        name = _unit_text(unit, quirks, nbsp, rng)
        unit_rows[unit.code] = len(rows) + 1
        for ind in slot.indicators:
            key = (unit.code, ind.code)
            if is_missing(slot.values[key]) and "missing_markers" not in quirks:
                continue
            cells[key] = (len(rows) + 1, 3)
            rows.append([name, headers[ind.code], _cell_value(slot, key, styles, quirks, rng), period_text])
    if "footer" in quirks:
        rows += [[]] + [[line] for line in texts.notes(texts.date_text(*_ymd(slot.period)))]
    return Layout(Sheet(rng.choice(texts.SHEET_TITLES), rows, merges), cells, unit_rows)
