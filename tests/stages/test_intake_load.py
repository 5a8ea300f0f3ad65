"""Ingest into the real warehouse (SQLite and PostgreSQL): all-or-nothing loads, rejections,
superseding, archive by hash, duplicates, and the template round trip through the CLI."""
from __future__ import annotations

import os
import shutil

from tests.sources.intake_kit import GOOD_ROWS, HEADER, write_csv, write_xlsx
from openpyxl import load_workbook
from sqlalchemy import select, text

from kaoping.reports.problem_list import HEADER_ROW
from kaoping.stages.intake import Validator, discover, ingest, process_file
from kaoping.warehouse.models import Base, FactValue, Submission, SubmissionProblem

TITLE = ["2025年第三季度公安局平安建设指标报送表"]


def rows_of(res, model) -> list:
    with res.warehouse.session() as s:
        return list(s.scalars(select(model).order_by(*model.__table__.primary_key.columns)))


def snapshot(res, skip=("submission", "submission_problem")) -> dict[str, list[tuple]]:
    """Every table's rows (ordered), except those a rejection is expected to add to."""
    out = {}
    with res.warehouse.session() as s:
        for table in Base.metadata.sorted_tables:
            if table.name not in skip:
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(r) for r in s.execute(select(table).order_by(*order))]
    return out


def facts(res) -> dict[tuple[str, str], tuple]:
    return {(f.unit_code, f.indicator_code): (f.value, f.raw_text, f.cell) for f in rows_of(res, FactValue)}


def test_accepted_file_loads_once_archived_and_inbox_untouched(res_db):
    path = write_xlsx(res_db.settings.inbox_dir / "公安局" / "报表.xlsx", [TITLE, HEADER, *GOOD_ROWS, ["合计", 1, 1]])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    report = ingest(res_db)
    [outcome] = report.outcomes
    assert (outcome.status, outcome.department, outcome.period, outcome.catalog_code) == \
        ("accepted", "GA", "2025Q3", "test-county-2025")
    assert report.periods_touched == ["2025Q3"]
    assert facts(res_db) == {("U01", "C01-01"): (95.5, "95.5", "B3"), ("U01", "C01-02"): (12.0, "12", "C3"),
                             ("U02", "C01-01"): (88.0, "88", "B4"), ("U02", "C01-02"): (3.0, "3", "C4"),
                             ("U03", "C01-01"): (100.0, "100", "B5"), ("U03", "C01-02"): (0.0, "0", "C5")}
    [sub] = rows_of(res_db, Submission)
    assert (sub.status, sub.value_count, sub.error_count, sub.warning_count) == ("accepted", 6, 0, 1)
    assert sub.inbox_path == "公安局/报表.xlsx" and sub.shape == "wide"
    [warning] = rows_of(res_db, SubmissionProblem)
    assert (warning.rule, warning.cell) == ("total_row_skipped", "A6")
    archived = res_db.workspace / "archive" / outcome.sha256[:2] / f"{outcome.sha256}.xlsx"
    assert archived.read_bytes() == before[0]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    shutil.copy(path, path.with_name("同一文件的副本.xlsx"))
    assert ingest(res_db).outcomes == [] and len(rows_of(res_db, Submission)) == 1


def test_resubmission_supersedes_the_earlier_one(res_db):
    inbox = res_db.settings.inbox_dir / "公安局"
    first = write_xlsx(inbox / "公安局_2025Q3.xlsx", [HEADER, *GOOD_ROWS])
    os.utime(first, (1_700_000_000, 1_700_000_000))
    write_xlsx(inbox / "公安局_2025Q3_更正.xlsx", [HEADER, ["东城县", 96, 11], *GOOD_ROWS[1:]])
    outcomes = ingest(res_db).outcomes
    assert [o.path.name for o in outcomes] == ["公安局_2025Q3.xlsx", "公安局_2025Q3_更正.xlsx"]
    old, new = rows_of(res_db, Submission)
    assert (old.status, old.superseded_by, new.status) == ("superseded", new.id, "accepted")
    with res_db.warehouse.session() as s:
        current = s.execute(text("SELECT f.value FROM fact_value f JOIN submission s ON s.id = f.submission_id "
                                 "WHERE s.status = 'accepted' AND f.unit_code = 'U01' AND f.indicator_code = 'C01-02'"
                                 )).scalar_one()
        total = s.execute(text("SELECT count(*) FROM fact_value")).scalar_one()
    assert current == 11.0 and total == 12  # the superseded values stay, marked by their submission


