"""Issue 19: every format reports what it cannot read for its cell (uncached formulas, NaN and
Infinity, unreadable parts, odd but valid files), and the limits that hold before any parser builds cells."""
from __future__ import annotations

from pathlib import Path

import pytest

import hostile_files as hf
from hostile_files import CSV_HEADER, CSV_ROWS, errors_of, inbox_path, values_of
from kaoping.stages.resources import Resources
from kaoping.stages.intake import examine_file, ingest


# ---- item 2: uncached formulas and NaN / Infinity in every format --------------------------------

def _ods_with(res, cells_xml: str) -> Path:
    body = hf.ods_rows([hf.HEADER, *hf.GOOD_ROWS[1:]]) + f"<table:table-row>{hf.ods_cell('东城县')}{cells_xml}" \
        "</table:table-row>"
    return hf.write_ods(inbox_path(res, f"{hf.NAME}.ods"), body)


def test_an_ods_formula_without_its_value_is_an_error_at_its_cell(res, validator):
    path = _ods_with(res, '<table:table-cell table:formula="of:=1+1"/>' + hf.ods_cell(12))
    exam = examine_file(res, path, validator, department_hint="公安局")
    [error] = errors_of(exam)
    assert (error.rule, error.sheet, error.cell, error.unit) == ("formula_uncached", "Sheet1", "B4", "东城县")
    assert "公式没有计算结果" in error.message and "B4" in error.message


def test_an_ods_formula_with_its_cached_value_reads_the_value(res, validator):
    path = _ods_with(res, '<table:table-cell table:formula="of:=95+0.5" office:value-type="float" '
                          'office:value="95.5"><text:p>95.5</text:p></table:table-cell>' + hf.ods_cell(12))
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert exam.accepted, exam.problems
    assert values_of(exam) == hf.GOOD_VALUES


@pytest.mark.parametrize("value", ["NaN", "INF", "-INF"])
def test_an_ods_nan_or_infinite_number_cell_is_an_error_at_its_cell(res, validator, value):
    path = _ods_with(res, f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>x</text:p>'
                          "</table:table-cell>" + hf.ods_cell(12))
    exam = examine_file(res, path, validator, department_hint="公安局")
    [error] = errors_of(exam)
    assert (error.rule, error.sheet, error.cell) == ("not_finite", "Sheet1", "B4")
    assert "不是有限数" in error.message and "工作表「Sheet1」" in error.message


@pytest.mark.parametrize("streamed", [False, True])
def test_an_xlsx_nan_number_cell_is_an_error_at_its_cell(res, validator, streamed):
    extra = '<row r="9"><c r="E9"><f>1+1</f><v>2</v></c></row>' if streamed else ""  # a formula: openpyxl path
    rows = hf.rows_xml([hf.HEADER, *hf.GOOD_ROWS[1:]]) + '<row r="4"><c r="A4" t="inlineStr"><is><t>东城县</t></is></c>' \
        '<c r="B4"><v>NaN</v></c><c r="C4"><v>12</v></c></row>' + extra
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(hf.sheet_xml(rows)))
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert [(p.rule, p.cell) for p in errors_of(exam)] == [("not_finite", "B4")]


def test_a_csv_nan_is_an_error_at_its_cell(res, validator):
    path = inbox_path(res, f"{hf.NAME}.csv")
    path.write_text("\n".join([CSV_HEADER, "东城县,NaN,12", *CSV_ROWS[1:]]), encoding="utf-8")
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert [(p.rule, p.sheet, p.cell) for p in errors_of(exam)] == [("not_finite", hf.NAME, "B2")]


# ---- item 11 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["no_workbook_part", "garbage_xml"])
def test_an_unreadable_file_gets_a_chinese_reason_not_an_exception_name(res, validator, case):
    parts = hf.xlsx_parts(hf.good_sheet())
    if case == "no_workbook_part":
        parts.pop("xl/workbook.xml")
        parts["xl/worksheets/sheet1.xml"] = hf.sheet_xml(hf.rows_xml([hf.HEADER])) + "<f>"
    else:
        parts["xl/workbook.xml"] = "<workbook><sheets><sheet"
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), parts)
    [error] = errors_of(examine_file(res, path, validator, department_hint="公安局"))
    assert error.rule == "unreadable"
    assert not any(name in error.message for name in ("Error", "KeyError", "IndexError", "Exception"))
    assert error.message.count("（") >= 1 and len(error.message) > len("文件「x」：文件无法读取。") + 8


def test_an_ods_with_a_million_declared_rows_but_few_values_reads(res, validator):
    body = hf.ods_rows([hf.HEADER, *hf.GOOD_ROWS]) + \
        '<table:table-row table:number-rows-repeated="1048572"><table:table-cell ' \
        'table:number-columns-repeated="1024"/></table:table-row>'
    exam = examine_file(res, hf.write_ods(inbox_path(res, f"{hf.NAME}.ods"), body), validator,
                        department_hint="公安局")
    assert exam.accepted, exam.problems
    assert values_of(exam) == hf.GOOD_VALUES


