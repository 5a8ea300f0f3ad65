"""The benchmark's generated workload: a valid catalog using every method, files of every shape."""
from __future__ import annotations

from collections import Counter

import pytest
from python_calamine import CalamineWorkbook

from benchmarks.catalog_gen import indicator_points
from benchmarks.measure import Measurement
from benchmarks.report import limit_check, ratio
from benchmarks.sheets import file_plan
from benchmarks.workload import Workload, unit_table, workload_catalog
from benchmarks.workspace_gen import generate_workspace, inbox_files

TINY = Workload(units=12, indicators=40, departments=4, quarters=2)


def test_full_size_catalog_uses_every_method_and_parses():
    catalog = workload_catalog(Workload(units=10))
    scored = [i for c in catalog.categories for i in c.indicators]
    assert len(catalog.all_indicators()) == 200
    assert {(i.method, i.direction) for i in scored} >= {
        ("threshold", "higher_better"), ("threshold", "lower_better"), ("relative", "higher_better"),
        ("relative", "lower_better"), ("rank", "higher_better"), ("rank", "lower_better"), ("deduction", None)}
    assert any(i.method == "relative" and i.base for i in scored)
    assert {i.missing for i in catalog.all_indicators()} >= {"previous", "exclude"}
    assert any(i.derived and i.derived.ratio for i in scored) and any(i.derived and i.derived.yoy for i in scored)
    assert len(catalog.bonus) == 3 and len(catalog.penalties) == 3 and len(catalog.vetoes) == 2
    assert catalog.rank_within == "group" and len(catalog.tie_breakers) == 2
    assert catalog.grades[0].max_share == 0.3
    assert sum(c.points for c in catalog.categories) == 100


@pytest.mark.parametrize("count, expected", [(4, [25, 25, 25, 25]), (3, [33.5, 33.25, 33.25]),
                                             (184, [0.75] * 32 + [0.5] * 152)])
def test_indicator_points_are_quarter_steps_adding_up_to_full_marks(count, expected):
    assert indicator_points(count) == expected


def test_units_are_unique_and_grouped():
    units = unit_table(20000)
    assert units["code"].is_unique and units["name"].is_unique
    assert list(units["group"][:5]) == ["一类地区", "二类地区", "三类地区", "四类地区", "一类地区"]


def test_file_plan_mixes_formats_and_makes_a_fifth_messy():
    plans = [file_plan(d, q) for d in range(25) for q in range(1, 5)]
    assert sum(messy for _fmt, messy in plans) == 20
    assert {fmt.split(":")[0] for fmt, messy in plans if messy} == {"xlsx", "xls", "csv"}
    assert Counter(fmt for fmt, _ in plans)["csv:gbk"] == 10


def test_generated_workspace_holds_every_file_in_its_shape(tmp_path):
    ws = generate_workspace(TINY, tmp_path / "ws", workers=1)
    files = inbox_files(ws)
    # k = department·4 + quarter − 1 ∈ {0,1,4,5,8,9,12,13}: formats xlsx×4, csv×3, xls×1; messy k=0 and k=5
    assert Counter(p.suffix for p in files) == {".xlsx": 4, ".csv": 3, ".xls": 1}
    messy = sorted(p.name for p in files if "报送表" in p.name)
    assert messy == ["省公安厅2025年第一季度平安建设指标报送表.xlsx", "省司法厅2025年第二季度平安建设指标报送表.csv"]
    rows = CalamineWorkbook.from_path(str(ws / "inbox" / "GA" / messy[0])).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "2025年第一季度省公安厅平安建设考评指标报送表"
    assert rows[2][:3] == ["序号", "单位名称", "报送指标"]
    assert [r[1] for r in rows[4:16]] == list(unit_table(12)["name"])
    assert rows[17][1] == "合计" and rows[-3][0] == "联系电话：0571-87654321"
    assert any(isinstance(v, str) and "％" in v for v in rows[7])  # row 4 (index 3) is full-width
    gbk = (ws / "inbox" / "SF" / messy[1]).read_bytes()
    assert "合计".encode("gbk") in gbk
    assert (ws / "bench-replacement" / "省公安厅_2025Q2_更正.xlsx").exists()


def _m(seconds, status="ok"):
    return Measurement("k", "label", status=status, seconds=seconds)


@pytest.mark.parametrize("top, bottom, limit, at_most, value, bound, met", [
    (_m(30), _m(10), 3, True, 3.0, "=", True),
    (_m(31), _m(10), 3, True, 3.1, "=", False),
    (_m(300, "timed out"), _m(20), 10, False, 15.0, "≥", True),   # at least 15×: meets ≥ 10
    (_m(100, "timed out"), _m(20), 10, False, 5.0, "≥", None),    # at least 5×: undecided
    (_m(100), _m(20, "timed out"), 10, False, 5.0, "≤", False),   # at most 5×: misses ≥ 10
    (_m(100), _m(None, "failed"), 3, True, None, "=", None),
])
def test_ratio_reports_bounds_when_a_step_timed_out(top, bottom, limit, at_most, value, bound, met):
    fig = ratio("r", "r", top, bottom, limit, at_most)
    assert (fig.value, fig.bound, fig.met) == (pytest.approx(value) if value else None, bound, met)


def test_a_timed_out_cold_run_only_fails_the_limit_once_past_it():
    assert limit_check("c", "c", _m(39, "timed out"), 60).met is None
    assert limit_check("c", "c", _m(61, "timed out"), 60).met is False
    assert limit_check("c", "c", _m(59), 60).met is True