def test_rejected_file_changes_nothing_but_its_own_record(res_db):
    inbox = res_db.settings.inbox_dir / "公安局"
    write_xlsx(inbox / "公安局_2025Q3.xlsx", [HEADER, *GOOD_ROWS])
    ingest(res_db)
    before = snapshot(res_db)
    bad = write_xlsx(inbox / "公安局_2025Q3_v2.xlsx", [TITLE, HEADER, ["东城县", 105, 12], *GOOD_ROWS[1:]])
    [outcome] = ingest(res_db).outcomes
    assert outcome.status == "rejected"
    assert snapshot(res_db) == before
    rejected = rows_of(res_db, Submission)[-1]
    assert (rejected.status, rejected.error_count, rejected.value_count) == ("rejected", 1, 0)
    [problem] = [p for p in rows_of(res_db, SubmissionProblem) if p.submission_id == rejected.id]
    assert (problem.rule, problem.cell, problem.unit, problem.value) == ("out_of_range", "B3", "东城县", "105")
    report = res_db.workspace / "out" / "2025Q3" / "问题清单" / "GA" / "公安局_2025Q3_v2_问题清单.xlsx"
    assert outcome.problem_report == report and rejected.problem_report == str(report.relative_to(res_db.workspace))
    wb = load_workbook(report)
    copy = wb["Sheet1"]
    assert copy["B3"].value == 105 and copy["B3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "0 至 100" in copy["B3"].comment.text
    listing = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=HEADER_ROW)]
    assert listing[0] == ["文件", "工作表", "单元格", "单位", "指标", "填报值", "应为", "问题说明"]
    assert listing[1][:7] == [bad.name, "Sheet1", "B3", "东城县", "涉政风险隐患排查处置率", "105", "0 至 100"]


def test_value_far_from_history_is_a_warning(res_db):
    inbox = res_db.settings.inbox_dir / "公安局"
    write_xlsx(inbox / "公安局_2025Q2.xlsx", [HEADER, *GOOD_ROWS])
    ingest(res_db)
    write_xlsx(inbox / "公安局_2025Q3.xlsx", [HEADER, ["东城县", 95.5, 60], *GOOD_ROWS[1:]])
    [outcome] = ingest(res_db).outcomes
    assert outcome.status == "accepted"
    assert [(p.rule, p.cell, p.value) for p in outcome.problems] == [("value_jump", "C2", "60")]
    assert "5.00 倍" in outcome.problems[0].message


