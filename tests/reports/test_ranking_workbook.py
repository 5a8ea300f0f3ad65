"""The ranking workbook, opened with openpyxl and checked against the hand-built warehouse."""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from report_kit import CATALOG, INJECTED_FILE, build_published, build_ratio_published

from kaoping.reports import texts
from kaoping.reports.xlsx.widths import display_width
from kaoping.stages.publishing import write_outputs

RANKING = Path("out/2025Q3/排名/t-county-2025_2025Q3_考评排名.xlsx")
SHEETS = ["排名总表", "分项得分", "指标明细", "报送情况", "排名稳定性", "说明"]


def _ranking(published) -> Path:
    paths = write_outputs(published.res, "2025Q3")
    path = published.res.workspace / RANKING
    assert path in paths
    return path


def test_sheets_title_header_and_rows(published):
    wb = openpyxl.load_workbook(_ranking(published))
    assert wb.sheetnames == SHEETS
    ws = wb["排名总表"]
    assert ws["A1"].value == "2025年第三季度县(市、区)平安建设考评排名"
    assert [c.value for c in ws[3]] == ["名次", "单位", "总分", "等次", "政治安全\n(40分)", "社会治安\n(60分)",
                                        "加分", "扣分", "一票否决", "名次变化", "预警"]
    rows = [[c.value for c in ws[r]] for r in range(4, 8)]
    assert rows == [
        [1, "东城区", 95.0, "优秀", 34.0, 60.0, 1.0, 0.0, None, "↑1", None],
        [2, "北湖县", 71.67, "不合格", 25.0, 46.67, 0.0, 0.0, "否决", "↑1", "等次下降"],
        [3, "西城区", 63.33, "合格", 30.5, 33.33, 0.0, 0.5, None, "↓2", "等次下降"],
        [4, "南山县", 9.0, "不合格", 9.0, 0.0, 0.0, 0.0, None, "持平", "连续末位"]]
    assert ws["C4"].number_format == "0.00"
    assert ws.freeze_panes == "C4"
    assert ws["A5"].fill.fgColor.rgb.endswith("F8CBAD")  # the vetoed unit's row is marked
    assert ws["A4"].fill.fgColor.rgb in ("00000000", None)


def test_print_setup_properties_and_colours(published):
    wb = openpyxl.load_workbook(_ranking(published))
    ws = wb["排名总表"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    ranges = {str(r.sqref): [rule.type for rule in r.rules] for r in ws.conditional_formatting}
    assert ranges == {"C4:C7": ["dataBar"], "E4:E7": ["colorScale"], "F4:F7": ["colorScale"]}
    assert wb.properties.creator == "kaoping"
    assert wb.properties.title == "2025年第三季度县(市、区)平安建设考评排名"
    assert wb.properties.created == datetime(2025, 10, 10, 2, 0)
    assert wb.properties.modified == datetime(2025, 10, 10, 2, 0)


def test_native_bar_chart_of_totals(published):
    path = _ranking(published)
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode()
    assert "<barChart>" in xml and '<barDir val="bar" />' in xml
    assert "'排名总表'!$C$4:$C$7" in xml and "'排名总表'!$B$4:$B$7" in xml


def test_detail_scores_submissions_and_notes(published):
    wb = openpyxl.load_workbook(_ranking(published))
    scores = wb["分项得分"]
    assert [c.value for c in scores[6]] == [3, "西城区", 22.5, 8.0, 33.33, 0.0, 0.5, 63.33]
    details = wb["指标明细"]
    rows = {(r[0], r[2]): r for r in details.iter_rows(min_row=4, values_only=True)}
    assert rows[("A02", "C01-01")] == ("A02", "西城区", "C01-01", "涉政风险隐患排查处置率", "%", "95", 95, 22.5,
                                       30.0, None, "2025Q3", "公安局", "公安局_2025Q3.xlsx", "Sheet1", "B5")
    assert rows[("A03", "C01-01")][9] == "缺报" and rows[("A03", "C01-01")][6] is None
    sub = [r for r in wb["报送情况"].iter_rows(min_row=4, values_only=True)]
    assert sorted(r[3] for r in sub) == ["已退回", "已采用", "已采用", "已采用", "已采用"]
    assert sub[0][2] == datetime(2025, 10, 8, 17, 30)  # 09:30 UTC shown in Asia/Shanghai
    notes = [list(r) for r in wb["说明"].iter_rows(values_only=True)]
    flat = [v for r in notes for v in r if v is not None]
    assert "ab" * 32 in flat and str(published.run_id) in flat
    assert any(isinstance(v, str) and v.startswith("达标赋分：≥100% 得满分，≤80% 得 0 分") for v in flat)
    stability = [r for r in wb["排名稳定性"].iter_rows(min_row=4, max_row=7, values_only=True)]
    assert stability[1] == ("北湖县", 2, 2.0, 1.0, 3.0)


def test_text_from_submissions_never_becomes_a_formula(published):
    path = _ranking(published)
    wb = openpyxl.load_workbook(path)
    details = wb["指标明细"]
    cells = {c.value: c for row in details.iter_rows(min_row=4) for c in row if isinstance(c.value, str)}
    assert cells["+2"].data_type == "s"
    assert cells[INJECTED_FILE].data_type == "s"
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)


