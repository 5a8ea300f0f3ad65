"""考评期间: canonical period strings `2025`, `2025Q3`, `2025-09` (SPEC §2) and their arithmetic."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

Grain = Literal["year", "quarter", "month"]
_PATTERN = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# How people write a period (file names, titles, the command line): one list, searched or matched whole.
TEXT_PATTERNS = (
    (re.compile(r"(\d{4})\s*[-_ ]?\s*[Qq]([1-4])"), "quarter"),
    (re.compile(r"(\d{4})年\s*第?([一二三四1-4])\s*季度?"), "quarter"),
    (re.compile(r"(\d{4})年\s*(1[0-2]|0?[1-9])\s*月(?:份)?"), "month"),
    (re.compile(r"(?<!\d)(\d{4})[-./](1[0-2]|0[1-9])(?![\d\-/]|\.\d)"), "month"),
    (re.compile(r"(\d{4})\s*(?:年度|全年)"), "year"),
)
PERIOD_FORMS = "2025、2025Q3、2025-09、2025年第三季度、2025年三季度、2025-Q3、2025年9月、2025年度"


def period_code(match: re.Match, grain: str) -> str:
    """The canonical code of a TEXT_PATTERNS match."""
    year = match.group(1)
    if grain == "quarter":
        return f"{year}Q{_CN_DIGITS[match.group(2)]}"
    if grain == "month":
        return f"{year}-{int(match.group(2)):02d}"
    return year


def _canonical_text(text: str) -> str | None:
    """`text` as a canonical code when the whole of it is one period in a form people write."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    for pattern, grain in TEXT_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            return period_code(m, grain)
    return None


@dataclass(frozen=True, order=True)
class Period:
    """One assessment period; ordering is chronological within a grain."""

    year: int
    grain_rank: int  # year=0, quarter=1, month=2: keeps the dataclass orderable
    index: int  # quarter 1..4, month 1..12, 0 for a year

    @classmethod
    def parse(cls, text: str) -> "Period":
        """A period from its canonical code or from how people write it (`2025年第三季度`, `2025q3`…)."""
        m = _PATTERN.match(str(text).strip()) or _PATTERN.match(_canonical_text(text) or "")
        if not m:
            raise ValueError(f"期间格式错误：{text!r}（应为 {PERIOD_FORMS} 等） / "
                             f"bad period {text!r} (expected e.g. 2025, 2025Q3, 2025-09, 2025年第三季度)")
        year, quarter, month = m.groups()
        if quarter:
            return cls(int(year), 1, int(quarter))
        if month:
            return cls(int(year), 2, int(month))
        return cls(int(year), 0, 0)

    @property
    def grain(self) -> Grain:
        return ("year", "quarter", "month")[self.grain_rank]

    @property
    def code(self) -> str:
        if self.grain == "quarter":
            return f"{self.year}Q{self.index}"
        if self.grain == "month":
            return f"{self.year}-{self.index:02d}"
        return str(self.year)

    def __str__(self) -> str:
        return self.code

    @property
    def per_year(self) -> int:
        return {"year": 1, "quarter": 4, "month": 12}[self.grain]

    @property
    def ordinal(self) -> int:
        """A number that increases by one from each period to the next of the same grain."""
        return self.year * self.per_year + max(self.index, 1) - 1

    @classmethod
    def from_ordinal(cls, ordinal: int, grain: Grain) -> "Period":
        rank = ("year", "quarter", "month").index(grain)
        per_year = {"year": 1, "quarter": 4, "month": 12}[grain]
        year, rest = divmod(ordinal, per_year)
        return cls(year, rank, 0 if grain == "year" else rest + 1)

    def previous(self) -> "Period":
        """The period just before, same grain (2025Q1 → 2024Q4)."""
        return Period.from_ordinal(self.ordinal - 1, self.grain)

    def year_ago(self) -> "Period":
        """The same period one year earlier (2025Q3 → 2024Q3)."""
        return Period(self.year - 1, self.grain_rank, self.index)

    @property
    def start(self) -> date:
        month = {"year": 1, "quarter": 3 * self.index - 2, "month": self.index}[self.grain]
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        nxt = Period.from_ordinal(self.ordinal + 1, self.grain).start
        return date.fromordinal(nxt.toordinal() - 1)

    @property
    def label(self) -> str:
        """Chinese label for titles: 2025年第三季度, 2025年9月, 2025年度."""
        if self.grain == "quarter":
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        if self.grain == "month":
            return f"{self.year}年{self.index}月"
        return f"{self.year}年度"


def period_range(first: str, last: str, grain: Grain | None = None) -> list[Period]:
    """Every period from `first` to `last` inclusive, in time order, of one grain."""
    a, b = Period.parse(first), Period.parse(last)
    grain = grain or a.grain
    if a.grain != grain or b.grain != grain:
        raise ValueError(f"期间 {first}、{last} 与粒度 {grain} 不符 / periods {first}, {last} are not of grain {grain}")
    if b.ordinal < a.ordinal:
        raise ValueError(f"起始期间 {first} 晚于结束期间 {last} / {first} is after {last}")
    return [Period.from_ordinal(o, grain) for o in range(a.ordinal, b.ordinal + 1)]


def sort_periods(codes: list[str]) -> list[str]:
    """Period codes in time order: by end date; at the same end, months, then the quarter, then the year."""
    return sorted(codes, key=lambda c: (Period.parse(c).end, -Period.parse(c).grain_rank))


def backfill_periods(first: str, last: str, grain: str | None = None) -> list[str]:
    """The periods of `grain` from the one holding `first`'s start to the one holding `last`'s end."""
    a, b = Period.parse(first), Period.parse(last)
    grain = grain or a.grain
    per_year = {"year": 1, "quarter": 4, "month": 12}[grain]
    start = Period.from_ordinal(a.year * per_year + (a.start.month - 1) * per_year // 12, grain)
    end = Period.from_ordinal(b.year * per_year + (b.end.month - 1) * per_year // 12, grain)
    return [p.code for p in period_range(start.code, end.code, grain)]
