"""The 通报 (.docx): its numbers read back equal the ranking's, its sections, fonts, page setup,
charts (or their clean absence) and determinism. The LibreOffice rendering of the demo is in
test_bulletin_render.py."""
from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from kaoping.core.config import OfficeSettings
from kaoping.reports import bulletin_charts, texts
from kaoping.reports.bulletin import _package, bulletin_docx, table
from kaoping.reports.bulletin_data import (CHART_UNITS, Table, bulletin_content, chart_data, charted_units,
                                           timeliness_frame)
from kaoping.stages.publishing import published_runs, write_outputs
from kaoping.reports.ranking import ranking_table

OFFICE = OfficeSettings(name="东山市平安建设领导小组办公室", doc_number_prefix="东平安办")
HEADINGS = ["一、总体情况", "二、考评结果", "三、先进单位", "四、一票否决及等次调整情况", "五、预警情况",
            "六、排名后三位单位的薄弱环节", "七、数据报送情况", "八、考评态势", "九、工作要求"]


def _data(published):
    return published_runs(published.res, "2025Q3")[0]


def _document(published, office=OFFICE, timeliness=None) -> Document:
    return Document(io.BytesIO(bulletin_docx(bulletin_content(_data(published), office, timeliness))))


def _text(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_the_tables_read_back_are_the_rankings_numbers(published):
    data = _data(published)
    headers, rows = ranking_table(data)  # 排名总表 of the ranking workbook
    doc = _document(published)
    results, annex = _cells(doc.tables[0]), _cells(doc.tables[1])
    assert results[0] == ["名次", "单位", "总分", "等次", "较上期"]
    assert [(r[0], r[1], r[2], r[3]) for r in results[1:]] == [
        (str(r[0]), r[1], f"{r[2]:.2f}", r[3]) for r in rows]
    assert [r[1] for r in results[1:]] == ["东城区", "北湖县", "西城区", "南山县"]
    assert [r[4] for r in results[1:]] == ["↑1", "↑1", "↓2", "持平"]
    cats = len(data.catalog.categories)
    assert annex[0][2:2 + cats] == [h for h in headers[4:4 + cats]]
    for got, want in zip(annex[1:], rows):
        # category scores, bonus, penalty, total: the workbook's values at 2 decimals
        assert got[2:2 + cats] == [f"{v:.2f}" for v in want[4:4 + cats]]
        assert got[2 + cats:5 + cats] == [f"{want[4 + cats]:.2f}", f"{want[5 + cats]:.2f}", f"{want[2]:.2f}"]
        assert got[-1] == want[3]


def test_every_section_is_there_with_what_the_ranking_says(published):
    doc = _document(published)
    text = _text(doc)
    assert text[0] == OFFICE.name and text[1] == "东平安办〔2025〕　　号"
    assert "关于2025年第三季度县（市、区）平安建设考评情况的通报" in text
    assert "各县（市、区）平安办：" in text
    assert [t for t in text if t in HEADINGS] == HEADINGS
    body = "\n".join(text)
    # 总体情况: the average of the printed totals (95.00, 71.67, 63.33, 9.00) and the grades
    assert "本期参加考评单位4个，平均得分59.75分，最高95.00分（东城区），最低9.00分（南山县）" in body
    assert "优秀1个、良好0个、合格1个、不合格2个" in body
    assert "东城区考评等次为优秀，予以通报表扬。" in body
    assert "北湖县因发生重大群体性事件，实行一票否决，考评等次定为不合格。" in body
    assert "南山县连续2期排名末位。" in body
    assert "西城区考评等次由优秀下降为合格。" in body and "北湖县考评等次由良好下降为不合格。" in body
    # the weakest category of each of the last three: 北湖县 C02 46.67/60, 西城区 C02 33.33/60, 南山县 C02 0/60
    assert "南山县（第4名，总分9.00分）：得分率最低的一级指标为“社会治安”，得0.00分（满分60分，得分率0.0%）。" in body
    assert "西城区（第3名，总分63.33分）" in body and "北湖县（第2名，总分71.67分）" in body
    assert "东城区（第1名" not in body
    assert "应报送数据的4个部门均已报送。" in body
    assert "2025年10月10日" in text  # 成文日期: the publication date, local time
    assert text.index("2025年10月10日") == text.index(OFFICE.name, 1) + 1
    assert len(doc.inline_shapes) == 3  # the red rule and the two charts


def test_reporting_from_the_timeliness_states_or_from_the_submissions(published):
    timeliness = pd.DataFrame({"department": ["公安局", "网信办", "统计局", "政法委"],
                               "state": ["迟报", "按时", "缺报", "按时"], "days_late": [3, 0, None, 0]})
    body = "\n".join(_text(_document(published, timeliness=timeliness)))
    assert "迟报：公安局（迟报3天）。" in body and "缺报：统计局。" in body and "按时报送率50.0%。" in body
    on_time = pd.DataFrame({"department": ["公安局"], "state": ["按时"], "days_late": [0]})
    assert "七、数据报送情况\n按时报送率100.0%。" in "\n".join(_text(_document(published, timeliness=on_time)))
    nothing_due = pd.DataFrame({"department": ["公安局"], "state": ["未到期"], "days_late": [None]})
    assert "七、数据报送情况\n无。" in "\n".join(_text(_document(published, timeliness=nothing_due)))


def test_the_cycle_states_become_the_reporting_frame():
    from datetime import date

    from kaoping.scoring.deadlines import Timeliness
    from kaoping.scoring.deadlines import DepartmentState

    states = [DepartmentState("GA", "公安局", date(2025, 10, 10), None, Timeliness("late", 3)),
              DepartmentState("SF", "司法局", date(2025, 10, 10), None, Timeliness("missing", 5)),
              DepartmentState("XF", "信访局", None, None, None)]  # no deadline: no state to report
    frame = timeliness_frame(states)
    assert frame.to_dict("records") == [{"department": "公安局", "state": "迟报", "days_late": 3},
                                        {"department": "司法局", "state": "缺报", "days_late": 5}]
    assert timeliness_frame(states[2:]) is None


def test_missing_departments_are_named_without_timeliness_states(published):
    data = _data(published)
    data.submissions = data.submissions[data.submissions["department_code"] != "WX"]
    body = "\n".join(p.text for p in Document(io.BytesIO(bulletin_docx(bulletin_content(data, OFFICE)))).paragraphs)
    assert "应报送数据的部门4个，已报送3个。缺报：WX。" in body


def test_sections_without_anything_to_report_say_none(published):
    data = _data(published)
    r = data.rankings
    r["is_vetoed"], r["alerts"] = False, ""
    r.loc[r["unit_code"] == "A01", "grade"] = "良好"
    data.details = data.details[data.details["indicator_code"] != "V01"]
    text = [p.text for p in Document(io.BytesIO(bulletin_docx(bulletin_content(data, OFFICE)))).paragraphs]
    for heading in ("四、一票否决及等次调整情况", "五、预警情况"):
        assert text[text.index(heading) + 1] == "无。"
    assert text[text.index("三、先进单位") + 1] == "本期无单位考评等次为优秀。"


def test_official_layout_fonts_and_page_numbers(published):
    raw = bulletin_docx(bulletin_content(_data(published), OFFICE))
    doc = Document(io.BytesIO(raw))
    first, annex = doc.sections[0], doc.sections[1]
    mm = lambda *lengths: [round(length.mm) for length in lengths]  # noqa: E731  (stored in twips)
    assert mm(first.page_width, first.page_height) == [210, 297]
    assert mm(first.top_margin, first.bottom_margin, first.left_margin, first.right_margin) == [37, 35, 28, 26]
    assert annex.page_width > annex.page_height  # the annex table on a landscape page
    heading = next(p for p in doc.paragraphs if p.text == "一、总体情况")
    assert {r.font.name for r in heading.runs} == {"黑体"}
    assert heading.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "黑体"
    body = next(p for p in doc.paragraphs if p.text.startswith("本期参加考评单位"))
    assert body.runs[0].font.name == "仿宋" and body.runs[0].font.size.pt == 16
    xml = zipfile.ZipFile(io.BytesIO(raw))
    styles = xml.read("word/styles.xml").decode()
    assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="zh-CN"' in styles
    footer = xml.read("word/footer1.xml").decode() + xml.read("word/footer2.xml").decode()
    assert footer.count("PAGE") == 2 and "—" in footer  # odd and even pages: — n —
    assert doc.core_properties.title == "关于2025年第三季度县（市、区）平安建设考评情况的通报"


def test_the_same_run_gives_the_same_bytes(published):
    data = _data(published)
    assert bulletin_docx(bulletin_content(data, OFFICE)) == bulletin_docx(bulletin_content(data, OFFICE))


def test_without_a_cjk_font_the_charts_are_left_out_with_a_note(published, monkeypatch):
    monkeypatch.setattr("kaoping.reports.bulletin.cjk_font", lambda: None)
    doc = _document(published)
    assert texts.CHARTS_MISSING in _text(doc)
    assert len(doc.inline_shapes) == 1  # only the red rule


def test_charts_are_pictures_drawn_with_an_installed_cjk_font(published):
    font = bulletin_charts.cjk_font()
    assert font in bulletin_charts.CJK_FONTS
    chart = bulletin_content(_data(published), OFFICE).chart
    for png in (bulletin_charts.totals_chart(chart, font), bulletin_charts.heatmap_chart(chart, font)):
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert chart.rates.shape == (4, 2)
    assert chart.rates[0].tolist() == pytest.approx([34 / 40, 1.0])


def _many(data, n: int):
    """The run's data with a ranking of `n` units (the real units' rows repeated under new codes)."""
    rows = pd.concat([data.rankings] * -(-n // len(data.rankings)), ignore_index=True).head(n).copy()
    rows["unit_code"] = [f"U{k:04d}" for k in range(n)]
    rows["unit_name"] = [f"第{k + 1}单位" for k in range(n)]
    rows["rank"] = range(1, n + 1)
    return replace(data, rankings=rows)


def test_a_chart_is_cut_into_balanced_pages_in_ranking_order(published):
    chart = chart_data(_many(_data(published), 50))
    pages = chart.pages(bulletin_charts.PAGE_UNITS)
    assert [len(p.units) for p in pages] == [17, 17, 16]
    assert sum((p.units for p in pages), []) == chart.units
    assert sum((p.totals for p in pages), []) == chart.totals
    np.testing.assert_array_equal(np.vstack([p.rates for p in pages]), chart.rates)  # NaN where no score
    assert len(chart.pages(50)) == 1 and chart.pages(50)[0].units == chart.units


def test_up_to_the_limit_every_unit_is_charted(published):
    data = _many(_data(published), CHART_UNITS)
    rows, note = charted_units(data)
    assert rows["unit_code"].tolist() == data.rankings["unit_code"].tolist() and note == ""


def test_a_province_ranking_charts_its_first_and_last_units_and_says_so(published):
    data = _many(_data(published), 2000)
    rows, note = charted_units(data)
    names = rows["unit_name"].tolist()
    assert names == [f"第{k}单位" for k in range(1, 61)] + [f"第{k}单位" for k in range(1941, 2001)]
    assert note == "（排名前60位和后60位，共2000个单位）"


def test_grouped_rankings_chart_the_first_and_last_units_of_each_group(published):
    data = _many(_data(published), 400)
    data.rankings["group"] = ["一类地区", "二类地区", "三类地区", "四类地区"] * 100
    data.catalog = data.catalog.model_copy(update={"rank_within": "group"})
    assert data.grouped
    rows, note = charted_units(data)
    assert rows.groupby("group").size().tolist() == [30] * 4  # 15 first + 15 last of each of the 4 groups
    first = rows[rows["group"] == "一类地区"]["unit_name"].tolist()
    group_one = data.rankings[data.rankings["group"] == "一类地区"]["unit_name"].tolist()
    assert first == group_one[:15] + group_one[-15:]
    assert note == "（各组排名前15位和后15位，共400个单位）"


def test_a_long_chart_is_one_picture_per_page_with_numbered_captions(published):
    content = bulletin_content(_data(published), OFFICE)
    content = replace(content, chart=chart_data(_many(_data(published), 2 * bulletin_charts.PAGE_UNITS)))
    doc = Document(io.BytesIO(bulletin_docx(content)))
    assert len(doc.inline_shapes) == 1 + 2 * 2  # the red rule, two pages of each chart
    text = _text(doc)
    assert f"{texts.FIGURE_TOTALS}（1/2）" in text and f"{texts.FIGURE_HEATMAP}（2/2）" in text
    for shape in list(doc.inline_shapes)[1:]:  # a picture with its caption fits the 225 mm text height
        assert shape.height.mm < 205


def test_a_table_s_copied_rows_read_back_cell_for_cell_with_their_alignment():
    rows = [["1", "东城区", "95.50"], ["2", "", "-3.25"], ["3", "南山县\n（一类）", "9.00"], ["4", " 北湖县 ", "—"],
            ["5", "A&B<县>\"'", "12"]]
    doc, later = Document(), []
    table(doc, Table(["名次", "单位", "总分"], rows), [20, 40, 30], later)
    doc = Document(io.BytesIO(_package(_saved(doc), later)))
    assert _cells(doc.tables[0]) == [["名次", "单位", "总分"], *rows]
    aligned = [[c.paragraphs[0].alignment for c in row.cells] for row in doc.tables[0].rows[1:]]
    assert [a[2] for a in aligned[:3]] == [WD_ALIGN_PARAGRAPH.RIGHT] * 3  # numbers right, text centred
    assert aligned[3][2] == aligned[0][1] == WD_ALIGN_PARAGRAPH.CENTER
    assert [round(c.width.mm) for c in doc.tables[0].rows[3].cells] == [20, 40, 30]


def _saved(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_an_unset_office_falls_back_to_a_generic_name_and_a_bare_number(published):
    text = _text(_document(published, office=OfficeSettings()))
    assert text[0] == texts.BULLETIN_OFFICE_DEFAULT and text[1] == "〔2025〕　　号"


def test_publishing_writes_the_bulletin_beside_the_ranking(published):
    paths = write_outputs(published.res, "2025Q3")
    bulletin = published.res.workspace / "out" / "2025Q3" / "通报" / "t-county-2025_2025Q3_通报.docx"
    assert bulletin in paths and bulletin.exists()
    before = bulletin.stat().st_mtime_ns
    write_outputs(published.res, "2025Q3")  # unchanged content is not rewritten
    assert bulletin.stat().st_mtime_ns == before
