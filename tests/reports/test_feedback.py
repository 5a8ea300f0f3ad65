"""Per-unit feedback workbooks: summary, points lost and why, gaps, trend."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from kaoping.reports.fastxlsx import Template
from kaoping.reports.feedback import _indicator_values, feedback_context, feedback_layout, trend_axis
from kaoping.reports.feedback_render import openpyxl_render
from kaoping.stages.publishing import published_runs, write_outputs
from kaoping.reports.reasons import loss_reason
from kaoping.scoring.rounding import round2


def _feedback(published, name: str):
    write_outputs(published.res, "2025Q3")
    path = published.res.workspace / "out" / "2025Q3" / "反馈" / name
    return path, openpyxl.load_workbook(path)["考评反馈"]


def _summary(ws) -> dict:
    out = {}
    for row in ws.iter_rows(min_row=3, max_row=12, max_col=2, values_only=True):
        if row[0] is None:
            break
        out[row[0]] = row[1]
    return out


def _indicator_rows(ws) -> dict:
    return {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] and r[1] and r[0][:1] in "CBPV"}


def test_every_ranked_unit_gets_a_feedback_workbook(published):
    paths = write_outputs(published.res, "2025Q3")
    names = sorted(p.name for p in paths if p.parent.name == "反馈")
    assert names == ["A01_东城区.xlsx", "A02_西城区.xlsx", "A03_南山县.xlsx", "A04_北湖县.xlsx"]


def test_summary_gaps_and_reasons(published):
    _, ws = _feedback(published, "A02_西城区.xlsx")
    assert ws["A1"].value == "西城区2025年第三季度县(市、区)平安建设考评情况反馈"
    assert _summary(ws) == {"总分": 63.33, "名次": "3（共 4 个单位）", "等次": "合格", "名次变化": "↓2",
                            "与上一名差距": "落后上一名 北湖县 8.34 分",
                            "距上一等次": "距良好（80分）差 16.67 分", "预警": "等次下降"}
    rows = _indicator_rows(ws)
    assert rows["C01-01"] == ("C01-01", "涉政风险隐患排查处置率", "%", 95, 22.5, 30.0, 7.5,
                              "未达目标值 100%（实际 95%）")
    assert rows["C01-02"][3:] == (2, 8.0, 10.0, 2.0, "发生 2 起扣 2 分")
    assert rows["C02-01"][4:] == (33.33, 60.0, 26.67, "比较赋分：本单位 90%，最优 98%")
    assert rows["P01"][4] == -0.5 and rows["P01"][7] == "扣 0.5 分（1 次）"  # 扣分 −0.50, not 得分 0.50
    assert ws[f"E{[r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == 'P01'][0]}"].number_format == "0.00"
    assert rows["C01"][1:] == ("政治安全", None, None, 30.5, 40.0, 9.5, None)


def test_top_unit_missing_value_and_veto(published):
    _, top = _feedback(published, "A01_东城区.xlsx")
    summary = _summary(top)
    assert summary["与上一名差距"] == "已居首位" and summary["距上一等次"] == "已是最高等次"
    assert _indicator_rows(top)["B01"][7] == "加 1 分（1 项）"
    _, missing = _feedback(published, "A03_南山县.xlsx")
    assert _indicator_rows(missing)["C01-01"][3:] == (None, 0.0, 30.0, 30.0, "缺报，计 0 分")
    _, vetoed = _feedback(published, "A04_北湖县.xlsx")
    assert _summary(vetoed)["距上一等次"] == "因一票否决定为不合格"
    assert _indicator_rows(vetoed)["V01"][7] == "发生 1 起，一票否决"


def test_trend_table_and_line_chart(published):
    path, ws = _feedback(published, "A02_西城区.xlsx")
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "期间")
    trend = [tuple(c.value for c in ws[r][:4]) for r in range(header + 1, header + 3)]
    assert trend == [("2025Q2", 90.0, 1, "优秀"), ("2025Q3", 63.33, 3, "合格")]
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/charts/chart1.xml").decode()
    assert "<lineChart>" in xml
    assert '<smooth val="0"' in xml and '<smooth val="1"' not in xml  # straight segments
    assert '<min val="50"' in xml and '<max val="100"' in xml and '<majorUnit val="10"' in xml
    assert f"$B${header + 1}:$B${header + 2}" in xml
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.fitToWidth == 1


def _cells(xlsx: bytes) -> tuple:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["考评反馈"]
    cells = tuple((c.coordinate, c.value, c.data_type, c.font.b, c.font.color and c.font.color.rgb, c.fill.fgColor.rgb,
                   c.number_format, c.alignment.horizontal, c.alignment.wrap_text, bool(c.border.left.style))
                  for row in ws.iter_rows() for c in row)
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    return cells, heights, ws.print_title_rows, ws.page_setup.orientation, ws.freeze_panes


def test_template_path_writes_what_openpyxl_writes(published):
    data = published_runs(published.res, "2025Q3")[0]
    ctx = feedback_context(data)
    rows = list(data.rankings.itertuples())
    template = Template(*openpyxl_render(feedback_layout(data, ctx, rows[0]), data), "考评反馈")
    for r in rows:
        layout = feedback_layout(data, ctx, r)
        slow, fast = openpyxl_render(layout, data)[0], template.render(layout)
        assert _cells(fast) == _cells(slow)
        with zipfile.ZipFile(io.BytesIO(slow)) as a, zipfile.ZipFile(io.BytesIO(fast)) as b:
            assert a.namelist() == b.namelist()
            for name in ("xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "xl/workbook.xml", "docProps/core.xml",
                         "xl/styles.xml"):
                assert a.read(name) == b.read(name), name


def test_feedback_zip_is_valid_and_calamine_reads_it(published):
    path, ws = _feedback(published, "A02_西城区.xlsx")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("考评反馈").to_python()
    expected = [["" if v is None else (float(v) if isinstance(v, int) else v) for v in row]
                for row in ws.iter_rows(values_only=True)]
    assert rows == expected


def _direct_reasons(ctx, r) -> list[str]:
    out = []
    for k, ind in enumerate(ctx.indicators):
        value, score = round2(ctx.values[r.Index, k]), ctx.scores[r.Index, k]
        flag, period = ctx.flags[r.Index, k], ctx.periods[r.Index, k]
        out.append(loss_reason(ind, value, None if score != score else float(score), ind.points,
                               ctx.flag_labels[flag] if flag >= 0 else None,
                               ctx.period_labels[period] if period >= 0 else None,
                               ctx.peers.get((r.group, ind.code), ())))
    return out


def test_reasons_skipped_and_shared_across_units_equal_loss_reason(published):
    """Reasons are asked only where they can be non-empty and cached by what they depend on: with
    scores shifted (as other units' would be) on the same context, every reason is still loss_reason's."""
    data = published_runs(published.res, "2025Q3")[0]
    ctx = feedback_context(data)
    full = ctx.scores.copy()
    for shift in (0.0, 0.003, 0.004, 0.005, 0.006, 0.3, 1.0, 2.5):
        ctx.scores = full - shift
        for r in data.rankings.itertuples():
            assert [row[7] for row in _indicator_values(ctx, r.Index, r.group)] == _direct_reasons(ctx, r), shift
    assert len(ctx.reasons) < 8 * len(data.rankings) * len(ctx.indicators)


@pytest.mark.parametrize("totals, axis", [
    ([90.0, 63.33], (50.0, 100.0, 10.0)),
    ([53.2, 53.1, 52.4], (51.0, 55.0, 1.0)),  # close totals: whole steps, no label twice ("53, 53, 52")
    ([86.46], (85.0, 88.0, 1.0)),
    ([2.0, 0.5], (0.0, 3.0, 1.0)),  # never below 0
])
def test_trend_axis_bounds(totals, axis):
    assert trend_axis(totals) == axis


@given(st.lists(st.floats(min_value=0, max_value=120, allow_nan=False), min_size=1, max_size=12))
def test_trend_axis_holds_every_total_in_few_whole_steps(totals):
    lo, hi, unit = trend_axis(totals)
    assert lo <= min(totals) and max(totals) <= hi and lo >= 0
    assert unit == int(unit) and (hi - lo) / unit <= 6 and lo % unit == 0
