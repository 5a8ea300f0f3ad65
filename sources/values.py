"""Value cleaning (SPEC §5): what people type in a cell → a number, the text GX checks, and flags."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time

import pandas as pd

from kaoping.sources.messages import FLAG_MISSING_MARK, FLAG_NOT_FINITE, FLAG_PERCENT_FORMAT, FLAG_TEXT_STRIPPED

MISSING_MARKS = frozenset({"", "—", "——", "-", "--", "–", "/", "无", "不适用", "―", "─"})
NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
NUMBER_PATTERN = NUMBER.pattern  # the GX suite checks `number_text` against this
_SPACES = re.compile("[\\s\ufeff\x00-\x1f\x7f]")  # \s: what str.isspace() accepts; and control characters (NUL)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOT_FINITE = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
# a count with its unit of measure typed after it (12起, 3 人, 5万人, 2起/万人)
_WITH_UNIT = re.compile(r"^([+-]?\d+(?:\.\d+)?)([\u4e00-\u9fff][\u4e00-\u9fff/]{0,5})$")


def normalized_text(raw: str) -> str:
    """Full-width → half-width (NFKC), every kind of space and every control character (a NUL typed
    or pasted before a value) removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw))


def _number_from_text(text: str) -> tuple[float | None, str, tuple[str, ...]]:
    """Parse normalised text: plain, `95.3%`, `1,234`, `12起`; otherwise the text is not numeric."""
    if text in MISSING_MARKS:
        return None, None, (FLAG_MISSING_MARK,) if text else ()
    if text.lower() in NOT_FINITE:  # NaN / Infinity: a number cell's, or typed; reported for its cell
        return None, None, (FLAG_NOT_FINITE,)
    body = text[:-1] if text.endswith("%") else text
    if _GROUPED.match(body):
        body = body.replace(",", "")
    if NUMBER.match(body):
        return float(body), body, ()
    stripped = _WITH_UNIT.match(body)
    if stripped:
        return float(stripped.group(1)), stripped.group(1), (FLAG_TEXT_STRIPPED,)
    return None, text, ()


def is_percent_format(number_format: str | None) -> bool:
    """True for a number format that shows a fraction as a percentage (0.0%, 0%, not a literal "%")."""
    if not isinstance(number_format, str):  # None, or NaN once pandas has held it
        return False
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in unquoted


def cleaned_cell(raw: object, number_format: str | None, percent_indicator: bool
                 ) -> tuple[float | None, str | None, tuple[str, ...]]:
    """(value, number_text, flags) for one cell; number_text is what GX checks for being numeric."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None, None, ()
    if isinstance(raw, bool) or isinstance(raw, (datetime, date, time)):
        return None, str(raw), ()
    if isinstance(raw, (int, float)):
        if percent_indicator and is_percent_format(number_format):
            value = round(float(raw) * 100, 10)
            return value, repr(value), (FLAG_PERCENT_FORMAT,)
        return float(raw), repr(float(raw)), ()
    return _number_from_text(normalized_text(str(raw)))


def raw_text(raw: object) -> str | None:
    """The cell as the sender typed it, for lineage (`fact_value.raw_text`)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return _CONTROL.sub("", str(raw))  # PostgreSQL refuses NUL in text


def cleaned_values(long: pd.DataFrame, percent_codes: set[str]) -> pd.DataFrame:
    """The resolved long table with `value`, `number_text`, `raw_text` and `flags` (`;`-joined) added."""
    memo: dict[tuple, tuple] = {}  # the same few thousand numbers and texts recur in a province file
    parts = []
    for raw, fmt, code in zip(long["raw"].tolist(), long["number_format"].tolist(), long["indicator_key"].tolist()):
        key = (type(raw), raw, fmt, code in percent_codes)
        if key not in memo:
            value, text, flags = cleaned_cell(raw, fmt, key[3])
            memo[key] = (value, text, ";".join(flags), raw_text(raw))
        parts.append(memo[key])
    out = long.copy()
    columns = list(zip(*parts)) or [(), (), (), ()]
    out["value"] = pd.array(list(columns[0]), dtype="Float64")
    out["number_text"] = list(columns[1])
    out["flags"] = list(columns[2])
    out["raw_text"] = list(columns[3])
    return out
