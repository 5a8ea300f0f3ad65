"""The 问题清单 workbook: path, copy of the sender's sheet, highlighted cells, formula-safe text."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from kaoping.reports.problem_list import problem_list_path, write_problem_list
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
    listing = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=2)]
    assert [r[2] for r in listing] == ["B2", None]  # errors first
    assert listing[0][5] == "=cmd|' /C calc'!A0" and wb["问题清单"]["F2"].data_type == "s"
    assert listing[1][3] == "西城区" and listing[1][7].startswith("【提示】")


def test_unreadable_file_gets_only_the_listing(tmp_path):
    problem = make_problem("encrypted", "secret.xlsx")
    path = write_problem_list(Path(tmp_path) / "s_问题清单.xlsx", [problem], None, None)
    wb = load_workbook(path)
    assert wb.sheetnames == ["问题清单"] and "加密" in wb["问题清单"]["H2"].value
