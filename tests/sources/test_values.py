"""Value cleaning, one SPEC §5 quirk per case (expected values worked out by hand)."""
import pytest

from kaoping.sources.messages import FLAG_PERCENT_FORMAT, FLAG_TEXT_STRIPPED
from kaoping.sources.values import cleaned_cell


@pytest.mark.parametrize("raw, fmt, percent, value, flags", [
    ("９５．３％", None, True, 95.3, ()),          # full-width digits, point and sign
    ("95.3%", None, True, 95.3, ()),
    (0.953, "0.0%", True, 95.3, (FLAG_PERCENT_FORMAT,)),  # a percent-formatted cell
    (0.953, "0.0%", False, 0.953, ()),           # not a % indicator: the stored number
    (0.953, '0.0"%"', True, 0.953, ()),          # a literal "%" in the format is not a percent format
    ("1,234", None, False, 1234.0, ()),
    ("１，２３４", None, False, 1234.0, ()),
    ("12起", None, False, 12.0, (FLAG_TEXT_STRIPPED,)),
    ("3 人", None, False, 3.0, (FLAG_TEXT_STRIPPED,)),
    ("  88 ", None, False, 88.0, ()),
    ("\u00a088\u00a0", None, False, 88.0, ()),   # non-breaking spaces
    ("0", None, False, 0.0, ()),
    (0, None, False, 0.0, ()),
    ("-5", None, False, -5.0, ()),
    (12, None, False, 12.0, ()),
])
def test_numbers_as_people_type_them(raw, fmt, percent, value, flags):
    got, text, got_flags = cleaned_cell(raw, fmt, percent)
    assert got == pytest.approx(value)
    assert got_flags == flags
    assert text is not None


@pytest.mark.parametrize("raw", [None, "", "—", "-", "/", "无", "不适用", "  ", "－"])
def test_missing_markers_are_missing(raw):
    value, text, _ = cleaned_cell(raw, None, False)
    assert value is None and text is None


@pytest.mark.parametrize("raw", ["=cmd|' /C calc'!A0", "1,5", "约12", "12.3.4", "abc", "TRUE"])
def test_text_that_is_not_a_number_keeps_its_text(raw):
    value, text, _ = cleaned_cell(raw, None, False)
    assert value is None
    assert text == raw.replace(" ", "")