def test_flow_style_discover_then_process_file_and_dotted_file_name(res_db):
    name = "..\\..\\公安局_2025Q3.csv"
    write_csv(res_db.settings.inbox_dir / "公安局" / name, [HEADER, ["东城县", "=cmd|' /C calc'!A0", "1"]])
    [found] = discover(res_db)
    assert found.department_hint == "公安局" and found.path.name == name
    outcome = process_file(res_db, found, Validator())
    assert outcome.status == "rejected" and ("non_numeric", "B2") in {(p.rule, p.cell) for p in outcome.problems}
    out = (res_db.workspace / "out").resolve()
    assert outcome.problem_report.resolve().is_relative_to(out / "2025Q3" / "问题清单" / "GA")
    cell = load_workbook(outcome.problem_report)["问题清单"][f"F{HEADER_ROW + 1}"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"
    assert process_file(res_db, found, Validator()).status == "duplicate"


def _cli(res, *args):
    from typer.testing import CliRunner

    import kaoping.cli.commands  # noqa: F401
    from kaoping.cli.app import app

    return CliRunner().invoke(app, ["-w", str(res.workspace), "--db", res.settings.database_url, *args])


def test_template_round_trip_through_the_cli(res_db, tmp_path):
    made = _cli(res_db, "template", "--period", "2025Q3", "--department", "公安局", "--out", str(tmp_path / "t"))
    assert made.exit_code == 0, made.output
    [template] = list((tmp_path / "t").glob("*.xlsx"))
    wb = load_workbook(template)
    ws = wb["填报表"]
    assert [ws.cell(3, c).value for c in range(1, 5)] == ["单位代码", "单位名称", "涉政风险隐患排查处置率", "刑事案件立案数"]
    assert ws.protection.sheet and not ws["C5"].protection.locked and ws["A5"].protection.locked
    assert wb["_meta"].sheet_state == "hidden"
    validations = {str(dv.sqref): dv.type for dv in ws.data_validations.dataValidation}
    assert validations == {"C5:C7": "decimal", "D5:D7": "whole"}
    for r, (a, b) in enumerate([(95.5, 12), (88, 3), (100, 0)], start=5):
        ws.cell(r, 3, a), ws.cell(r, 4, b)
    target = res_db.settings.inbox_dir / "公安局" / template.name
    target.parent.mkdir(parents=True)
    wb.save(target)
    checked = _cli(res_db, "validate", str(target))
    assert checked.exit_code == 0, checked.output
    loaded = _cli(res_db, "ingest")
    assert loaded.exit_code == 0, loaded.output
    assert facts(res_db)[("U01", "C01-01")] == (95.5, "95.5", "C5")


def test_validate_reports_problems_and_builds_data_docs(res, tmp_path):
    bad = write_xlsx(tmp_path / "公安局_2025Q3.xlsx", [HEADER, ["东城县", "abc", 12], *GOOD_ROWS[1:]])
    result = _cli(res, "validate", str(bad), "--docs", str(tmp_path / "docs"))
    assert result.exit_code == 1
    assert "B2" in result.output and "将被退回" in result.output
    assert (tmp_path / "docs" / "index.html").exists()
    assert any((tmp_path / "docs" / "validations").rglob("*.html"))
    with res.warehouse.session() as s:
        assert s.execute(text("SELECT count(*) FROM submission")).scalar_one() == 0


def test_ingest_exit_code_is_one_when_a_file_is_rejected(res):
    write_xlsx(res.settings.inbox_dir / "公安局" / "公安局_2025Q3.xlsx", [HEADER, ["北城县", 90, 1]])
    result = _cli(res, "ingest")
    assert result.exit_code == 1 and "退回" in result.output


def test_files_validated_in_one_gx_run_keep_their_own_problems_and_order(res_db, validator, monkeypatch):
    import kaoping.stages.intake as intake

    inbox = res_db.settings.inbox_dir / "公安局"
    write_xlsx(inbox / "公安局_2025Q2.xlsx", [HEADER, *GOOD_ROWS])
    write_csv(inbox / "公安局_2025Q3.csv", [HEADER, ["东城县", 95.5, 60], ["北城县", 1, 1], ["西城区", 101, 2.5]])
    write_xlsx(res_db.settings.inbox_dir / "司法局" / "司法局_2025Q3.xlsx", [["单位名称", "矛盾纠纷化解率"], ["东城县", 90]])
    files = sorted(discover(res_db), key=lambda f: f.path.name)
    monkeypatch.setattr(intake, "ROWS_PER_RUN", 10 ** 9)  # all three in one GX run
    runs = len(validator.results)
    first, second, third = intake.process_files(res_db, files, validator)
    assert len(validator.results) == runs + 1
    assert first.status == "accepted" and not first.problems
    assert second.status == "rejected"
    assert [(p.rule, p.cell or p.unit) for p in second.problems] == [
        ("unit_unknown", "A3"), ("units_missing", "南湖县(市)"), ("out_of_range", "B4"), ("not_integer", "C4"),
        ("value_jump", "C2")]  # the jump check saw the first file, loaded before it
    assert third.status == "accepted" and {p.unit for p in third.problems} == {"西城区", "南湖县(市)"}
    assert [p.unit for p in third.problems] == ["西城区", "南湖县(市)"]  # registry order
