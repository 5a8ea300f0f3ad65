"""`validate` and `status` tables at 80 columns: nothing cut with "…", reasons below their row,
file/sheet/cell not repeated in the reason, departments and units by name and code."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from rich.console import Console

from kaoping.cli.commands.intake import problem_tables
from kaoping.cli.commands.orchestration import status_table
from kaoping.sources.problems import make_problem
from kaoping.sources.registry import Registry

FILE = "市公安局关于报送2025年第三季度平安建设考评数据的函（附件1）.xlsx"


def render(*renderables, width: int = 80) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    for r in renderables:
        console.print(r)
    return console.export_text().splitlines()


@pytest.fixture
def registry(tmp_path) -> Registry:
    (tmp_path / "units.csv").write_text("code,name,kind,parent,group,aliases,valid_from,valid_to\n"
                                        "QH08,白石镇（含原石门镇、青山乡）,town,,,白石,,\n", encoding="utf-8")
    (tmp_path / "departments.csv").write_text("code,name,aliases\nGA,市公安局,公安局\n", encoding="utf-8")
    (tmp_path / "recipients.csv").write_text("recipient,name,email\n", encoding="utf-8")
    return Registry.load(tmp_path)


def test_validate_problems_fit_80_columns_with_the_reason_below(registry):
    problems = [make_problem("non_numeric", FILE, "2025年三季度统计表", "C9", unit="白石镇（含原石门镇、青山乡）",
                             indicator="道路交通事故万车死亡率（按机动车保有量计算）", value="待统计", expected="数值"),
                make_problem("out_of_range", FILE, "2025年三季度统计表", "D12", unit="白石", indicator="命案现案破案率",
                             value="180", expected="0 至 100")]
    lines = render(*problem_tables(problems, registry, 80))
    text = "\n".join(lines)
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert "…" not in text
    assert lines[0] == FILE  # the file is named once, above its table
    assert text.count(FILE) == 1 and text.count("2025年三季度统计表") == 2
    assert "白石镇（含原石门" in text and "（QH08）" in text and "白石（QH08）" in text  # folded, not cut
    wide = "\n".join(render(*problem_tables(problems, registry, 200), width=200))
    assert "白石镇（含原石门镇、青山乡）（QH08）" in wide and "道路交通事故万车死亡率（按机动车保有量计算）" in wide
    reasons = [line.strip() for line in lines if line.startswith("    ") and line.strip()]
    assert "不是数值，应为 数值。" in reasons and "数值超出允许范围，应为 0 至 100。" in reasons
    assert not any("文件「" in r or "单元格" in r or "填报值" in r for r in reasons)


def test_status_fits_80_columns_with_department_names(registry):
    received = pd.DataFrame({
        "department_code": ["GA", "GA"], "file_name": ["公安局_2025Q3.xlsx", FILE],
        "received_at": [datetime(2025, 10, 3, 9, 15), datetime(2025, 10, 5, 17, 2)],
        "status": ["superseded", "rejected"], "rechecked_at": [None, None],
        "reasons": [[], [f"文件「{FILE}」工作表「表1」单元格 C9：单位「白石」 不是数值，填报值「待统计」，应为 数值。"]]})
    names = registry.departments.set_index("code")["name"].to_dict()
    lines = render(status_table("2025Q3", received, names, 80))
    text = "\n".join(lines)
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert "…" not in text and "市公安局（GA）" in text
    assert "公安局_2025Q3.xlsx" in text  # a file name that fits is never broken
    assert text.replace("\n", "").replace(" ", "").count(FILE.replace(" ", "")) == 1
    reason = next(line for line in lines if "不是数值" in line)
    assert reason.startswith("    ") and "文件「" not in reason and "工作表「表1」单元格 C9" in reason
    assert "已退回" in text and "已被替代" in text
