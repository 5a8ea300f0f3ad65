"""Which submissions are messy and how, what their files are called, and when they arrive."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from kaoping.demo import texts
from kaoping.demo.cells import VALUE_QUIRKS, applicable_value_quirks, is_missing
from kaoping.demo.layouts import LAYOUT_QUIRKS, Slot
from kaoping.scoring.periods import Period

FORMAT_QUIRKS = ("xls", "csv_gbk", "csv_utf8bom")
ALL_QUIRKS = LAYOUT_QUIRKS + VALUE_QUIRKS + FORMAT_QUIRKS + ("long", "period_in_title")
EXTENSIONS = {"xlsx": ".xlsx", "xls": ".xls", "csv_gbk": ".csv", "csv_utf8bom": ".csv"}
_TEXT_FORMATS = {"csv_gbk", "csv_utf8bom"}  # no cell formats in CSV
_NOT_WITH_LONG = {"merged_header", "total_row", "blank_rows"}
_TWICE = ("period_in_title", "long", *FORMAT_QUIRKS)  # shapes worth seeing more than once
CHINA = timezone(timedelta(hours=8))


def file_format(quirks: frozenset[str] | set[str]) -> str:
    """`xlsx`, `xls`, `csv_gbk` or `csv_utf8bom`."""
    return next((q for q in FORMAT_QUIRKS if q in quirks), "xlsx")


def fits(quirk: str, quirks: set[str], slot: Slot) -> bool:
    """True when `quirk` can join `quirks` in a file of `slot` and shows in it."""
    if quirk in quirks:
        return False
    if quirk in FORMAT_QUIRKS and any(q in FORMAT_QUIRKS for q in quirks):
        return False
    if quirk == "percent_format" and quirks & _TEXT_FORMATS:
        return False
    if quirk in _TEXT_FORMATS and "percent_format" in quirks:
        return False
    if (quirk == "long" and quirks & _NOT_WITH_LONG) or (quirk in _NOT_WITH_LONG and "long" in quirks):
        return False
    if quirk in VALUE_QUIRKS:
        inds = {i.code: i for i in slot.indicators}
        return any(quirk in applicable_value_quirks(inds[k[1]], v)
                   for k, v in slot.values.items() if not is_missing(v))
    return True


def assign_quirks(slots: list[Slot], messy: list[int], rng: random.Random) -> dict[int, frozenset[str]]:
    """Quirks for each messy slot: every quirk at least once where possible, then 2–4 per file."""
    chosen: dict[int, set[str]] = {i: set() for i in messy}
    order = list(ALL_QUIRKS)
    rng.shuffle(order)
    for quirk in order + list(_TWICE):
        candidates = [i for i in messy if fits(quirk, chosen[i], slots[i])]
        if candidates:
            fewest = min(len(chosen[i]) for i in candidates)
            chosen[rng.choice([i for i in candidates if len(chosen[i]) == fewest])].add(quirk)
    for i in messy:
        target = rng.randint(2, 4)
        for _ in range(20):
            if len(chosen[i]) >= target:
                break
            quirk = rng.choice(order)
            if quirk != "period_in_title" and fits(quirk, chosen[i], slots[i]):
                chosen[i].add(quirk)
        if "period_in_title" in chosen[i]:
            chosen[i].add("title_rows")
    return {i: frozenset(q) for i, q in chosen.items()}


def folder_name(code: str, aliases: tuple[str, ...], index: int) -> str:
    """The department's inbox folder: its short name, or (for some) its code."""
    return code if index % 5 == 4 or not aliases else aliases[0]


def file_stem(short: str, period: Period, quirks: frozenset[str], serial: int, rng: random.Random) -> str:
    """A file name without extension, in one of the ways departments name their files."""
    if "period_in_title" in quirks:
        return f"{short}{texts.PERIOD_FREE_NAMES[serial % len(texts.PERIOD_FREE_NAMES)]}-{chr(97 + serial % 26)}"
    plain = f"{short}_{period.label if period.grain == 'year' else period.code}"  # 公安局_2025年度, 公安局_2025Q3
    if not quirks:
        return plain
    styles = [plain, f"{period.label}{short}数据"]
    if period.grain == "quarter":
        styles.append(f"{short}{texts.alternative_quarter_label(period.year, period.index)}报表")
    return rng.choice(styles)


def received_at(period: Period, department_index: int, days_later: int = 0) -> datetime:
    """When a department's file for `period` arrives (a fixed, realistic schedule)."""
    lag = 15 if period.grain == "year" else 8
    day = period.end + timedelta(days=lag + days_later)
    start = datetime.combine(day, time(9, 0), tzinfo=CHINA)
    return start + timedelta(minutes=17 * department_index)