def test_no_stability_sheet_without_sensitivity(tmp_path, db_url):
    built = build_published(tmp_path / "ws", db_url, stability=False)
    wb = openpyxl.load_workbook(_ranking(built))
    assert wb.sheetnames == [s for s in SHEETS if s != "排名稳定性"]
    built.res.close()


def test_republishing_gives_identical_bytes_and_leaves_files_alone(published):
    first = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in write_outputs(published.res, "2025Q3")}
    os.utime(next(iter(first)), ns=(1, 1))  # an untouched file keeps even this odd mtime
    again = write_outputs(published.res, "2025Q3")
    assert sorted(again) == sorted(first)
    for path in again:
        assert path.read_bytes() == first[path][0]
    assert next(iter(first)).stat().st_mtime_ns == 1
    assert not [p for p in again[0].parent.iterdir() if p.name.endswith(".tmp")]


def test_nothing_written_without_a_published_run(tmp_path, db_url):
    built = build_published(tmp_path / "ws", db_url, publish_q3=False)
    assert write_outputs(built.res, "2025Q3") == []
    assert not (built.res.workspace / "out" / "2025Q3").exists()
    built.res.close()


def test_libreoffice_renders_the_ranking_workbook_to_pdf(tmp_path, sqlite_url):
    if shutil.which("libreoffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("libreoffice is required in CI (installed by .ci/run)")
        pytest.skip("libreoffice not installed")
    built = build_published(tmp_path / "ws", sqlite_url)  # the rendering does not depend on the database
    path = _ranking(built)
    built.res.close()
    outdir = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["libreoffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), str(path)], check=True, capture_output=True, timeout=120)
    pdf = outdir / path.with_suffix(".pdf").name
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _pages(pdf) >= 6  # at least one page per sheet


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def test_details_split_over_sheets_at_the_row_limit(published, monkeypatch):
    whole = [r for r in openpyxl.load_workbook(_ranking(published))["指标明细"].iter_rows(min_row=4, values_only=True)]
    assert len(whole) == 24  # 4 units × 6 indicators
    monkeypatch.setattr("kaoping.reports.xlsx.cells.MAX_ROWS", 12)  # 9 rows a sheet under the title, subtitle and header rows
    wb = openpyxl.load_workbook(_ranking(published))
    parts = ["指标明细", "指标明细(2)", "指标明细(3)"]
    assert wb.sheetnames == SHEETS[:2] + parts + SHEETS[3:]
    rows = []
    for name in parts:
        ws = wb[name]
        assert ws.max_row <= 12 and ws.freeze_panes == "C4" and ws.print_title_rows == "$3:$3"
        assert [c.value for c in ws[3]] == list(texts.DETAIL_HEADERS)
        assert ws["A1"].value == wb["指标明细"]["A1"].value
        rows += list(ws.iter_rows(min_row=4, values_only=True))
    assert rows == whole
    notes = [v for r in wb["说明"].iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert any("指标明细、指标明细(2)、指标明细(3)" in v and "24" in v for v in notes)


def test_calamine_reads_what_openpyxl_reads(published):
    path = _ranking(published)
    wb, book = openpyxl.load_workbook(path), CalamineWorkbook.from_path(str(path))
    for name in ("分项得分", "指标明细"):
        expected = [[("" if v is None else v) for v in row] for row in wb[name].iter_rows(min_row=3, values_only=True)]
        got = book.get_sheet_by_name(name).to_python()[2:]
        assert [[float(v) if isinstance(v, int) else v for v in row] for row in expected] == got, name


def test_notes_state_the_ranking_rules_in_words_and_the_issuing_office(published):
    published.res.settings.office.name, published.res.settings.office.prepared_by = "清河市平安办", "张三"
    wb = openpyxl.load_workbook(_ranking(published))
    ws = wb["说明"]
    fields = {r[0]: r[1] for r in ws.iter_rows(min_row=3, max_col=2, values_only=True) if r[0]}
    assert fields["考评对象"] == "县（市、区）"
    assert fields["等次评定"].startswith("优秀：总分 ≥ 90 分，且名次在前 30%（共 4 个单位，最多 1 个）；良好：总分 ≥ 80 分")
    assert fields["等次评定"].endswith("不合格：其余单位；有一票否决事项的单位定为不合格（名次仍按总分）")
    assert fields["加分上限"] == "加分合计最多 5 分" and fields["总分下限"] == "扣分后总分最低为 0 分"
    assert fields["同分排序"].startswith("总分（保留 2 位小数）相同的名次并列")
    assert (fields["制表单位"], fields["制表"], fields["审核"]) == ("清河市平安办", "张三", "＿＿＿＿＿＿")
    assert all(ws.cell(r, 2).alignment.wrap_text for r in range(3, 8))
    method_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "C01-01")
    assert ws.cell(method_row, 6).alignment.wrap_text and ws.row_dimensions[method_row].height >= 18
    assert wb["排名总表"]["A8"].value == "制表单位：清河市平安办　　制表：张三　　审核：＿＿＿＿＿＿"


def test_ratio_method_names_the_indicators():
    from kaoping.reports.reasons import derived_note
    from kaoping.sources.catalogs import parse_catalog

    cat = parse_catalog(CATALOG + """inputs:
  - {code: CR, name: 刑事案件立案数, unit: 起, source: GA}
  - {code: POP, name: 常住人口, unit: 万人, source: TJ}
derived:
  - {code: CRR, name: 每万人刑事案件立案数, ratio: [CR, POP], scale: 1}
  - {code: CRR10, name: 每万人刑事案件立案数2, ratio: [CR, POP], scale: 10000}
""")
    assert derived_note(cat.indicator("CRR"), cat) == "计算：刑事案件立案数 ÷ 常住人口"
    assert derived_note(cat.indicator("CRR10"), cat) == "计算：刑事案件立案数 ÷ 常住人口 × 10000"


def test_details_show_file_names_whole_and_centre_flags(published):
    ws = openpyxl.load_workbook(_ranking(published))["指标明细"]
    names = [ws.cell(r, 13).value for r in range(4, ws.max_row + 1) if ws.cell(r, 13).value]
    assert ws.column_dimensions["M"].width >= max(display_width(n) for n in names)
    flagged = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 10).value)
    assert ws.cell(flagged, 10).alignment.horizontal == "center"

