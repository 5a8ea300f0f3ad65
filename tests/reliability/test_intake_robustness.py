"""Issue 19: a file is read only when complete, every format reports what it cannot read for its cell,
and anything wrong with one file stays that file's (recorded rejection or skip) while intake goes on."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import hostile_files as hf
from hostile_files import inbox_path
import worker_helpers
from kaoping.stages import workers
from kaoping.stages.resources import Resources
from kaoping.sources import discovery
from kaoping.stages.intake import discover, examine_file, ingest, process_files, scan

CSV_HEADER = ",".join(hf.HEADER)
CSV_ROWS = [",".join(str(v) for v in row) for row in hf.GOOD_ROWS]


def good_csv(res, name: str = f"{hf.NAME}.csv") -> Path:
    path = inbox_path(res, name)
    path.write_text("\n".join([CSV_HEADER, *CSV_ROWS]) + "\n", encoding="utf-8")
    return path


def values_of(exam) -> dict:
    return {(r.unit_code, r.indicator_code): None if pd.isna(r.value) else float(r.value)
            for r in exam.values.itertuples()}


def errors_of(exam) -> list:
    return [p for p in exam.problems if p.severity == "error"]


# ---- item 1: a file still being written ---------------------------------------------------------

def test_a_slow_writer_is_left_alone_until_it_is_done(tmp_path, monkeypatch, validator):
    monkeypatch.delenv("KAOPING_INTAKE_SETTLE_S")
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "settle_s = 0.6"), f"sqlite:///{tmp_path / 'w.db'}")
    path = inbox_path(resources, f"{hf.NAME}_更正.csv")
    path.write_text(CSV_HEADER + "\n" + CSV_ROWS[0] + "\n", encoding="utf-8")
    done, looking = threading.Event(), threading.Event()
    real = discovery.complete_files

    def complete_files(*args, **kwargs):
        looking.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(discovery, "complete_files", complete_files)

    def write_slowly() -> None:
        """Blank lines (harmless) while the intake has not looked yet and for 1.5 s after, then the rest."""
        deadline = None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)
            with path.open("a", encoding="utf-8") as fh:
                fh.write("\n")
            if deadline is None and looking.is_set():
                deadline = time.monotonic() + 1.5
        for line in CSV_ROWS[1:]:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        done.set()

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        during = ingest(resources)
    finally:
        writer.join()
    assert done.is_set()
    assert [(o.status, [p.rule for p in o.problems]) for o in during.outcomes] == [("skipped", ["still_writing"])]
    assert not list(resources.settings.archive_dir.rglob("*.csv"))  # nothing of the half file kept

    after = ingest(resources)
    [outcome] = after.outcomes
    assert outcome.status == "accepted", outcome.problems
    final = path.read_bytes()
    assert outcome.sha256 == hashlib.sha256(final).hexdigest()
    [archived] = resources.settings.archive_dir.rglob("*.csv")
    assert archived.name == f"{outcome.sha256}.csv" and archived.read_bytes() == final
    with resources.warehouse.reading() as session:
        from sqlalchemy import func, select

        from kaoping.warehouse.models import FactValue
        assert session.scalar(select(func.count()).select_from(FactValue)) == len(hf.GOOD_VALUES)
    resources.close()


def test_a_file_that_changes_while_it_is_copied_is_not_archived(res):
    path = good_csv(res)
    before = os.lstat(path)
    path.write_text(path.read_text(encoding="utf-8") + "北城县,1,1\n", encoding="utf-8")  # after the look
    with pytest.raises(discovery.FileChanged):
        discovery.archive_copy(path, res.settings.archive_dir, before)
    assert not [p for p in res.settings.archive_dir.rglob("*") if p.is_file()]


def test_the_bytes_parsed_are_the_bytes_hashed_even_if_the_inbox_file_changes_after(res, validator):
    path = good_csv(res)
    [found] = discover(res)
    path.write_text(CSV_HEADER + "\n东城县,1,1\n", encoding="utf-8")  # rewritten after discovery
    [outcome] = list(process_files(res, [found], validator))
    assert outcome.status == "accepted"
    assert found.source.read_bytes() != path.read_bytes()
    assert hashlib.sha256(found.source.read_bytes()).hexdigest() == outcome.sha256


def test_the_settle_interval_is_configurable(tmp_path, monkeypatch):
    monkeypatch.delenv("KAOPING_INTAKE_SETTLE_S")
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "settle_s = 12.5"), f"sqlite:///{tmp_path / 'w.db'}")
    assert resources.settings.intake.settle_s == 12.5
    resources.close()
    from kaoping.core.config import IntakeSettings
    assert 1 <= IntakeSettings().settle_s <= 60


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


# ---- item 3: per-file isolation -----------------------------------------------------------------

def test_a_name_too_long_for_the_file_system_gets_a_shortened_problem_list(res, validator):
    long_name = "公安局_2025Q3_" + "更正" * 37 + ".csv"  # 243 bytes in UTF-8
    assert len(long_name.encode()) == 243
    bad = inbox_path(res, long_name)
    bad.write_text("\n".join([CSV_HEADER, "东城县,abc,12"]), encoding="utf-8")
    good_csv(res, "公安局_2025Q3_b.csv")
    report = ingest(res)
    statuses = sorted(o.status for o in report.outcomes)
    assert statuses == ["accepted", "rejected"]
    [rejected] = report.rejected
    assert rejected.problem_report.exists() and len(rejected.problem_report.name.encode()) <= 255
    assert rejected.problem_report.name.endswith("_问题清单.xlsx")
    load_workbook(rejected.problem_report).close()


def test_two_long_names_that_differ_at_the_end_keep_two_problem_lists():
    from kaoping.core.layout import safe_name

    a, b = safe_name("甲" * 120 + "一"), safe_name("甲" * 120 + "二")
    assert a != b and max(len(a.encode()), len(b.encode())) <= 150


def test_a_reader_exception_rejects_that_file_and_intake_goes_on(res, monkeypatch):
    from kaoping.sources import examine

    real = examine._located

    def located(book, lookup):
        if any("炸" in s for s in book.sheets):
            raise IndexError("list index out of range")
        return real(book, lookup)

    monkeypatch.setattr(examine, "_located", located)
    good_csv(res, "公安局_2025Q3_a.csv")
    inbox_path(res, "公安局_2025Q3_炸.csv").write_text("\n".join([CSV_HEADER, *CSV_ROWS]), encoding="utf-8")
    report = ingest(res)
    by_name = {o.path.name: o for o in report.outcomes}
    assert by_name["公安局_2025Q3_a.csv"].status == "accepted"
    crashed = by_name["公安局_2025Q3_炸.csv"]
    assert crashed.status == "rejected" and [p.rule for p in crashed.problems] == ["internal_error"]
    assert discover(res) == []  # recorded: not taken again


def _worker_ingest(res, monkeypatch, fn, timeout_s=None):
    monkeypatch.setattr(workers, "_validated_files", fn)
    prepare = partial(workers.prepared_files, str(res.workspace), res.settings.database_url, timeout_s=timeout_s)
    return ingest(res, prepare=prepare)


def test_a_file_that_kills_its_worker_is_refused_and_not_retried(res, monkeypatch):
    for name, rows in (("a", CSV_ROWS[:1]), ("炸", CSV_ROWS[:2]), ("b", CSV_ROWS), ("c", CSV_ROWS[1:])):
        inbox_path(res, f"公安局_2025Q3_{name}.csv").write_text("\n".join([CSV_HEADER, *rows]), encoding="utf-8")
    report = _worker_ingest(res, monkeypatch, worker_helpers.killed_by_bomb)
    by_name = {o.path.name: o for o in report.outcomes}
    killer = by_name["公安局_2025Q3_炸.csv"]
    assert killer.status == "rejected" and [p.rule for p in killer.problems] == ["worker_died"]
    assert "内存" in killer.problems[0].message and "不会自动重试" in killer.problems[0].message
    assert {n: o.status for n, o in by_name.items() if n != killer.path.name} == {
        "公安局_2025Q3_a.csv": "accepted", "公安局_2025Q3_b.csv": "accepted",
        "公安局_2025Q3_c.csv": "accepted"}
    assert discover(res) == []  # the killer is recorded as refused: never read again


def test_a_file_that_runs_past_its_time_is_refused(res, monkeypatch):
    good_csv(res, "公安局_2025Q3_a.csv")
    inbox_path(res, "公安局_2025Q3_慢.csv").write_text("\n".join([CSV_HEADER, *CSV_ROWS[:2]]), encoding="utf-8")
    started = time.monotonic()
    report = _worker_ingest(res, monkeypatch, worker_helpers.slow_on_snail, timeout_s=4)
    assert time.monotonic() - started < 60
    by_name = {o.path.name: o for o in report.outcomes}
    assert by_name["公安局_2025Q3_a.csv"].status == "accepted"
    slow = by_name["公安局_2025Q3_慢.csv"]
    assert slow.status == "rejected" and [p.rule for p in slow.problems] == ["too_slow"]


def test_a_memory_budget_refuses_the_file_instead_of_dying(res):
    with pytest.raises(MemoryError):
        with workers.memory_budget(64):
            bytearray(512 * 1024 * 1024)
    bytearray(128 * 1024 * 1024)  # restored afterwards


def test_an_odd_modification_time_counts_as_now(res, validator):
    path = good_csv(res)
    year_11476 = 299_970_000_000
    try:
        os.utime(path, (year_11476, year_11476))
    except (OverflowError, OSError):
        pass  # the file system cannot hold it: received_at below still is checked
    before = time.time()
    [found] = discover(res)
    assert before - 5 <= found.received_at.timestamp() <= time.time() + 1
    assert discovery.received_at(year_11476).year < 3000
    assert discovery.received_at(float("inf")).year < 3000


def test_a_file_deleted_after_discovery_is_still_read_from_its_copy(res, validator):
    first, second = good_csv(res, "公安局_2025Q3_a.csv"), inbox_path(res, "公安局_2025Q3_b.csv")
    second.write_text("\n".join([CSV_HEADER, *CSV_ROWS[:2]]), encoding="utf-8")
    found = discover(res)
    first.unlink()
    second.unlink()
    outcomes = list(process_files(res, found, validator))
    assert [o.status for o in outcomes] == ["accepted", "accepted"]


def test_a_file_vanishing_during_discovery_is_skipped_with_a_message(res, monkeypatch):
    good_csv(res)
    gone = inbox_path(res, "公安局_2025Q3_gone.csv")
    real = discovery.candidates
    monkeypatch.setattr(discovery, "candidates", lambda inbox: [gone, *real(inbox)])
    found = scan(res)
    assert [f.path.name for f in found.files] == [f"{hf.NAME}.csv"]
    [skipped] = found.skipped
    assert skipped.status == "skipped" and skipped.problems[0].rule == "vanished"
    assert "移走或删除" in skipped.problems[0].message


# ---- item 7: hardlinks and files outside the inbox ----------------------------------------------

def test_a_hardlink_is_refused_and_nothing_of_it_is_copied(res, tmp_path, validator):
    secret = tmp_path / "secret.csv"
    secret.write_text("单位名称,涉政风险隐患排查处置率\nroot:x:0:0,1\n", encoding="utf-8")
    os.link(secret, inbox_path(res, f"{hf.NAME}.csv"))
    good_csv(res, "公安局_2025Q3_b.csv")
    report = ingest(res)
    by_name = {o.path.name: o for o in report.outcomes}
    refused = by_name[f"{hf.NAME}.csv"]
    assert refused.status == "refused" and [p.rule for p in refused.problems] == ["hardlink"]
    assert "硬链接" in refused.problems[0].message
    assert by_name["公安局_2025Q3_b.csv"].status == "accepted"
    for folder in (res.settings.archive_dir, res.settings.out_dir):
        for f in folder.rglob("*"):
            assert not f.is_file() or b"root:x:0:0" not in f.read_bytes()
    assert report.rejected == [refused]  # the command exits 1 for it


def test_a_file_whose_real_path_is_outside_the_inbox_is_refused(res, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("x", encoding="utf-8")
    problem = discovery._refusal(outside, os.lstat(outside), Path(os.path.realpath(res.settings.inbox_dir)))
    assert problem.rule == "outside_inbox" and "收件箱以外" in problem.message


def test_an_inbox_that_is_a_link_to_a_share_still_reads(tmp_path, validator):
    ws = hf.make_workspace(tmp_path / "ws")
    share = tmp_path / "share"
    (ws / "inbox").rmdir()
    share.mkdir()
    (ws / "inbox").symlink_to(share, target_is_directory=True)
    resources = Resources.open(ws, f"sqlite:///{tmp_path / 'w.db'}")
    good_csv(resources)
    assert [o.status for o in ingest(resources).outcomes] == ["accepted"]
    resources.close()


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


def test_problem_lists_are_capped_with_the_total_stated(tmp_path, monkeypatch):
    from kaoping.reports import problem_list
    from kaoping.sources.problems import make_problem

    monkeypatch.setattr(problem_list, "MAX_LISTED", 30)
    problems = [make_problem("unit_unknown", "f.csv", "f", f"A{i}", unit=f"甲{i}") for i in range(2, 102)]
    path = problem_list.write_problem_list(tmp_path / "x_问题清单.xlsx", problems, None, None)
    ws = load_workbook(path)["问题清单"]
    last = problem_list.FIRST_ROW + 30  # the 30 listed problems, then the line with the total
    assert ws.max_row == last
    assert "共 100 条问题" in ws.cell(last, 8).value and "前 30 条" in ws.cell(last, 8).value


def test_console_problem_lists_are_capped_for_errors_too():
    from kaoping.cli.commands.intake import ERRORS_SHOWN, shown_problems
    from kaoping.sources.problems import make_problem

    errors = [make_problem("unit_unknown", "f.csv", "f", f"A{i}") for i in range(ERRORS_SHOWN * 3)]
    assert shown_problems(errors) == errors[:ERRORS_SHOWN]


def test_the_sheet_copy_of_a_problem_list_is_capped_with_the_total_stated(tmp_path, monkeypatch):
    from kaoping.reports import problem_list
    from kaoping.sources.problems import make_problem

    monkeypatch.setattr(problem_list, "MAX_COPIED", 10)
    grid = pd.DataFrame([("S", r, 1, f"A{r}", f"甲{r}", None, False) for r in range(1, 41)],
                        columns=["sheet", "row", "col", "cell", "value", "number_format", "uncached"])
    path = problem_list.write_problem_list(tmp_path / "x_问题清单.xlsx",
                                           [make_problem("unit_unknown", "f.csv", "S", "A2")], "S", grid)
    book = load_workbook(path)
    assert book["S"].max_row == 10
    listing = book["问题清单"]
    assert "共有 40 个" in listing.cell(listing.max_row, 8).value
