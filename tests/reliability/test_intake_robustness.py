"""Issue 19: anything wrong with one file stays that file's (a recorded rejection) while intake goes
on: long names, reader faults, files that kill or outrun their worker; problem lists capped."""
from __future__ import annotations

import time
from functools import partial

import pandas as pd
import pytest
from openpyxl import load_workbook

from hostile_files import CSV_HEADER, CSV_ROWS, good_csv, inbox_path
import worker_helpers
from kaoping.stages import workers
from kaoping.stages.intake import discover, ingest


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
