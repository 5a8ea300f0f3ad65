"""How people type values and names into a sheet: the SPEC §5 variants of one true value."""
from __future__ import annotations

import math
import random

from kaoping.demo.sheets import Cell
from kaoping.demo.texts import MISSING_MARKERS
from kaoping.scoring.catalog import Indicator

_FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789.%-,"})
_PAREN_SWAP = str.maketrans({"(": "（", ")": "）", "（": "(", "）": ")"})
VALUE_QUIRKS = ("fullwidth", "percent_text", "percent_format", "thousands", "count_suffix")


def number_text(value: float) -> str:
    """Shortest decimal text of a value (`95.3`, `12`)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def fullwidth(text: str) -> str:
    """`95.3%` → `９５．３％`."""
    return text.translate(_FULL_WIDTH)


def is_percent(ind: Indicator) -> bool:
    return ind.unit == "%"


def applicable_value_quirks(ind: Indicator, value: float) -> list[str]:
    """The value quirks that make sense for this indicator and value."""
    out = ["fullwidth"]
    if is_percent(ind):
        out += ["percent_text", "percent_format"]
    if ind.integer:
        out.append("count_suffix")
        if value >= 1000:
            out.append("thousands")
    return out


def typed_value(value: float, quirk: str | None, ind: Indicator, rng: random.Random) -> object:
    """A true value as typed with `quirk` (None: a plain number)."""
    if quirk is None:
        return int(value) if ind.integer else float(value)
    if quirk == "percent_format":
        return Cell(round(value / 100, 6), "0.0%" if rng.random() < 0.5 else "0.00%")
    if quirk == "percent_text":
        return number_text(value) + "%"
    if quirk == "thousands":
        return f"{int(value):,}"
    if quirk == "count_suffix":
        return number_text(value) + (" " if rng.random() < 0.4 else "") + ind.unit
    if quirk == "fullwidth":
        return fullwidth(number_text(value) + ("%" if is_percent(ind) else ""))
    raise ValueError(quirk)


def missing_marker(markers: bool, rng: random.Random) -> object:
    """What a department leaves where it has no value: an empty cell or a marker."""
    return rng.choice(MISSING_MARKERS) if markers else None


def is_missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def name_variants(name: str, aliases: tuple[str, ...], nbsp: bool) -> list[str]:
    """Ways a unit's name appears: aliases, the other kind of parentheses, stray spaces."""
    out = [*aliases, name + "  ", " " + name, name[:1] + " " + name[1:]]
    out += [a.translate(_PAREN_SWAP) for a in (name, *aliases) if "(" in a or "（" in a]
    if nbsp:
        out += [name + "\u00a0", "\u00a0" + name]
    return out
