"""The flows' small pure helpers: period ranges, touched periods, artifact content."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from kaoping.stages.artifacts import artifact_key, extremes, intake_markdown, outputs_markdown, ranking_table
from kaoping.scoring.periods import backfill_periods
from kaoping.stages.intake import touched_periods


@pytest.mark.parametrize("first, last, grain, expected", [
    ("2024Q3", "2025Q2", None, ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]),
    ("2024", "2025", "quarter", ["2024Q1", "2024Q2", "2024Q3", "2024Q4",
                                 "2025Q1", "2025Q2", "2025Q3", "2025Q4"]),
    ("2024-11", "2025-02", None, ["2024-11", "2024-12", "2025-01", "2025-02"]),
    ("2024-05", "2024-08", "quarter", ["2024Q2", "2024Q3"]),
    ("2024Q2", "2025Q1", "year", ["2024", "2025"]),
])
def test_backfill_periods(first, last, grain, expected):
    assert backfill_periods(first, last, grain) == expected


@pytest.mark.parametrize("first, last, message", [("2025Q5", "2025Q4", "bad period"),
                                                   ("2025Q2", "2025Q1", "is after")])
def test_backfill_periods_refused(first, last, message):
    with pytest.raises(ValueError, match=message):
        backfill_periods(first, last)


@dataclass
class Outcome:
    path: str
    status: str
    period: str | None
    department: str | None = "GA"
    problems: list = field(default_factory=list)


@dataclass
class Problem:
    severity: str
    message: str


def test_touched_periods_are_accepted_ones_in_time_order():
    outcomes = [Outcome("a.xlsx", "accepted", "2025Q1"), Outcome("b.xlsx", "accepted", "2024"),
                Outcome("c.xlsx", "rejected", "2023Q4"), Outcome("d.xlsx", "accepted", "2024Q4"),
                Outcome("e.xlsx", "accepted", "2025Q1"), Outcome("f.xlsx", "duplicate", "2022")]
    assert touched_periods(outcomes) == ["2024Q4", "2024", "2025Q1"]


def test_intake_markdown_lists_files_reasons_and_missing():
    bad = Outcome("inbox/GA/公安局_2025Q1.xlsx", "rejected", "2025Q1",
                  problems=[Problem("warning", "跳过合计行"), Problem("error", "C7 数值 abc 不是数字"),
                            Problem("error", "单位 X县 不在名单|中")])
    text = intake_markdown([Outcome("inbox/SF/司法局.xlsx", "accepted", "2025Q1", "SF"), bad],
                           {"2025Q1": ["WX", "TJ"], "2024Q4": []})
    lines = text.splitlines()
    assert "| 司法局.xlsx | SF | 2025Q1 | 已接收 |  |" in lines
    assert "| 公安局\\_2025Q1.xlsx | GA | 2025Q1 | 已退回 | C7 数值 abc 不是数字；单位 X县 不在名单\\|中 |" in lines
    assert "- 未报送（2025Q1）：WX、TJ" in lines
    assert "- 2024Q4 各部门均已报送。" in lines


def test_intake_markdown_without_files():
    assert "收件箱中没有新文件。" in intake_markdown([], {})


def _ranking(n: int) -> pd.DataFrame:
    return pd.DataFrame({"rank": range(1, n + 1), "unit_code": [f"U{i:02d}" for i in range(1, n + 1)],
                         "unit_name": [f"单位{i}" for i in range(1, n + 1)], "group": [None] * n,
                         "total": [100 - i * 1.005 for i in range(n)], "grade": ["良好"] * n,
                         "rank_change": [None] + [1] * (n - 1), "alerts": [""] * n})


def test_extremes_keeps_top_and_bottom_five():
    shown = extremes(_ranking(13))
    assert shown["unit_code"].tolist() == ["U01", "U02", "U03", "U04", "U05",
                                           "U09", "U10", "U11", "U12", "U13"]
    assert shown["position"].tolist() == ["前列"] * 5 + ["末位"] * 5


def test_extremes_of_a_short_ranking_is_all_of_it():
    assert extremes(_ranking(10))["unit_code"].tolist() == [f"U{i:02d}" for i in range(1, 11)]


def test_ranking_table_rows():
    ranking = _ranking(3).assign(is_vetoed=[False, False, True])
    rows = ranking_table(ranking)
    assert rows[0] == {"排名": 1, "单位代码": "U01", "单位": "单位1", "分组": "", "总分": "100.00",
                       "等次": "良好", "一票否决": "", "排名变化": "", "预警": ""}
    assert rows[2]["总分"] == "97.99" and rows[2]["排名变化"] == 1 and rows[2]["一票否决"] == "否决"
    long = ranking_table(_ranking(13).assign(is_vetoed=False))
    assert all(k for row in long for k in row) and [r["位置"] for r in long] == ["前列"] * 5 + ["末位"] * 5


def test_artifact_key_is_lowercase_dashes():
    assert artifact_key("ranking", "demo-county-2025", "2025Q3") == "ranking-demo-county-2025-2025q3"
    assert artifact_key("outputs", "2025-09") == "outputs-2025-09"


def test_outputs_markdown_links(tmp_path: Path):
    a, b = tmp_path / "排名" / "x.xlsx", tmp_path / "rankings.csv"
    text = outputs_markdown("2025Q1", [b, a])
    assert text.splitlines()[0] == "## 2025Q1 输出文件"
    assert f"- [x.xlsx]({a.resolve().as_uri()})" in text and "- [rankings\\_" not in text
    assert text.index("rankings.csv") < text.index("x.xlsx")  # sorted by path


def test_outputs_markdown_gives_a_folder_of_many_files_as_one_link(tmp_path: Path):
    feedback = [tmp_path / "反馈" / f"U{k:04d}_单位.xlsx" for k in range(2000)]
    ranking = tmp_path / "排名" / "x.xlsx"
    text = outputs_markdown("2025Q1", [*feedback, ranking])
    assert f"- [反馈/]({(tmp_path / '反馈').resolve().as_uri()})：2000 个文件" in text
    assert f"- [x.xlsx]({ranking.resolve().as_uri()})" in text
    assert "U0001" not in text and len(text.encode()) < 1000