def test_submissions_sheet_shows_each_departments_timeliness_and_the_on_time_rate(published):
    # files arrived 2025-10-08 (Asia/Shanghai); a 7-day deadline makes them 1 day late, a 10-day one on time
    published.res.settings.deadlines.departments.update({"GA": 7, "WX": 10, "TJ": 10, "ZFW": 10})
    wb = openpyxl.load_workbook(_ranking(published))
    rows = [r for r in wb["报送情况"].iter_rows(min_row=4, values_only=True) if any(v is not None for v in r)]
    title = next(k for k, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith("报送时限"))
    states = {r[1]: (r[2], r[4]) for r in rows[title + 2:]}
    assert states["GA"] == ("2025-10-07", "迟报1天")
    assert states["WX"][0] == "2025-10-10" and states["WX"][1] in ("按时", "缺报")
    settled = [s for _, s in states.values()]
    rate = sum(s == "按时" for s in settled) / len(settled)
    assert rows[title][0] == f"报送时限（按时报送率 {rate:.0%}）"


def _stored_inputs(res) -> dict[tuple[str, str], tuple]:
    """(unit, code) → (value, file, sheet, cell) as fact_value holds them."""
    from kaoping.warehouse.models import FactValue, Submission
    with res.warehouse.reading() as session:
        rows = session.query(FactValue, Submission).join(Submission, Submission.id == FactValue.submission_id) \
            .filter(FactValue.indicator_code.in_(["CR", "POP"])).all()
    return {(v.unit_code, v.indicator_code): (v.value, s.file_name, v.sheet, v.cell) for v, s in rows}


