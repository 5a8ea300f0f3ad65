"""Numbers, quantities and events as the report texts write them (pure: a value in, words out)."""
from __future__ import annotations

from functools import lru_cache

from kaoping.reports import texts
from kaoping.scoring.rounding import round2


def number_text(value: float | None) -> str:
    """A number as people write it: at most 2 decimals, no trailing zeros."""
    if value is None:
        return ""
    text = f"{round2(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@lru_cache(maxsize=1 << 16)  # values recur across units and indicators (a few thousand distinct per run)
def quantity_text(value: float | None, unit: str) -> str:
    """A value with its unit of measure: `95%`, `2 起`."""
    if not unit:
        return number_text(value)
    return f"{number_text(value)}{unit}" if unit in ("%", "‰") else f"{number_text(value)} {unit}"


def event_text(name: str) -> str:
    """`发生较大安全事故` from an item's name, whether or not the name already says 发生."""
    return name if name.startswith("发生") else texts.EVENT.format(name=name)
