"""Adjustments as typed (one, or a sheet): resolved by code, name or alias, checked like a sent value,
and a sheet with any bad row is refused whole, each problem naming file, sheet, row and cell."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from kaoping.sources.adjustments import AdjustmentError, read_sheet, resolve
from kaoping.sources.catalogs import parse_catalog
from kaoping.sources.registry import Registry, load_departments, load_units

CATALOG = """
catalog: {code: t-2025, name: 测试考评, year: 2025, assessed_kind: county, full_marks: 100,
  grades: [{name: 合格, min_score: 60}, {name: 不合格}]}
categories:
  - {code: C1, name: 治安, points: 100, indicators: [
      {code: I1, name: 破案率, unit: "%", source: GA, method: threshold, direction: higher_better, points: 60,
       target: 100, floor: 40, range: [0, 100], aliases: [命案破案率]},
      {code: I2, name: 纠纷数, unit: 起, source: GA, integer: true, method: deduction, points: 20, per: 10},
      {code: I3, name: 每万人案件数, method: relative, direction: lower_better, points: 20,
       derived: {ratio: [CR, POP], scale: 1}}]}
inputs:
  - {code: CR, name: 案件数, source: GA}
  - {code: POP, name: 常住人口, source: GA}
"""
UNITS = "code,name,kind,parent,group,aliases,valid_from,valid_to\nA,甲县,county,,,甲,,\nB,乙县,county,,,,,\nT,某镇,town,,,,,\n"


@pytest.fixture
def registry(tmp_path):
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "departments.csv").write_text("code,name,aliases\nGA,公安局,\n", encoding="utf-8")
    return Registry(load_units(tmp_path / "units.csv"), load_departments(tmp_path / "departments.csv"))


@pytest.fixture
def catalogs():
    return [parse_catalog(CATALOG, departments={"GA"})]


def test_one_adjustment_by_names_and_typed_values(registry, catalogs):
    r = resolve(registry, catalogs, "2025Q1", "甲", "命案破案率", "９５．５％", "核实更正", "张三", "kaoping adjust")
    assert (r.period, r.catalog_code, r.unit_code, r.indicator_code, r.value) == ("2025Q1", "t-2025", "A", "I1", 95.5)
    assert (r.unit_name, r.indicator_name, r.reason, r.author) == ("甲县", "破案率", "核实更正", "张三")
    assert resolve(registry, catalogs, "2025Q1", "B", "POP", "12.5", "x", "y", "s").value == 12.5  # an input


@pytest.mark.parametrize("unit, indicator, value, reason, message", [
    ("丙县", "I1", "90", "r", "单位“丙县”不在单位登记表中"),
    ("某镇", "I1", "90", "r", "不是 2025Q1 按 t-2025 考评的单位"),
    ("A", "I9", "90", "r", "指标“I9”不在 2025Q1 的考评细则中"),
    ("A", "I3", "9", "r", "由公式计算，不能直接调整，请调整其来源指标 CR、POP"),
    ("A", "I1", "九十", "r", "调整数值“九十”不是数值"),
    ("A", "I1", "120", "r", "超出该指标的取值范围 [0, 100]"),
    ("A", "I2", "1.5", "r", "应为整数"),
    ("A", "I1", "90", "  ", "必须填写调整原因"),
])
def test_what_cannot_be_adjusted_is_refused_with_a_reason(registry, catalogs, unit, indicator, value, reason, message):
    with pytest.raises(AdjustmentError) as err:
        resolve(registry, catalogs, "2025Q1", unit, indicator, value, reason, "张三", "kaoping adjust")
    assert message in err.value.problems[0] and " / " in err.value.problems[0]


def _sheet(path, rows, header=("单位", "指标", "数值", "原因", "调整人")):
    wb = Workbook()
    ws = wb.active
    ws.title = "调整"
    ws.append(["2025年第一季度人工调整表"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def test_a_sheet_of_adjustments(tmp_path, registry, catalogs):
    path = _sheet(tmp_path / "adjustments.xlsx", [("甲县", "I1", 96, "复核", "李四"), ("乙县", "纠纷数", "3起", "复核", None)])
    got = read_sheet(path, registry, lambda p: catalogs, "2025Q1", "王五")
    assert [(r.unit_code, r.indicator_code, r.value, r.author) for r in got] == [("A", "I1", 96.0, "李四"),
                                                                                 ("B", "I2", 3.0, "王五")]
    assert got[0].source == "adjustments.xlsx 调整 第3行"


def test_a_sheet_with_bad_rows_is_refused_whole_naming_each(tmp_path, registry, catalogs):
    path = _sheet(tmp_path / "adjustments.xlsx", [("甲县", "I1", 96, "复核", "李四"), ("丙县", "I1", 90, "复核", "李四"),
                                                  ("乙县", "I1", None, "复核", "李四")])
    with pytest.raises(AdjustmentError) as err:
        read_sheet(path, registry, lambda p: catalogs, "2025Q1", "王五")
    assert len(err.value.problems) == 2
    assert err.value.problems[0].startswith("adjustments.xlsx 调整 第4行：单位“丙县”不在单位登记表中")
    assert "第5行：数值（C5）未填写" in err.value.problems[1]


def test_a_csv_sheet_with_its_own_periods(tmp_path, registry, catalogs):
    path = tmp_path / "adjustments.csv"
    path.write_text("期间,单位,指标,数值,原因,调整人\n2025Q2,甲县,I1,96,复核,李四\n", encoding="gb18030")
    got = read_sheet(path, registry, lambda p: catalogs, None, "王五")
    assert [(r.period, r.unit_code, r.value) for r in got] == [("2025Q2", "A", 96.0)]


def test_a_sheet_without_the_header_is_refused(tmp_path, registry, catalogs):
    path = _sheet(tmp_path / "x.xlsx", [("甲县", "I1")], header=("名称", "项目"))
    with pytest.raises(AdjustmentError, match="未找到表头"):
        read_sheet(path, registry, lambda p: catalogs, "2025Q1", "王五")
