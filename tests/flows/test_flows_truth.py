"""What a run says it wrote is on disk, whatever happened to the files before (issue 12 item 2),
and a period waiting for a department is written, marked, and not sent (item 3)."""
from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from kaoping.flows.pipeline import backfill, nightly
from kaoping.scoring.deadlines import awaited_departments

SF_VALUES = [90, 85, 80, 75]


def quarter_values(period: str) -> list[float]:
    """公安局's values: differ by period, so no two files have the same bytes."""
    return [v + int(period[-1]) + (int(period[:4]) - 2024) for v in (90, 85, 75, 65)]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


def copies_in_outbox(root: Path) -> set[str]:
    """The output copies distributed to outbox/ (the departments' 回执 .eml files aside)."""
    return {name for name in files_under(root / "outbox") if not name.endswith(".eml")}


def leaders_files(period: str) -> set[str]:
    return {f"leaders/{period}/{name}" for name in (f"tiny-{period[:4]}_{period}_考评排名.xlsx",
                                                     f"tiny-{period[:4]}_{period}_通报.docx", "rankings.csv")}


def complete_quarter(tiny, period: str) -> None:
    """Both departments' files for the period (values differ by quarter: files differ in bytes)."""
    tiny.send(period, quarter_values(period))
    tiny.send(period, [v - int(period[-1]) for v in SF_VALUES], department="司法局")


def run(tiny):
    return nightly(workspace=str(tiny.root), database_url=tiny.database_url)


def test_deleted_period_folder_is_written_again_by_the_next_run(tiny):
    complete_quarter(tiny, "2024Q3")
    first = run(tiny)
    folder = tiny.root / "out" / "2024Q3"
    written = files_under(folder)
    assert len(first.outputs["2024Q3"]) == len(written) == 7  # ranking, 通报, 4 feedback, rankings.csv
    shutil.rmtree(folder)
    again = run(tiny)  # nothing new in the inbox: the files' absence is what is pending
    assert files_under(folder) == written
    assert [p for p in again.outputs["2024Q3"] if p.is_file()] == again.outputs["2024Q3"]


def test_rescore_after_deleting_outputs_writes_them(tiny):
    complete_quarter(tiny, "2024Q3")
    run(tiny)
    folder = tiny.root / "out" / "2024Q3"
    written = files_under(folder)
    shutil.rmtree(folder)
    summary = backfill(workspace=str(tiny.root), first="2024Q3", last="2024Q3", rescore_only=True,
                       database_url=tiny.database_url)
    assert files_under(folder) == written and len(summary.outputs["2024Q3"]) == len(written)


def test_workspace_recreated_at_the_same_path_gets_its_files(tiny, tmp_path, db_url):
    TinyWorkspace = type(tiny)  # noqa: N806  (the flows conftest's class, whatever conftest is first on sys.path)

    for attempt in range(2):
        root = tmp_path / "ws"
        if root.exists():
            shutil.rmtree(root)
        if db_url.startswith("sqlite"):
            Path(db_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        tiny = TinyWorkspace(root, db_url if not db_url.startswith("sqlite") else f"sqlite:///{root}.db")
        complete_quarter(tiny, "2024Q3")
        summary = run(tiny)
        assert len(files_under(root / "out" / "2024Q3")) == 7, attempt
        assert sum(p.is_file() for p in summary.outputs["2024Q3"]) == 7
        if not db_url.startswith("sqlite"):
            break  # one PostgreSQL schema per test: the warehouse is not re-created there


def test_restored_warehouse_rewrites_missing_files(tiny, tmp_path):
    complete_quarter(tiny, "2024Q3")
    run(tiny)
    if not tiny.database_url.startswith("sqlite"):
        return
    db = Path(tiny.database_url.removeprefix("sqlite:///"))
    backup = tmp_path / "backup.db"
    shutil.copy(db, backup)
    shutil.rmtree(tiny.root / "out")
    shutil.rmtree(tiny.root / "outbox")
    shutil.copy(backup, db)  # the warehouse restored from last night's backup, the folders lost
    summary = backfill(workspace=str(tiny.root), first="2024Q3", last="2024Q3", rescore_only=True,
                       database_url=tiny.database_url)
    assert len(files_under(tiny.root / "out" / "2024Q3")) == 7 == len(summary.outputs["2024Q3"])


def test_incomplete_period_is_written_marked_and_not_sent(tiny):
    tiny.send("2024Q3", quarter_values("2024Q3"))  # 公安局 only: 司法局 has not sent
    summary = run(tiny)
    assert summary.withheld == {"2024Q3": ("市司法局",)}
    ranking = tiny.root / "out" / "2024Q3" / "排名" / "tiny-2024_2024Q3_考评排名.xlsx"
    title = load_workbook(ranking, read_only=True)["排名总表"]["A1"].value
    assert title.startswith("【数据不完整，待报送：市司法局】")
    feedback = next((tiny.root / "out" / "2024Q3" / "反馈").glob("U1_*.xlsx"))
    assert "数据不完整" in load_workbook(feedback, read_only=True).worksheets[0]["A1"].value
    assert copies_in_outbox(tiny.root) == set()

    assert run(tiny).runs == {}  # nothing new: the withheld period is not redone every night
    tiny.send("2024Q3", SF_VALUES, department="司法局")
    done = run(tiny)
    assert done.withheld == {}
    assert copies_in_outbox(tiny.root) == leaders_files("2024Q3")
    title = load_workbook(ranking, read_only=True)["排名总表"]["A1"].value
    assert "数据不完整" not in title


def test_after_the_deadline_an_incomplete_period_goes_out_with_the_missing_named(tiny):
    toml = tiny.root / "kaoping.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("departments = {}", "departments = {GA = 10, SF = 10}"),
                    encoding="utf-8")  # 2024Q3's deadline: 2024-10-10, long past
    tiny.send("2024Q3", quarter_values("2024Q3"))  # 公安局 only: 司法局 never sent
    summary = run(tiny)
    assert summary.withheld == {}
    ranking = tiny.root / "out" / "2024Q3" / "排名" / "tiny-2024_2024Q3_考评排名.xlsx"
    assert load_workbook(ranking, read_only=True)["排名总表"]["A1"].value.startswith("【缺报：市司法局】")
    assert copies_in_outbox(tiny.root) == leaders_files("2024Q3")
    out = _status(tiny, "--period", "2024Q3")
    assert "缺报 / missing: 市司法局（SF）" in out and "报送截止日期已过" in out and "数据不完整" not in out


