"""The 问题清单 workbook: path, copy of the sender's sheet, highlighted cells, formula-safe text."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from kaoping.core.layout import problem_list_path
from kaoping.reports.problem_list import FIRST_ROW, HEADER_ROW, write_problem_list
from kaoping.sources.problems import make_problem


def test_path_stays_inside_out_whatever_the_names(tmp_path):
    out = tmp_path / "out"
    assert problem_list_path(out, "2025Q3", "GA", "公安局_2025Q3.xlsx") == \
        out / "2025Q3" / "问题清单" / "GA" / "公安局_2025Q3_问题清单.xlsx"
    assert problem_list_path(out, None, None, "a.csv") == out / "未知期间" / "问题清单" / "未知部门" / "a_问题清单.xlsx"
    hostile = problem_list_path(out, "../..", "../../etc", "..\\..\\x.csv")
    assert hostile.resolve().is_relative_to(out.resolve())
    assert hostile.name == "_.._x_问题清单.xlsx"


def test_workbook_copies_the_sheet_marks_cells_and_keeps_formula_text_as_text(tmp_path):
    grid = pd.DataFrame({"sheet": ["表1"] * 4, "row": [1, 1, 2, 2], "col": [1, 2, 1, 2],
                         "value": ["单位名称", "刑事案件立案数", "东城县", "=cmd|' /C calc'!A0"]})
    error = make_problem("non_numeric", "a.xlsx", "表1", "B2", "东城县", "刑事案件立案数",
                         "=cmd|' /C calc'!A0", "数值")
    warning = make_problem("units_missing", "a.xlsx", unit="西城区", expected="单位登记表中的单位名称或代码")
    path = write_problem_list(tmp_path / "x" / "a_问题清单.xlsx", [warning, error], "表1", grid)
    assert not list(path.parent.glob("*.tmp"))
    wb = load_workbook(path)
    assert wb.sheetnames == ["问题清单", "表1"]
    copy = wb["表1"]
    assert copy["A2"].value == "东城县"
    assert copy["B2"].data_type == "s" and copy["B2"].value == "=cmd|' /C calc'!A0"
    assert copy["B2"].fill.fgColor.rgb.endswith("FFC7CE") and "不是数值" in copy["B2"].comment.text
    listing = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=FIRST_ROW)]
    assert [r[2] for r in listing] == ["B2", None]  # errors first
    assert listing[0][5] == "=cmd|' /C calc'!A0" and wb["问题清单"][f"F{FIRST_ROW}"].data_type == "s"
    assert listing[1][3] == "西城区" and listing[1][7].startswith("【提示】")


def test_unreadable_file_gets_only_the_listing(tmp_path):
    problem = make_problem("encrypted", "secret.xlsx")
    path = write_problem_list(Path(tmp_path) / "s_问题清单.xlsx", [problem], None, None)
    wb = load_workbook(path)
    assert wb.sheetnames == ["问题清单"] and "加密" in wb["问题清单"][f"H{FIRST_ROW}"].value


def _listing_workbook(tmp_path, source=None):
    grid = pd.DataFrame({"sheet": ["表1"] * 4, "row": [1, 1, 2, 2], "col": [1, 2, 1, 2],
                         "value": ["单位名称", "综治中心规范化建设达标率", "石门镇（含开发区）", 136.7]})
    error = make_problem("out_of_range", "a.xlsx", "表1", "B2", "石门镇", "综治中心规范化建设达标率", "136.7",
                         "0 至 100")
    path = write_problem_list(tmp_path / "a_问题清单.xlsx", [error], "表1", grid, source=source,
                              department="公安局（GA）", period="2025Q3")
    return load_workbook(path)


def test_listing_has_a_title_the_facts_and_what_to_do_next(tmp_path):
    ws = _listing_workbook(tmp_path)["问题清单"]
    assert ws["A1"].value == "报送文件问题清单"
    assert "a.xlsx" in ws["A2"].value and "公安局（GA）" in ws["A2"].value and "2025Q3" in ws["A2"].value
    assert "错误 1 处" in ws["A2"].value and "退回" in ws["A3"].value
    assert "重新报送" in ws["A4"].value and "“表1”" in ws["A4"].value
    assert [c.value for c in ws[HEADER_ROW]][:3] == ["文件", "工作表", "单元格"]
    message = ws.cell(FIRST_ROW, 8)
    assert message.alignment.wrap_text and ws.row_dimensions[FIRST_ROW].height > 30  # wrapped, room to show it


def test_both_sheets_print_on_a4_one_page_wide_with_the_header_repeated(tmp_path):
    wb = _listing_workbook(tmp_path)
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    listing = wb["问题清单"]
    assert listing.page_setup.orientation == "landscape"
    assert listing.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert wb["表1"].print_options.gridLines and "原表副本" in wb["表1"].oddHeader.center.text


def test_copy_keeps_the_senders_column_widths_else_fits_the_text(tmp_path):
    from openpyxl import Workbook

    fitted = _listing_workbook(tmp_path)["表1"]
    assert fitted.column_dimensions["A"].width >= 18  # "石门镇（含开发区）" whole, not "石门镇（含"
    sent = Workbook()
    sent.active.title = "表1"
    sent.active.column_dimensions["A"].width = 33
    sent.active.column_dimensions["C"].width = 5
    sent.save(tmp_path / "sent.xlsx")
    kept = _listing_workbook(tmp_path, source=tmp_path / "sent.xlsx")["表1"]
    assert kept.column_dimensions["A"].width == 33 and kept.column_dimensions["C"].width == 5
