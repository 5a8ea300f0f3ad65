"""The intake corpus: one generated file per SPEC §5 quirk, §6 error or warning, and hostile input.
Each ends accepted with the right values, or rejected with the right rule and cell."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from tests.sources.intake_kit import CATALOG_YAML, GOOD_ROWS, HEADER, make_workspace, write_csv, write_raw_xlsx, write_xlsx
from openpyxl import Workbook, load_workbook

from kaoping.stages.intake import examine_file

TITLE = ["2025年第三季度公安局平安建设指标报送表"]


def examined(res, validator, path: Path, **kw):
    return examine_file(res, path, validator, **kw)


def found(exam) -> set[tuple[str, str | None]]:
    return {(p.rule, p.cell) for p in exam.problems}


def values(exam) -> dict[tuple[str, str], float | None]:
    return {(r.unit_code, r.indicator_code): (None if pd.isna(r.value) else float(r.value))
            for r in exam.values.itertuples()}


def inbox(res, name: str, dept: str = "公安局") -> Path:
    return res.settings.inbox_dir / dept / name


GOOD = {("U01", "C01-01"): 95.5, ("U01", "C01-02"): 12.0, ("U02", "C01-01"): 88.0, ("U02", "C01-02"): 3.0,
        ("U03", "C01-01"): 100.0, ("U03", "C01-02"): 0.0}


# ---- shapes and quirks that are accepted ------------------------------------------------------

def test_wide_with_title_blank_total_and_signature_rows(res, validator):
    rows = [TITLE, [], HEADER, GOOD_ROWS[0], [], GOOD_ROWS[1], GOOD_ROWS[2], ["全市合计", 283.5, 15],
            ["填报人：张三", None, "联系电话：12345678"], ["审核人：李四"]]
    exam = examined(res, validator, write_xlsx(inbox(res, "报表.xlsx"), rows), department_hint="公安局")
    assert exam.accepted, exam.problems
    assert (exam.department, exam.period, exam.shape) == ("GA", "2025Q3", "wide")
    assert values(exam) == GOOD
    assert found(exam) == {("total_row_skipped", "A8")}
    assert exam.values.set_index(["unit_code", "indicator_code"]).loc[("U02", "C01-02"), "cell"] == "C6"


def test_total_row_typed_in_the_serial_number_column_is_skipped(res, validator):
    rows = [TITLE, ["序号", *HEADER], *[[i, *row] for i, row in enumerate(GOOD_ROWS, start=1)],
            ["合  计", None, 283.5, 15]]
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.active.merge_cells("A6:B6")
    path = inbox(res, "公安局_2025Q3.xlsx")
    path.parent.mkdir(parents=True)
    wb.save(path)
    exam = examined(res, validator, path, department_hint="公安局")
    assert exam.accepted, exam.problems
    assert values(exam) == GOOD
    assert found(exam) == {("total_row_skipped", "B6")}


def test_two_row_merged_header_with_alias_and_unit_suffix(res, validator):
    wb = Workbook()
    ws = wb.active
    for row in (TITLE, ["地区", "社会治安", None], [None, "涉政风险隐患排查处置率（%）", "刑事立案数"], *GOOD_ROWS):
        ws.append(row)
    ws.merge_cells("B2:C2")
    ws.merge_cells("A2:A3")
    path = inbox(res, "公安局_2025Q3.xlsx")
    path.parent.mkdir(parents=True)
    wb.save(path)
    exam = examined(res, validator, path)
    assert exam.accepted, exam.problems
    assert values(exam) == GOOD


def test_long_csv_utf8_bom_with_period_column(res, validator):
    rows = [["单位", "指标", "数值", "期间"], ["东城县", "涉政风险隐患排查处置率", "95.5", "2025Q3"],
            ["东城县", "C01-02", "12", "2025Q3"], ["西城区", "涉政风险隐患排查处置率", "88", "2025Q3"],
            ["西城区", "刑事立案数", "3", "2025Q3"], ["南湖县(市)", "涉政风险隐患排查处置率", "100", "2025Q3"],
            ["南湖县(市)", "刑事案件立案数", "0", "2025Q3"]]
    exam = examined(res, validator, write_csv(inbox(res, "公安局_2025Q3.csv"), rows, "utf-8-sig"))
    assert exam.accepted, exam.problems
    assert exam.shape == "long" and values(exam) == GOOD


def test_long_period_column_contradicting_the_file_is_an_error(res, validator):
    rows = [["单位", "指标", "数值", "期间"], ["东城县", "刑事案件立案数", "12", "2025Q2"]]
    exam = examined(res, validator, write_csv(inbox(res, "公安局_2025Q3.csv"), rows))
    assert ("period_conflict", "C2") in found(exam) and not exam.accepted


def test_gbk_csv_full_width_unit_name_and_county_header(res, validator):
    rows = [["县(市、区)", "涉政风险隐患排查处置率", "刑事案件立案数"], ["东城县", "95.5", "12"],
            ["西城区", "88", "3"], ["南湖县（市）", "１００", "0"]]
    exam = examined(res, validator, write_csv(inbox(res, "公安局_2025年第三季度.csv"), rows, "gbk"))
    assert exam.accepted, exam.problems
    assert values(exam) == GOOD


def test_percent_formatted_xlsx_cell_reads_as_percent(res, validator):
    rows = [TITLE, HEADER, ["东城县", 0.955, 12], GOOD_ROWS[1], GOOD_ROWS[2]]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows, formats={"B3": "0.0%"}))
    assert exam.accepted, exam.problems
    assert values(exam)[("U01", "C01-01")] == pytest.approx(95.5)
    assert "百分比格式换算" in exam.values.set_index("cell").loc["B3", "flags"]


def test_xls_with_percent_format(res, validator):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1", cell_overwrite_ok=True)
    percent = xlwt.easyxf(num_format_str="0.0%")
    for r, row in enumerate([TITLE, HEADER, *GOOD_ROWS]):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    sheet.write(2, 1, 0.955, percent)
    path = inbox(res, "公安局_2025Q3.xls")
    path.parent.mkdir(parents=True)
    book.save(str(path))
    exam = examined(res, validator, path)
    assert exam.accepted, exam.problems
    assert values(exam) == GOOD


def _ods(path: Path, rows: list[list], manifest_extra: str = "") -> Path:
    """A minimal ODS; a value given as ("%", 0.955) is a percentage-typed cell."""
    def cell(v):
        if isinstance(v, tuple):
            return (f'<table:table-cell office:value-type="percentage" office:value="{v[1]}"><text:p>'
                    f"{v[1] * 100}%</text:p></table:table-cell>")
        if isinstance(v, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                    "</table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="Sheet1">{body}</table:table></office:spreadsheet>'
               "</office:body></office:document-content>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                   '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
                   'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   f"{manifest_extra}</manifest:manifest>")
    return path


def test_ods_with_a_percentage_cell(res, validator):
    rows = [TITLE, HEADER, ["东城县", ("%", 0.955), 12], *GOOD_ROWS[1:]]
    exam = examined(res, validator, _ods(inbox(res, "公安局_2025Q3.ods"), rows))
    assert exam.accepted, exam.problems
    assert values(exam) == GOOD


def test_text_around_numbers_and_missing_markers(res, validator):
    rows = [TITLE, HEADER, ["东城县", "95.5%", "12起"], ["西城区", "—", "3 人"], ["南湖县(市)", "无", None]]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    assert exam.accepted, exam.problems
    assert found(exam) == {("text_stripped", "C3"), ("text_stripped", "C4")}
    assert values(exam) == {**GOOD, ("U02", "C01-01"): None, ("U03", "C01-01"): None, ("U03", "C01-02"): None}
    assert exam.values.set_index("cell").loc["C3", "raw_text"] == "12起"


def test_identical_repeated_row_is_harmless(res, validator):
    rows = [TITLE, HEADER, *GOOD_ROWS, GOOD_ROWS[0]]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    assert exam.accepted and values(exam) == GOOD


def test_missing_unit_is_a_warning_without_require_complete(res, validator):
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), [TITLE, HEADER, *GOOD_ROWS[:2]]))
    assert exam.accepted
    assert [(p.rule, p.unit) for p in exam.problems] == [("units_missing", "南湖县(市)")]


# ---- errors (SPEC §6) -------------------------------------------------------------------------

@pytest.mark.parametrize("row, rule, cell", [
    (["北城县", 90, 1], "unit_unknown", "A5"),
    (["东城县", "abc", 1], "non_numeric", "B5"),
    (["东城县", 105, 1], "out_of_range", "B5"),
    (["东城县", 95, "3.5"], "not_integer", "C5"),
    (["东城县", 90, 12], "duplicate_conflict", "B5"),
])
def test_cell_errors(res, validator, row, rule, cell):
    rows = [HEADER, *GOOD_ROWS, row] if rule != "unit_unknown" else [HEADER, *GOOD_ROWS, row]
    if rule in ("non_numeric", "out_of_range", "not_integer"):
        rows = [HEADER, *GOOD_ROWS[1:], ["填报人：王五"]]
        rows.insert(1, row)
        cell = cell.replace("5", "2")
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    assert not exam.accepted
    assert (rule, cell) in found(exam)
    problem = next(p for p in exam.problems if p.rule == rule and p.cell == cell)
    assert problem.file == "公安局_2025Q3.xlsx" and problem.sheet == "Sheet1" and cell in problem.message


def test_out_of_range_message_names_unit_indicator_value_and_range(res, validator):
    rows = [HEADER, ["东城县", 105, 12], GOOD_ROWS[1], GOOD_ROWS[2]]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    p = next(p for p in exam.problems if p.rule == "out_of_range")
    assert (p.unit, p.indicator, p.value, p.expected) == ("东城县", "涉政风险隐患排查处置率", "105", "0 至 100")
    assert "东城县" in p.message and "105" in p.message and "0 至 100" in p.message


def test_duplicate_with_different_values_flags_both_cells(res, validator):
    rows = [HEADER, *GOOD_ROWS, ["东城县", 90, 12]]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    assert {("duplicate_conflict", "B2"), ("duplicate_conflict", "B5")} <= found(exam)


def test_missing_unit_is_an_error_when_the_catalog_requires_completeness(tmp_path, validator):
    res = make_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'w.db'}",
                         CATALOG_YAML.replace("  full_marks: 100\n", "  full_marks: 100\n  require_complete: true\n"))
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), [TITLE, HEADER, *GOOD_ROWS[:2]]))
    assert [(p.rule, p.severity, p.unit) for p in exam.problems] == [("unit_incomplete", "error", "南湖县(市)")]
    res.close()


def test_indicator_of_another_department_is_an_error(res, validator):
    rows = [HEADER + ["矛盾纠纷化解率"], *(r + [90] for r in GOOD_ROWS)]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    assert ("indicator_foreign", "D2") in found(exam)


@pytest.mark.parametrize("folder, name, title, rule", [
    (None, "报表_2025Q3.xlsx", TITLE[0].replace("公安局", ""), "department_unknown"),
    ("杂项", "报表_2025Q3.xlsx", "", "department_unknown"),
    ("司法局", "公安局_2025Q3.xlsx", "", "department_conflict"),
    ("公安局", "公安局报表.xlsx", "平安建设指标报送表", "period_unknown"),
    ("公安局", "公安局_2025Q3.xlsx", "2025年第二季度", "period_conflict"),
])
def test_department_and_period_errors(res, validator, folder, name, title, rule):
    path = (res.settings.inbox_dir / folder / name) if folder else res.settings.inbox_dir / name
    write_xlsx(path, [[title], HEADER, *GOOD_ROWS])
    exam = examine_file(res, path, validator, department_hint=folder)
    assert rule in {p.rule for p in exam.problems} and not exam.accepted


def test_no_recognisable_header(res, validator):
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), [["随便写的"], ["a", "b"], [1, 2]]))
    assert [p.rule for p in exam.problems] == ["no_header"]


def test_formula_without_cached_value_is_an_error_for_its_cell(res, validator):
    rows = [HEADER, ["东城县", "=SUM(90,5.5)", 12], GOOD_ROWS[1], GOOD_ROWS[2]]
    exam = examined(res, validator, write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows))
    assert found(exam) == {("formula_uncached", "B2")}


@pytest.mark.parametrize("as_formula, rule", [(True, "formula_uncached"), (False, "non_numeric")])
def test_dde_payload_is_never_run_only_reported(res, validator, as_formula, rule):
    wb = Workbook()
    ws = wb.active
    for row in (HEADER, *GOOD_ROWS):
        ws.append(row)
    ws["B2"] = "=cmd|' /C calc'!A0"
    if not as_formula:
        ws["B2"].data_type = "s"
    path = inbox(res, "公安局_2025Q3.xlsx")
    path.parent.mkdir(parents=True)
    wb.save(path)
    exam = examined(res, validator, path)
    assert (rule, "B2") in found(exam) and not exam.accepted


# ---- templates ----------------------------------------------------------------------------------

def _template(res, tmp_path: Path, dept: str = "GA") -> Path:
    from kaoping.sources.template import template_layout, write_template

    catalog = res.catalogs[0]
    layout = template_layout(catalog, dept, "2025Q3", res.registry)
    return write_template(tmp_path / "t.xlsx", layout, catalog, res.registry.department_name(dept))


def _filled(template: Path, target: Path, edit=None) -> Path:
    wb = load_workbook(template)
    ws = wb["填报表"]
    for r, (a, b) in enumerate([(95.5, 12), (88, 3), (100, 0)], start=5):
        ws.cell(r, 3, a), ws.cell(r, 4, b)
    if edit:
        edit(wb)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def test_filled_template_is_accepted(res, validator, tmp_path):
    exam = examined(res, validator, _filled(_template(res, tmp_path), inbox(res, "任意名字.xlsx")))
    assert exam.accepted, exam.problems
    assert exam.shape == "template" and values(exam) == GOOD


@pytest.mark.parametrize("edit, rule", [
    (lambda wb: wb["填报表"].cell(3, 3, "别的指标"), "template_checksum"),
    (lambda wb: wb["_meta"].cell(4, 2, "0" * 16), "template_checksum"),
    (lambda wb: wb["_meta"].cell(3, 2, "other-2025"), "template_catalog"),
])
def test_tampered_template_is_rejected(res, validator, tmp_path, edit, rule):
    exam = examined(res, validator, _filled(_template(res, tmp_path), inbox(res, "t.xlsx"), edit))
    assert rule in {p.rule for p in exam.problems} and not exam.accepted


def test_template_for_another_department_folder_is_a_contradiction(res, validator, tmp_path):
    exam = examined(res, validator, _filled(_template(res, tmp_path), inbox(res, "t.xlsx", "司法局")),
                    department_hint="司法局")
    assert "department_conflict" in {p.rule for p in exam.problems}


# ---- hostile files ------------------------------------------------------------------------------

def test_encrypted_workbook(res, validator, tmp_path):
    import msoffcrypto.format.ooxml

    plain = write_xlsx(tmp_path / "plain.xlsx", [HEADER, *GOOD_ROWS])
    path = inbox(res, "公安局_2025Q3.xlsx")
    path.parent.mkdir(parents=True)
    with plain.open("rb") as src, path.open("wb") as dst:
        msoffcrypto.format.ooxml.OOXMLFile(src).encrypt("secret", dst)
    exam = examined(res, validator, path)
    assert [p.rule for p in exam.problems] == ["encrypted"] and "加密" in exam.problems[0].message


def test_encrypted_ods(res, validator):
    extra = ('<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
             '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
             "</manifest:file-entry>")
    exam = examined(res, validator, _ods(inbox(res, "公安局_2025Q3.ods"), [HEADER, *GOOD_ROWS], extra))
    assert [p.rule for p in exam.problems] == ["encrypted"]


def test_truncated_zip(res, validator, tmp_path):
    data = write_xlsx(tmp_path / "a.xlsx", [HEADER, *GOOD_ROWS]).read_bytes()
    path = inbox(res, "公安局_2025Q3.xlsx")
    path.parent.mkdir(parents=True)
    path.write_bytes(data[: len(data) // 2])
    assert [p.rule for p in examined(res, validator, path).problems] == ["truncated"]


def test_zip_bomb_is_refused_before_parsing(res, validator, tmp_path):
    path = write_xlsx(inbox(res, "公安局_2025Q3.xlsx"), [HEADER, *GOOD_ROWS])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    exam = examined(res, validator, path)
    assert [p.rule for p in exam.problems] == ["zip_bomb"]


def test_entity_expansion_in_shared_strings_is_refused(res, validator):
    lol = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "lollollollollollollollollollol">'
           + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi"))
           + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&i;</t></si></sst>')
    path = write_raw_xlsx(inbox(res, "公安局_2025Q3.xlsx"), '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', lol)
    exam = examined(res, validator, path)
    assert [p.rule for p in exam.problems] == ["unreadable"]


def test_sheet_over_the_row_limit_is_refused(res, validator):
    (res.workspace / "kaoping.toml").write_text("[intake]\nmax_rows = 1000\n", encoding="utf-8")
    from kaoping.stages.resources import Resources

    limited = Resources.open(res.workspace, res.settings.database_url)
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="B{r}"><v>{r}</v></c></row>'
                   for r in range(1, 100_001))
    path = write_raw_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows, ["东城县"])
    exam = examined(limited, validator, path)
    assert [p.rule for p in exam.problems] == ["too_many_rows"]
    limited.close()


def test_oversized_file_is_refused(res, validator):
    (res.workspace / "kaoping.toml").write_text("[intake]\nmax_file_mb = 0.001\n", encoding="utf-8")
    from kaoping.stages.resources import Resources

    limited = Resources.open(res.workspace, res.settings.database_url)
    path = write_csv(inbox(res, "公安局_2025Q3.csv"), [HEADER, *GOOD_ROWS] * 20)
    assert [p.rule for p in examined(limited, validator, path).problems] == ["file_too_large"]
    limited.close()


def test_one_far_away_cell_is_read_without_a_dense_grid(res, validator, monkeypatch):
    import python_calamine

    def refuse(*_):
        raise AssertionError("a sparse sheet spanning a huge area must not be loaded densely")

    monkeypatch.setattr(python_calamine, "load_workbook", refuse)
    strings = [*HEADER, *(name for name, *_ in GOOD_ROWS), "备注"]
    cells = [[f'<c r="{col}{r}" t="s"><v>{strings.index(v)}</v></c>' if isinstance(v, str) else
              f'<c r="{col}{r}"><v>{v}</v></c>' for col, v in zip("ABC", row)]
             for r, row in enumerate([HEADER, *GOOD_ROWS], start=1)]
    rows = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in enumerate(cells, start=1))
    far = f'<row r="250"><c r="XFD250" t="s"><v>{len(strings) - 1}</v></c></row>'  # 250 × 16,384 cells
    exam = examined(res, validator, write_raw_xlsx(inbox(res, "公安局_2025Q3.xlsx"), rows + far, strings))
    assert exam.accepted, exam.problems
    assert values(exam) == GOOD
