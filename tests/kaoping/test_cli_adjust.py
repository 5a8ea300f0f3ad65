"""`kaoping adjust` end to end (SQLite and PostgreSQL): recorded from the command line or a sheet,
scored into a new run, shown as 人工调整 in 指标明细, listed in 说明, explained in feedback; bad input
is one line, exit 2, and nothing recorded."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from kaoping.cli import commands  # noqa: F401  (registers the commands)
from kaoping.cli.app import app
from kaoping.stages.publishing import write_outputs
from kaoping.warehouse.models import Adjustment
from kaoping.stages.scoring import publish, score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
from report_kit import build_published  # noqa: E402


@pytest.fixture
def built(tmp_path, db_url):
    """report_kit's workspace, its hand-made 2025Q3 run left a draft (the engine scores anew)."""
    b = build_published(tmp_path / "ws", db_url, publish_q3=False)
    yield b
    b.res.close()


def _cli(res, *args: str):
    return CliRunner().invoke(app, ["-w", str(res.workspace), "--db", res.settings.database_url, *args])


def _count(res) -> int:
    with res.warehouse.session() as session:
        return session.scalar(select(func.count()).select_from(Adjustment))


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_an_adjustment_from_the_command_line_reaches_every_output(built):
    res = built.res
    result = _cli(res, "adjust", "--period", "2025Q3", "--unit", "南山县", "--indicator", "C01-01", "--value", "90",
                  "--reason", "公安局来函更正", "--by", "张三")
    assert result.exit_code == 0, result.output
    assert "已记录 1 项人工调整" in result.output and _count(res) == 1
    run_id = score(res, res.catalog("t-county-2025"), "2025Q3")
    publish(res, run_id)
    write_outputs(res, "2025Q3")
    out = res.workspace / "out" / "2025Q3"
    wb = load_workbook(out / "排名" / "t-county-2025_2025Q3_考评排名.xlsx")
    detail = next(r for r in _rows(wb["指标明细"]) if r[0] == "A03" and r[2] == "C01-01")
    assert detail[6] == 90 and detail[9] == "人工调整"  # 采用值, 标记
    notes = _rows(wb["说明"])
    listed = [r for r in notes if r[0] == "南山县（A03）"]
    assert any(r[0] and str(r[0]).startswith("人工调整（共 1 项") for r in notes)
    assert listed and listed[0][1].startswith("C01-01") and listed[0][2] in (None, "") and listed[0][3] == 90
    assert listed[0][4] == "公安局来函更正" and listed[0][5].startswith("张三，") and "kaoping adjust" in listed[0][5]
    feedback = _rows(load_workbook(out / "反馈" / "A03_南山县.xlsx").active)
    row = next(r for r in feedback if r[0] == "C01-01")
    assert row[3] == 90 and row[7].startswith("人工调整：90（原因：公安局来函更正；调整人：张三）")


def test_a_sheet_of_adjustments_is_recorded_whole_or_not_at_all(built, tmp_path):
    res = built.res
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "指标", "数值", "原因", "调整人"])
    ws.append(["东城区", "C01-01", 99, "复核", "李四"])
    ws.append(["无此区", "C01-01", 99, "复核", "李四"])
    wb.save(tmp_path / "adj.xlsx")
    bad = _cli(res, "adjust", "--period", "2025Q3", "--file", str(tmp_path / "adj.xlsx"))
    assert bad.exit_code == 2 and "单位“无此区”不在单位登记表中" in bad.output and "未记录" in bad.output
    assert "Traceback" not in bad.output and _count(res) == 0
    ws.delete_rows(3)
    wb.save(tmp_path / "adj.xlsx")
    good = _cli(res, "adjust", "--period", "2025Q3", "--file", str(tmp_path / "adj.xlsx"))
    assert good.exit_code == 0, good.output
    assert _count(res) == 1


@pytest.mark.parametrize("args, message", [
    (["--period", "2025Q3", "--unit", "东城区"], "请给出 --period"),
    (["--period", "2025Q9", "--unit", "东城区", "--indicator", "C01-01", "--value", "1", "--reason", "r"], "期间"),
    (["--period", "2025Q3", "--unit", "东城区", "--indicator", "C01-01", "--value", "150", "--reason", "r"],
     "超出该指标的取值范围"),
])
def test_usage_errors_are_one_line_exit_2(built, args, message):
    result = _cli(built.res, "adjust", *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert _count(built.res) == 0
