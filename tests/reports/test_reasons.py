"""Points lost in words, and method notes: given → expected, worked out by hand."""
from __future__ import annotations

import pytest

from kaoping.reports.reasons import competition_rank, loss_reason, method_note
from kaoping.reports.words import number_text, quantity_text
from kaoping.sources.catalogs import parse_catalog

CATALOG = """\
catalog: {code: r-2025, name: 2025年度测试考评, year: 2025, assessed_kind: county, full_marks: 100,
          missing: previous, grades: [{name: 合格, min_score: 60}, {name: 不合格}], veto_grade: 不合格}
categories:
  - code: C01
    name: 治安
    points: 100
    indicators:
      - {code: HI, name: 处置率, unit: "%", source: GA, method: threshold, direction: higher_better,
         points: 30, target: 95, floor: 80}
      - {code: LO, name: 发案率, unit: 起/万人, source: GA, method: threshold, direction: lower_better,
         points: 20, target: 2, ceiling: 5}
      - {code: RK, name: 破案数, unit: 起, source: GA, method: rank, direction: higher_better,
         points: 20, step: 2, min_points: 4}
      - {code: DD, name: 事故, unit: 起, source: GA, method: deduction, points: 30, per: 1.5, missing: exclude}
penalties:
  - {code: P01, name: 迟报, unit: 次, source: GA, per: 0.5, cap: 2}
"""
CAT = parse_catalog(CATALOG, departments={"GA"})
IND = {i.code: i for i in CAT.all_indicators()}


@pytest.mark.parametrize("code, value, score, flags, peers, expected", [
    ("HI", 90.0, 20.0, "", (), "未达目标值 95%（实际 90%）"),
    ("HI", 80.0, 0.0, "", (), "未达下限 80%（实际 80%），不得分"),
    ("HI", 96.0, 30.0, "", (), ""),
    ("HI", 90.0, 20.0, "沿用上期", (), "沿用上期（2025Q2）数值；未达目标值 95%（实际 90%）"),
    ("HI", None, 0.0, "缺报", (), "缺报，计 0 分"),
    ("LO", 3.5, 10.0, "", (), "高于目标值 2 起/万人（实际 3.5 起/万人）"),
    ("LO", 6.0, 0.0, "", (), "达到上限 5 起/万人（实际 6 起/万人），不得分"),
    ("RK", 7.0, 16.0, "", (9.0, 8.0, 8.0, 7.0, 3.0), "位次赋分：第 4 位（共 5 个单位）"),
    ("DD", 2.0, 27.0, "", (), "发生 2 起扣 3 分"),
    ("DD", None, None, "不计分", (), "缺报，不计分（总分按其余指标折算）"),
    ("P01", 3.0, 1.5, "", (), "扣 1.5 分（3 次）"),
    ("P01", 0.0, 0.0, "", (), ""),
])
def test_loss_reason(code, value, score, flags, peers, expected):
    ind = IND[code]
    assert loss_reason(ind, value, score, ind.points, flags, "2025Q2", peers) == expected


@pytest.mark.parametrize("code, expected", [
    ("HI", "达标赋分：≥95% 得满分，≤80% 得 0 分，其间按比例计分；缺报沿用上期数值"),
    ("LO", "达标赋分：≤2 起/万人 得满分，≥5 起/万人 得 0 分，其间按比例计分；缺报沿用上期数值"),
    ("RK", "位次赋分：第 1 名得满分，每后一位减 2 分，最低 4 分（越高越好）；缺报沿用上期数值"),
    ("DD", "扣分：每 1 起扣 1.5 分，扣完为止；缺报不计分并折算"),
    ("P01", "扣分：每 1 次从总分扣 0.5 分，最多扣 2 分"),
])
def test_method_note(code, expected):
    assert method_note(IND[code], CAT) == expected


def test_numbers_and_ranks():
    assert [number_text(v) for v in (2.0, 2.675, 0.1 + 0.2, -0.001)] == ["2", "2.68", "0.3", "0"]
    assert quantity_text(95.5, "%") == "95.5%" and quantity_text(2, "起") == "2 起"
    assert competition_rank(8.0, [9.0, 8.0, 8.0, 7.0], higher_better=True) == 2
    assert competition_rank(8.0, [9.0, 8.0, 8.0, 7.0], higher_better=False) == 2
    assert competition_rank(7.0, [9.0, 8.0, 8.0, 7.0], higher_better=False) == 1