def test_outbox_keeps_every_period(tiny):
    for period in ("2024Q3", "2024Q4"):
        complete_quarter(tiny, period)
    run(tiny)
    assert copies_in_outbox(tiny.root) == leaders_files("2024Q3") | leaders_files("2024Q4")


def test_awaited_departments_is_expected_minus_accepted():
    assert awaited_departments({"GA", "SF", "XF"}, {"SF"}) == ["GA", "XF"]
    assert awaited_departments({"GA"}, {"GA", "ZFW"}) == []


def test_outputs_and_outbox_copies_are_readable_by_colleagues(tiny):
    import os
    import stat

    old = os.umask(0o022)
    try:
        complete_quarter(tiny, "2024Q3")
        run(tiny)
    finally:
        os.umask(old)
    files = [p for folder in ("out", "outbox", "archive") for p in (tiny.root / folder).rglob("*") if p.is_file()]
    assert len(files) > 8
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}


def _status(tiny, *args: str) -> str:
    from typer.testing import CliRunner

    from kaoping.cli import commands  # noqa: F401  (registers the commands)
    from kaoping.cli.app import app, console

    console.width = 300
    result = CliRunner().invoke(app, ["-w", str(tiny.root), "--db", tiny.database_url, "status", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_empty_indicator_column_warns_and_status_lists_it(tiny):
    tiny.send("2024Q3", quarter_values("2024Q3"))
    path = tiny.root / "inbox" / "SF" / "司法局_2024Q3.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("单位,调解成功率\n甲县,\n乙县,—\n丙县,\n丁县,\n", encoding="utf-8")
    summary = run(tiny)
    (sf,) = [o for o in summary.outcomes if Path(o.path).name == path.name]
    assert sf.status == "accepted"
    assert [(p.rule, p.severity, p.cell) for p in sf.problems] == [("indicator_empty", "warning", "B2")]
    out = _status(tiny, "--period", "2024Q3")
    assert "缺报指标（整列为空）/ indicators sent empty: 市司法局（SF）：调解成功率" in out
    assert "缺报 / missing: 无 / none" in out


def test_status_names_the_departments_awaited(tiny):
    tiny.send("2024Q3", quarter_values("2024Q3"))
    run(tiny)
    out = _status(tiny, "--period", "2024Q3")
    assert "缺报 / missing: 市司法局（SF）" in out and "数据不完整" in out


def test_a_rejected_file_is_examined_again_once_the_registry_is_fixed(tiny):
    path = tiny.send("2024Q3", quarter_values("2024Q3"))
    path.write_text(path.read_text(encoding="utf-8").replace("丁县", "丁县县"), encoding="utf-8")  # unknown name
    tiny.send("2024Q3", SF_VALUES, department="司法局")
    first = run(tiny)
    assert [o.status for o in first.outcomes if Path(o.path).name == path.name] == ["rejected"]
    assert run(tiny).outcomes == []  # same rules: the verdict stands, nothing is read again
    units = tiny.root / "units.csv"
    units.write_text(units.read_text(encoding="utf-8").replace("U4,丁县,county,,,,,", "U4,丁县,county,,,丁县县,,"),
                     encoding="utf-8")  # the office adds the name the department uses as an alias
    again = run(tiny)
    assert [(Path(o.path).name, o.status) for o in again.outcomes] == [(path.name, "accepted")], [p.message for o in again.outcomes for p in o.problems]
    assert list(again.runs) == ["2024Q3"]
    out = _status(tiny, "--period", "2024Q3")
    assert "已接收（已重新校验）" in out


def test_ingest_recheck_examines_a_rejected_file_again_and_refuses_an_accepted_one(tiny):
    from typer.testing import CliRunner

    from kaoping.cli import commands  # noqa: F401  (registers the commands)
    from kaoping.cli.app import app

    bad = tiny.send("2024Q3", [95, 90, "abc", 70])
    good = tiny.send("2024Q3", SF_VALUES, department="司法局")
    run(tiny)
    cli = ["-w", str(tiny.root), "--db", tiny.database_url, "ingest", "--recheck"]
    nothing = CliRunner().invoke(app, ["-w", str(tiny.root), "--db", tiny.database_url, "ingest"])
    assert nothing.exit_code == 0 and "退回" not in nothing.output
    rechecked = CliRunner().invoke(app, [*cli, str(bad)])
    assert rechecked.exit_code == 1 and bad.name in rechecked.output  # examined again: rejected again
    refused = CliRunner().invoke(app, [*cli, str(good)])
    assert refused.exit_code == 2 and "无需重新校验" in refused.output
    outside = CliRunner().invoke(app, [*cli, str(tiny.root / "units.csv")])
    assert outside.exit_code == 2 and "不是收件箱中的文件" in outside.output
