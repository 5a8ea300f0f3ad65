"""Feedback workbooks as bytes: the house style of the feedback sheet, the openpyxl rendering of
a layout (the template, and the fallback), and the fast writer for the rest."""
from __future__ import annotations

from copy import copy

from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from kaoping.reports import texts
from kaoping.reports.data import RunData
from kaoping.reports.fastxlsx import Layout, Template
from kaoping.reports.feedback import WIDTHS, FeedbackContext, feedback_layout
from kaoping.reports.xlsx.pages import print_setup, review_header
from kaoping.reports.xlsx.styles import (ACROSS, ACROSS_RIGHT, BODY, BODY_FONT, CENTER, HEADER, HEADER_FILL, LEFT,
                                         NUMBER, RIGHT, SUBTITLE, TITLE, WARN, WRAP_LEFT, style_array)
from kaoping.reports.xlsx.widths import set_widths
from kaoping.reports.xlsx.workbook import new_workbook, workbook_bytes

SECTION_FILL = PatternFill("solid", fgColor="EDEDED")
SECTION = Alignment(horizontal="left", vertical="center")
SUMMARY = Font(name=BODY_FONT, size=11, bold=True)
# key → (font, bordered, fill, number format, alignment); registered in this order in every
# feedback workbook, so a key has the same style id in all of them
PALETTE = {
    "title": (TITLE, False, None, None, ACROSS), "subtitle": (SUBTITLE, False, None, None, ACROSS_RIGHT),
    "label": (HEADER, True, HEADER_FILL, None, LEFT), "summary": (SUMMARY, False, None, NUMBER, LEFT),
    "alert": (WARN, False, None, None, LEFT), "section": (HEADER, False, None, None, SECTION),
    "header": (HEADER, True, HEADER_FILL, None, CENTER), "trend": (BODY, True, None, NUMBER, CENTER),
    "trend_int": (BODY, True, None, "General", CENTER), "warn_wrap": (WARN, True, None, None, WRAP_LEFT),
}
for _kind, _font, _fill in (("sec", HEADER, SECTION_FILL), ("row", BODY, None)):
    PALETTE.update({f"{_kind}_text": (_font, True, _fill, None, LEFT),
                    f"{_kind}_wrap": (_font, True, _fill, None, WRAP_LEFT),
                    f"{_kind}_general": (_font, True, _fill, "General", RIGHT),
                    f"{_kind}_num": (_font, True, _fill, NUMBER, RIGHT)})


def _register(ws) -> dict:
    """Every palette style added to the workbook, in order; key → style array."""
    return {key: style_array(ws, font, bordered, fill, fmt, align)
            for key, (font, bordered, fill, fmt, align) in PALETTE.items()}


def _chart(ws, header: int, n: int, low: float, high: float, unit: float) -> None:
    """The trend of totals: straight segments with markers, a value axis of whole, distinct steps."""
    chart = LineChart()
    chart.title, chart.legend, chart.style = texts.TREND_CHART, None, 12
    chart.add_data(Reference(ws, min_col=2, min_row=header, max_row=header + n), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=header + n))
    for series in chart.series:
        series.smooth = False
        series.marker.symbol = "circle"
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.y_axis.scaling.min, chart.y_axis.scaling.max, chart.y_axis.majorUnit = low, high, unit
    chart.y_axis.numFmt = "0"
    chart.width, chart.height = 17, 7
    ws.add_chart(chart, f"A{header + n + 2}")


def openpyxl_render(layout: Layout, data: RunData) -> tuple[bytes, dict[str, int]]:
    """The workbook of a layout written by openpyxl, and each style key's id in it."""
    wb = new_workbook(layout.title, data.run.stamp)
    ws = wb.create_sheet(texts.SHEET_FEEDBACK)
    arrays = _register(ws)
    for row, col, value, key in layout.cells:
        cell = ws.cell(row=row, column=col)
        cell.value = value if value != "" else None
        if isinstance(value, str) and value:
            cell.data_type = "s"  # text stays text, never a formula
        cell._style = copy(arrays[key])
    for row, height in layout.heights.items():
        ws.row_dimensions[row].height = height
    set_widths(ws, WIDTHS)
    print_setup(ws, f"{layout.print_title_row}:{layout.print_title_row}", landscape=False)
    if data.run.is_review:
        review_header(ws)
    if layout.chart:
        _chart(ws, *layout.chart)
    styles = {key: wb._cell_styles.add(array) for key, array in arrays.items()}
    return workbook_bytes(wb), styles


class FeedbackWriter:
    """Feedback workbook bytes for the units of one run, through a template that openpyxl wrote
    for the first charted layout (every unit goes through the template, so a unit's bytes do not
    depend on which unit came first)."""

    def __init__(self, data: RunData, ctx: FeedbackContext):
        self.data, self.ctx = data, ctx
        self.template: Template | None = None

    def workbook(self, r) -> bytes:
        layout = feedback_layout(self.data, self.ctx, r)
        if layout.chart is None:
            return openpyxl_render(layout, self.data)[0]
        if self.template is None:
            self.template = Template(*openpyxl_render(layout, self.data), texts.SHEET_FEEDBACK)
        return self.template.render(layout)
