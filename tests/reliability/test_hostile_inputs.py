"""The hostile-input matrix: files built to crash, exhaust or trick the intake. Each must end
accepted with the right values, or rejected with a Chinese message — never a crash, a leak, or a
write outside the workspace."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import msoffcrypto.format.ooxml
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, inspect, select

import hostile_files as hf
from hostile_files import inbox_path
from kaoping.stages.resources import Resources
from kaoping.stages.intake import discover, examine_file, process_file

LEAK_MARKERS = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin")


def values_of(exam) -> dict[tuple[str, str], float | None]:
    return {(r.unit_code, r.indicator_code): None if pd.isna(r.value) else float(r.value)
            for r in exam.values.itertuples()}


def assert_handled(exam, rules: set[str] | None = None) -> None:
    """Accepted with exactly the good values, or rejected with messages (with one of `rules` if given)."""
    text = " ".join(f"{p.message} {p.value} {p.unit}" for p in exam.problems)
    assert not any(marker in text for marker in LEAK_MARKERS), text
    if exam.accepted:
        assert rules is None, f"expected a rejection ({rules}), got acceptance"
        assert values_of(exam) == hf.GOOD_VALUES
        return
    errors = [p for p in exam.problems if p.severity == "error"]
    assert errors and all(p.message and any("\u4e00" <= ch <= "\u9fff" for ch in p.message) for p in errors)
    if rules is not None:
        assert {p.rule for p in errors} & rules, [(p.rule, p.message) for p in errors]


def ingested(res, validator) -> list:
    """Every new inbox file taken in end to end: examined, 问题清单 written, recorded or loaded."""
    return [process_file(res, found, validator) for found in discover(res)]


def examined(res, validator, path: Path):
    return examine_file(res, path, validator, department_hint="公安局")


# ---- XML attacks --------------------------------------------------------------------------------

BOMB_TARGETS = {
    "sharedStrings": lambda: hf.xlsx_parts(hf.sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                                           shared=hf.shared_strings_xml([], hf.billion_laughs("sst"),
                                                                        "<si><t>&lol9;</t></si>")),
    "workbook": lambda: hf.xlsx_parts(hf.good_sheet(), workbook=hf.workbook_xml(
        "&lol9;", hf.billion_laughs("workbook"))),
    "worksheet": lambda: hf.xlsx_parts(hf.sheet_xml(hf.rows_xml([hf.HEADER]) + '<row r="2"><c r="A2" '
                                                    't="inlineStr"><is><t>&lol9;</t></is></c></row>',
                                                    hf.billion_laughs("worksheet"))),
    "quadratic_blowup": lambda: hf.xlsx_parts(hf.sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "&big;" * 20000 + "</t></is></c></row>",
        '<!DOCTYPE worksheet [<!ENTITY big "' + "x" * 20000 + '">]>')),
}


@pytest.mark.parametrize("target", sorted(BOMB_TARGETS))
def test_entity_expansion_bombs_are_refused(res, validator, target):
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), BOMB_TARGETS[target]())
    assert_handled(examined(res, validator, path), {"unreadable"})


XXE_TARGETS = {
    "sharedStrings": lambda t: hf.xlsx_parts(hf.sheet_xml(hf.rows_xml([hf.HEADER]) + '<row r="2"><c r="A2" '
                                                          't="s"><v>0</v></c><c r="B2"><v>90</v></c></row>'),
                                             shared=hf.shared_strings_xml([], hf.external_entity("sst", t),
                                                                          "<si><t>&xxe;</t></si>")),
    "worksheet": lambda t: hf.xlsx_parts(hf.sheet_xml(hf.rows_xml([hf.HEADER]) + '<row r="2"><c r="A2" '
                                                      't="inlineStr"><is><t>&xxe;</t></is></c></row>',
                                                      hf.external_entity("worksheet", t))),
    "workbook": lambda t: hf.xlsx_parts(hf.good_sheet(), workbook=hf.workbook_xml(
        "&xxe;", hf.external_entity("workbook", t))),
    "parameter_entity": lambda t: hf.xlsx_parts(hf.good_sheet(), workbook=hf.workbook_xml(
        "Sheet1", f'<!DOCTYPE workbook [<!ENTITY % p SYSTEM "{t}"> %p;]>')),
}


@pytest.mark.parametrize("target", sorted(XXE_TARGETS))
@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:9/x"])
def test_external_entities_never_leak_or_fetch(res, validator, target, url):
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), XXE_TARGETS[target](url))
    exam = examined(res, validator, path)
    assert_handled(exam, {"unreadable"})
    assert not any(m in str(exam.values.to_dict()) for m in LEAK_MARKERS)


# ---- size and container attacks ------------------------------------------------------------------

def test_zip_bomb_member_is_refused(res, validator):
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.zip_bomb_parts(64))
    assert_handled(examined(res, validator, path), {"zip_bomb"})


def test_nested_zip_bomb_is_never_unpacked(res, validator):
    path = inbox_path(res, f"{hf.NAME}.xlsx")
    path.write_bytes(hf.nested_zip_bomb())
    assert_handled(examined(res, validator, path))


def test_encrypted_workbook_under_another_extension(res, validator, tmp_path):
    plain = tmp_path / "plain.xlsx"
    book = Workbook()
    for row in [hf.HEADER, *hf.GOOD_ROWS]:
        book.active.append(row)
    book.save(plain)
    path = inbox_path(res, f"{hf.NAME}.xls")
    with plain.open("rb") as src, path.open("wb") as dst:
        msoffcrypto.format.ooxml.OOXMLFile(src).encrypt("123456", dst)
    assert_handled(examined(res, validator, path), {"encrypted"})


def test_huge_shared_string_table_still_reads_the_right_cells(res, validator):
    sheet, shared = hf.huge_shared_strings(60_000)
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(sheet, shared=shared))
    exam = examined(res, validator, path)
    assert exam.accepted, exam.problems
    assert_handled(exam)


@pytest.mark.reliability
def test_a_million_blank_rows_are_refused_by_the_row_limit(res, validator):
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(hf.blank_rows_sheet(1_000_000)))
    assert_handled(examined(res, validator, path), {"too_many_rows"})


def test_deeply_merged_header(res, validator):
    path = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(hf.deep_header_sheet(6)))
    assert_handled(examined(res, validator, path))


@pytest.mark.parametrize("payload", [b"\xff\xfe\x80\x81\x00\x00garbage\x9f", b"\x00" * 4096,
                                     "单位名称,涉政风险\n".encode("utf-16")])
def test_non_text_bytes_in_a_csv(res, validator, payload):
    path = inbox_path(res, f"{hf.NAME}.csv")
    path.write_bytes(payload)
    assert_handled(examined(res, validator, path))


def test_text_file_disguised_as_xlsx(res, validator):
    path = inbox_path(res, f"{hf.NAME}.xlsx")
    path.write_text("单位名称,涉政风险隐患排查处置率\n东城县,95\n", encoding="utf-8")
    assert_handled(examined(res, validator, path), {"truncated", "unreadable"})


# ---- hostile text --------------------------------------------------------------------------------

HOSTILE_UNITS = {
    "bell_and_rlo": "\x07未知县\u202e",
    "rlm_suffix": "东城县\u200f",
    "zero_width": "西\u200b城区",
    "nul": "南湖\x00县(市)",
    "escape_seq": "\x1b[31m东城县\x1b[0m",
    "sql": "'; DROP TABLE fact_value; --",
    "formula": "=cmd|' /C calc'!A0",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_UNITS))
def test_hostile_unit_names_are_loaded_or_rejected_never_crash(res, validator, case):
    rows = [hf.HEADER, [HOSTILE_UNITS[case], 95.5, 12], *hf.GOOD_ROWS[1:]]
    path = inbox_path(res, f"{hf.NAME}.csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    [outcome] = ingested(res, validator)
    assert outcome.status in ("accepted", "rejected")
    if outcome.status == "rejected":
        assert outcome.problem_report is not None and outcome.problem_report.is_relative_to(res.settings.out_dir)
        load_workbook(outcome.problem_report).close()
    with res.warehouse.session() as session:
        assert "fact_value" in inspect(session.connection()).get_table_names()


def test_sql_text_in_cells_and_names_is_stored_as_text(db_url, tmp_path, validator):
    sql = "'; DROP TABLE fact_value; --"
    res = Resources.open(hf.make_workspace(tmp_path / "ws"), db_url)
    try:
        good = hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"), hf.xlsx_parts(hf.good_sheet()))
        os.utime(good, (1_700_000_000, 1_700_000_000))
        bad = inbox_path(res, f"{hf.NAME}{sql.replace('/', '_')}.xlsx")
        rows = [hf.HEADER, ["东城县", sql, 12], *hf.GOOD_ROWS[1:]]
        hf.write_zip(bad, hf.xlsx_parts(hf.sheet_xml(hf.rows_xml(rows)), workbook=hf.workbook_xml(sql)))
        outcomes = {o.path.name: o for o in ingested(res, validator)}
        assert outcomes[good.name].status == "accepted" and outcomes[bad.name].status == "rejected"
        from kaoping.warehouse.models import FactValue, Submission
        with res.warehouse.session() as session:
            assert session.scalar(select(func.count()).select_from(FactValue)) == 6
            assert session.scalar(select(Submission.file_name).where(Submission.status == "rejected")) == bad.name
    finally:
        res.close()


# ---- names and paths -----------------------------------------------------------------------------

def test_sheet_named_like_a_path_stays_inside_out(res, validator, tmp_path):
    escape_to = tmp_path / "escaped"
    rows = [hf.HEADER, ["未知县", 95.5, 12], *hf.GOOD_ROWS[1:]]
    sheet_name = f"../../../../../../{escape_to}/x"
    hf.write_zip(inbox_path(res, f"{hf.NAME}.xlsx"),
                 hf.xlsx_parts(hf.sheet_xml(hf.rows_xml(rows)), workbook=hf.workbook_xml(sheet_name)))
    [outcome] = ingested(res, validator)
    assert outcome.status == "rejected"
    assert not escape_to.exists()
    written = [p for p in res.workspace.rglob("*") if p.is_file() and "out" in p.relative_to(res.workspace).parts]
    assert written and all(p.is_relative_to(res.settings.out_dir) for p in written)


@pytest.mark.parametrize("name", ["..公安局_2025Q3.xlsx", "公安局_2025Q3..xlsx", ". .公安局_2025Q3.xlsx"])
def test_dotted_file_names_stay_inside_out(res, validator, name):
    rows = [hf.HEADER, ["未知县", 95.5, 12], *hf.GOOD_ROWS[1:]]
    hf.write_zip(inbox_path(res, name), hf.xlsx_parts(hf.sheet_xml(hf.rows_xml(rows))))
    outcomes = ingested(res, validator)
    for o in outcomes:
        if o.problem_report is not None:
            assert o.problem_report.resolve().is_relative_to(res.settings.out_dir.resolve())
    assert all(o.status in ("accepted", "rejected") for o in outcomes)


def test_links_in_the_inbox_are_not_followed(res, validator, tmp_path):
    secret = tmp_path / "secret.csv"
    with secret.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([hf.HEADER, *hf.GOOD_ROWS])
    inbox_path(res, f"{hf.NAME}.csv").symlink_to(secret)
    (res.settings.inbox_dir / "链接目录").symlink_to(tmp_path, target_is_directory=True)
    assert ingested(res, validator) == []


def test_absolute_path_given_to_validate_is_examined_in_place(res, validator, tmp_path):
    outside = tmp_path / "elsewhere" / f"{hf.NAME}.xlsx"
    hf.write_zip(outside, hf.xlsx_parts(hf.good_sheet()))
    exam = examine_file(res, outside.resolve(), validator, department="GA", period="2025Q3")
    assert_handled(exam)
    assert exam.accepted and not any(res.settings.out_dir.rglob("*.xlsx"))


def test_non_utf8_bytes_in_a_file_name(db_url, tmp_path, validator):
    res = Resources.open(hf.make_workspace(tmp_path / "ws"), db_url)
    try:
        folder = os.fsencode(res.settings.inbox_dir / "公安局")
        os.makedirs(folder)
        with open(folder + b"/\xb9\xab\xb0\xb2\xbe\xd6_2025Q3_\xff.csv", "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([hf.HEADER, *hf.GOOD_ROWS])
        [outcome] = ingested(res, validator)
        assert outcome.status in ("accepted", "rejected")
        if outcome.status == "rejected":
            assert outcome.problems and all(p.message for p in outcome.problems)
    finally:
        res.close()
