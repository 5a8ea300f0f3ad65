"""考评期间: parsing, labels, arithmetic and ordering (SPEC §2)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaoping.scoring.periods import Period, period_range, sort_periods


@pytest.mark.parametrize("text,grain,year,index,label", [
    ("2025", "year", 2025, 0, "2025年度"),
    ("2025Q1", "quarter", 2025, 1, "2025年第一季度"),
    ("2025Q3", "quarter", 2025, 3, "2025年第三季度"),
    ("2025Q4", "quarter", 2025, 4, "2025年第四季度"),
    ("2025-01", "month", 2025, 1, "2025年1月"),
    ("2025-09", "month", 2025, 9, "2025年9月"),
    ("2025-12", "month", 2025, 12, "2025年12月"),
    (" 2024Q2 ", "quarter", 2024, 2, "2024年第二季度"),
])
def test_parse_code_and_label(text: str, grain: str, year: int, index: int, label: str) -> None:
    p = Period.parse(text)
    assert (p.grain, p.year, p.index, p.label) == (grain, year, index, label)
    assert p.code == text.strip() and str(p) == text.strip()


@pytest.mark.parametrize("text, code", [("2025q3", "2025Q3"), ("2025 Q3", "2025Q3"), ("2025-Q3", "2025Q3"),
                                        ("2025/09", "2025-09"), ("2025年三季度", "2025Q3")])
def test_periods_as_file_names_write_them_parse_too(text: str, code: str) -> None:
    assert Period.parse(text).code == code


@pytest.mark.parametrize("text", ["", "25", "2025Q0", "2025Q5", "2025-00", "2025-13", "2025-9",
                                  "2025-1", "2025年", "2025年第五季度", "Q3", "2025-09-01", "abcd"])
def test_bad_period_strings_are_refused_in_both_languages(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Period.parse(text)
    assert "期间格式错误" in str(caught.value) and "bad period" in str(caught.value)


@pytest.mark.parametrize("code,previous,year_ago", [
    ("2025Q1", "2024Q4", "2024Q1"),
    ("2025Q3", "2025Q2", "2024Q3"),
    ("2025-01", "2024-12", "2024-01"),
    ("2025-10", "2025-09", "2024-10"),
    ("2025", "2024", "2024"),
])
def test_previous_and_year_ago(code: str, previous: str, year_ago: str) -> None:
    p = Period.parse(code)
    assert p.previous().code == previous
    assert p.year_ago().code == year_ago


@pytest.mark.parametrize("code,start,end", [
    ("2025", date(2025, 1, 1), date(2025, 12, 31)),
    ("2025Q1", date(2025, 1, 1), date(2025, 3, 31)),
    ("2024Q4", date(2024, 10, 1), date(2024, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
])
def test_start_and_end_dates(code: str, start: date, end: date) -> None:
    p = Period.parse(code)
    assert (p.start, p.end) == (start, end)


def test_period_range_within_a_grain() -> None:
    assert [p.code for p in period_range("2024Q3", "2025Q2")] == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert [p.code for p in period_range("2024-11", "2025-02")] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert [p.code for p in period_range("2023", "2025")] == ["2023", "2024", "2025"]
    assert [p.code for p in period_range("2025Q3", "2025Q3")] == ["2025Q3"]


@pytest.mark.parametrize("first,last,grain", [
    ("2025Q1", "2025-06", None),   # mixed grains
    ("2025Q1", "2025Q4", "month"),  # grain contradicts the periods
    ("2025Q3", "2025Q1", None),    # reversed
])
def test_period_range_refuses_inconsistent_bounds(first: str, last: str, grain) -> None:
    with pytest.raises(ValueError):
        period_range(first, last, grain)


def test_sort_periods_in_time_order_months_before_their_quarter_before_the_year() -> None:
    codes = ["2025", "2025Q1", "2024Q4", "2025-03", "2024", "2025-01", "2025Q4", "2025-12", "2025-02"]
    assert sort_periods(codes) == ["2024Q4", "2024", "2025-01", "2025-02", "2025-03", "2025Q1",
                                   "2025-12", "2025Q4", "2025"]


def test_sort_periods_refuses_a_bad_code() -> None:
    with pytest.raises(ValueError):
        sort_periods(["2025Q1", "2025Q9"])


@given(st.sampled_from(["year", "quarter", "month"]), st.integers(min_value=1000 * 12, max_value=9998 * 12))
def test_from_ordinal_round_trips(grain: str, n: int) -> None:
    ordinal = n // {"year": 12, "quarter": 3, "month": 1}[grain]
    p = Period.from_ordinal(ordinal, grain)
    assert p.grain == grain and p.ordinal == ordinal
    assert Period.parse(p.code) == p
    assert p.previous().ordinal == ordinal - 1
    assert p.previous().end < p.start


@given(st.integers(min_value=1001, max_value=9998), st.integers(min_value=1, max_value=4))
def test_year_ago_is_four_quarters_back(year: int, quarter: int) -> None:
    p = Period(year, 1, quarter)
    assert Period.from_ordinal(p.ordinal - 4, "quarter") == p.year_ago()