def test_an_xlsx_with_empty_row_elements_up_to_1048576_reads(res, validator):
    rows = hf.rows_xml([hf.HEADER, *hf.GOOD_ROWS]) + "".join(
        f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(1048000, 1048577))
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(hf.sheet_xml(rows)))
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert exam.accepted, exam.problems
    assert values_of(exam) == hf.GOOD_VALUES


def test_a_cr_only_csv_reads(res, validator):
    path = inbox_path(res, f"{hf.NAME}.csv")
    path.write_bytes("\r".join([CSV_HEADER, *CSV_ROWS]).encode("utf-8"))
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert exam.accepted, exam.problems
    assert values_of(exam) == hf.GOOD_VALUES


def test_a_nul_before_a_value_is_stripped(res, validator):
    path = inbox_path(res, f"{hf.NAME}.csv")
    path.write_bytes("\n".join([CSV_HEADER, "东城县,\x0095.5,12", *CSV_ROWS[1:]]).encode("utf-8"))
    [outcome] = ingest(res).outcomes
    assert outcome.status == "accepted", outcome.problems
    with res.warehouse.reading() as session:
        from sqlalchemy import select

        from kaoping.warehouse.models import FactValue
        raw = session.scalar(select(FactValue.raw_text).where(FactValue.cell == "B2"))
    assert raw == "95.5"


# ---- item 6, the fast part: limits that hold before any parser builds cells ---------------------

def test_a_zip_member_that_lies_about_its_size_is_refused(tmp_path, validator):
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "max_uncompressed_mb = 2"),
                               f"sqlite:///{tmp_path / 'w.db'}")
    parts = {**hf.xlsx_parts(hf.good_sheet()), "xl/media/pad.bin": b"\0" * (8 * 1024 * 1024)}
    path = hf.lying_zip(inbox_path(resources, f"{hf.NAME}.xlsx"), parts, "xl/media/pad.bin", 1000)
    exam = examine_file(resources, path, validator, department_hint="公安局")
    assert [p.rule for p in errors_of(exam)] == ["zip_bomb"]
    resources.close()


def test_a_zip_member_that_lies_within_the_limits_is_refused_too(res, validator):
    sheet = hf.good_sheet()
    path = hf.lying_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(sheet), "xl/worksheets/sheet1.xml", 100)
    [error] = errors_of(examine_file(res, path, validator, department_hint="公安局"))
    assert error.rule == "zip_bomb" and "记录的大小与实际不符" in error.message


def test_the_cell_limit_refuses_a_wide_csv_before_its_cells_are_built(tmp_path, validator):
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "max_cells = 1000"),
                               f"sqlite:///{tmp_path / 'w.db'}")
    path = inbox_path(resources, f"{hf.NAME}.csv")
    path.write_text("\n".join([CSV_HEADER, *CSV_ROWS] + [",".join(["1"] * 300)] * 10), encoding="utf-8")
    [error] = errors_of(examine_file(resources, path, validator, department_hint="公安局"))
    assert error.rule == "too_many_cells" and "1000" in error.message
    resources.close()


def test_the_cell_limit_counts_ods_repeats(tmp_path, validator):
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "max_cells = 1000"),
                               f"sqlite:///{tmp_path / 'w.db'}")
    body = hf.ods_rows([hf.HEADER, *hf.GOOD_ROWS]) + '<table:table-row table:number-rows-repeated="50">' + \
        '<table:table-cell office:value-type="percentage" office:value="0.5" table:number-columns-repeated="100">' \
        "<text:p>50%</text:p></table:table-cell></table:table-row>"
    path = hf.write_ods(inbox_path(resources, f"{hf.NAME}.ods"), body)
    [error] = errors_of(examine_file(resources, path, validator, department_hint="公安局"))
    assert error.rule == "too_many_cells"
    resources.close()


def test_ods_percent_cells_are_found_through_repeats(res, validator):
    pct = '<table:table-cell office:value-type="percentage" office:value="0.955" ' \
          'table:number-columns-repeated="1"><text:p>95.5%</text:p></table:table-cell>'
    body = hf.ods_rows([hf.HEADER]) + f"<table:table-row>{hf.ods_cell('东城县')}{pct}{hf.ods_cell(12)}" \
        "</table:table-row>" + hf.ods_rows(hf.GOOD_ROWS[1:])
    exam = examine_file(res, hf.write_ods(inbox_path(res, f"{hf.NAME}.ods"), body), validator,
                        department_hint="公安局")
    assert exam.accepted, exam.problems
    assert values_of(exam) == hf.GOOD_VALUES