def test_details_show_the_inputs_under_a_ratio_with_their_cells(tmp_path, db_url):
    built = build_ratio_published(tmp_path / "ws", db_url)
    try:
        stored = _stored_inputs(built.res)
        ws = openpyxl.load_workbook(_ranking(built))["指标明细"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    finally:
        built.res.close()
    assert len(stored) == 7  # A03 sent no CR
    for k, row in enumerate(rows):
        if row[2] != "C02-01":
            continue
        unit = row[0]
        under = rows[k + 1:k + 3]
        assert [r[2] for r in under] == ["CR", "POP"]
        assert [r[3] for r in under] == ["└ 刑事案件数", "└ 常住人口"]
        for r in under:
            assert r[0] == unit and r[7] is None and r[8] is None and r[10] == "2025Q3"
            if (unit, r[2]) in stored:
                value, file_name, sheet, cell = stored[(unit, r[2])]
                assert (r[6], r[12], r[13], r[14]) == (value, file_name, sheet, cell)
                assert r[9] == "计算依据" and r[11] == {"CR": "公安局", "POP": "统计局"}[r[2]]
            else:
                assert r[6] is None and r[14] is None and r[9] == "计算依据、未报送"
    assert sum(r[2] == "C02-01" for r in rows) == 4
    a01 = next(k for k, r in enumerate(rows) if r[0] == "A01" and r[2] == "C02-01")
    assert rows[a01 + 1][6] == 12 and rows[a01 + 1][12] == "公安局_2025Q3.xlsx" and rows[a01 + 1][14] == "H4"
    assert rows[a01 + 2][6] == 60000 and rows[a01 + 2][12] == "统计局_2025Q3.xlsx" and rows[a01 + 2][14] == "I4"
    assert ws.page_setup.fitToWidth == 1


def test_details_without_formulas_are_unchanged(published, monkeypatch):
    from kaoping.reports import ranking_sheets
    from kaoping.stages.publishing import published_runs
    from kaoping.reports.inputs import with_inputs
    data = published_runs(published.res, "2025Q3")[0]
    assert data.inputs is not None and len(data.inputs) == 0
    frame, order = with_inputs(data.details, data.inputs, np.arange(len(data.details)))
    assert frame is data.details and list(order) == list(range(len(data.details)))
    def sheet() -> list[list]:
        return [[c.value for c in r] for r in openpyxl.load_workbook(_ranking(published))["指标明细"].rows]
    now = sheet()
    monkeypatch.setattr(ranking_sheets, "with_inputs", lambda details, inputs, order: (details, order))
    assert now == sheet()  # the sheet as it was written before 计算依据
    assert len(now) == 3 + len(data.details)


def test_inputs_come_from_the_files_accepted_when_the_run_was_made(tmp_path, db_url):
    """A 公安局 correction received after the run supersedes its file: the sheet still shows what the
    run read (A01's CR 12 from 公安局_2025Q3.xlsx), not the correction's 99."""
    from datetime import timezone

    from kaoping.warehouse.models import FactValue, Submission
    built = build_ratio_published(tmp_path / "ws", db_url)
    try:
        with built.res.warehouse.session() as session:
            old = session.query(Submission).filter_by(department_code="GA", period="2025Q3").one()
            later = datetime(2025, 10, 20, tzinfo=timezone.utc)
            new = Submission(sha256="f" * 64, file_name="公安局_更正.xlsx", inbox_path="inbox/GA/更正.xlsx",
                             department_code="GA", period="2025Q3", catalog_code="t-county-2025",
                             status="rejected", received_at=later, processed_at=later, value_count=1)
            session.add(new)  # one accepted file per department and period: in as rejected, then swapped
            session.flush()
            old.status, old.superseded_by = "superseded", new.id
            session.flush()
            new.status = "accepted"
            session.add(FactValue(submission_id=new.id, unit_code="A01", catalog_code="t-county-2025",
                                  indicator_code="CR", period="2025Q3", value=99.0, raw_text="99",
                                  sheet="数据", cell="H4"))
        rows = [[c.value for c in r] for r in openpyxl.load_workbook(_ranking(built))["指标明细"].iter_rows(min_row=4)]
    finally:
        built.res.close()
    cr = next(r for r in rows if r[0] == "A01" and r[2] == "CR")
    assert (cr[6], cr[12]) == (12, "公安局_2025Q3.xlsx")
