"""The `kaoping template` workbook as a department prints and fills it: print setup, input cells,
prompts, the 填报人 / 联系电话 / 审核人 area (which intake ignores)."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaoping.scoring.catalog import Indicator
from kaoping.stages.intake import examine_file
from kaoping.sources.template import FIRST_DATA_ROW, INPUT_FILL, input_prompt, template_layout, write_template


def _template(res, tmp_path: Path) -> Path:
    catalog = res.catalogs[0]
    layout = template_layout(catalog, "GA", "2025Q3", res.registry)
    return write_template(tmp_path / "t.xlsx", layout, catalog, res.registry.department_name("GA"))


def test_prints_on_a4_one_page_wide_with_unit_columns_and_header_repeated(res, tmp_path):
    ws = load_workbook(_template(res, tmp_path))["填报表"]
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0) and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_cols == "$A:$B" and ws.print_title_rows == "$3:$4"
    assert ws.row_dimensions[1].height >= 28  # the 14-point title is not clipped


def test_input_cells_stand_out_as_the_instruction_says(res, tmp_path):
    ws = load_workbook(_template(res, tmp_path))["填报表"]
    assert "浅黄色" in ws["A2"].value and "白色" not in ws["A2"].value
    value, name = ws.cell(FIRST_DATA_ROW, 3), ws.cell(FIRST_DATA_ROW, 2)
    assert value.fill.fgColor.rgb.endswith(INPUT_FILL.fgColor.rgb[-6:]) and not value.protection.locked
    assert not name.fill.fgColor.rgb.endswith(INPUT_FILL.fgColor.rgb[-6:]) and name.protection.locked


@pytest.mark.parametrize("fields, prompt", [
    ({"integer": True, "range": (0, 1000)}, "请填写 0 至 1000 之间的整数"),
    ({"range": (0, 100)}, "请填写 0 至 100 之间的数值，可带小数"),
    ({"range": (0.5, 99.5)}, "请填写 0.5 至 99.5 之间的数值，可带小数"),
    ({}, "请填写数值，可带小数"),
    ({"integer": True, "range": (0, 1)}, "请填写 0（否）或 1（是）"),
])
def test_prompts_state_the_range_in_plain_numbers(fields, prompt):
    ind = Indicator(code="X", name="x", kind="input", source="GA", **fields)
    assert input_prompt(ind) == prompt


def test_prompts_in_the_workbook(res, tmp_path):
    ws = load_workbook(_template(res, tmp_path))["填报表"]
    prompts = {str(dv.sqref)[0]: dv.prompt for dv in ws.data_validations.dataValidation}
    assert prompts == {"C": "请填写 0 至 100 之间的数值，可带小数", "D": "请填写 0 至 1000 之间的整数"}


def test_signature_area_is_filled_in_and_intake_ignores_it(res, validator, tmp_path):
    wb = load_workbook(_template(res, tmp_path))
    ws = wb["填报表"]
    labels = {ws.cell(r, 1).value: r for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert {"填报人：", "联系电话：", "审核人：", "填报日期："} <= set(labels)
    for label, text in (("填报人：", "张三"), ("联系电话：", "0731-12345678"), ("审核人：", "李四")):
        cell = ws.cell(labels[label], 2)
        assert not cell.protection.locked
        cell.value = text
    for r, (a, b) in enumerate([(95.5, 12), (88, 3), (100, 0)], start=FIRST_DATA_ROW):
        ws.cell(r, 3, a), ws.cell(r, 4, b)
    target = res.settings.inbox_dir / "公安局" / "签了名.xlsx"
    target.parent.mkdir(parents=True)
    wb.save(target)
    exam = examine_file(res, target, validator)
    assert exam.accepted and not exam.problems, exam.problems
    assert len(exam.values) == 6 and set(exam.values["unit_code"]) == {"U01", "U02", "U03"}
