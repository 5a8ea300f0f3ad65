"""The ranking workbook's supporting sheets: 指标明细, 报送情况, 排名稳定性, 说明."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports import texts, xlsx
from kaoping.reports.data import RunData, positions, relabelled, scheme_name
from kaoping.reports.reasons import method_note
from kaoping.reports.xlsx import (BODY, CENTER, FIRST_ROW, HEADER, HEADER_FILL, LEFT, WRAP_LEFT, CodedColumn,
                          Column, NumberColumn, block_width, column_styles, column_table, column_width,
                          print_setup, put, put_header, put_row, put_title, round2, set_widths, table_sheet)

TIME = "yyyy-mm-dd hh:mm"


def time_text(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else texts.UNKNOWN


def subtitle(data: RunData) -> str:
    """The line under every title: run id, data cut-off, publication time."""
    return texts.SUBTITLE.format(run_id=data.run.id, cutoff=time_text(data.local(data.run.data_cutoff_at)),
                                 published=time_text(data.local(data.run.published_at)))


def _title(template: str, data: RunData) -> str:
    return template.format(label=data.period.label, name=scheme_name(data.catalog))


def detail_order(data: RunData) -> np.ndarray:
    """Details rows in ranking order, then catalog order (unranked units and unknown indicators last)."""
    units = positions(data.details["unit_code"], list(data.rankings["unit_code"]))
    indicators = positions(data.details["indicator_code"], [i.code for i in data.catalog.all_indicators()])
    last = lambda p: np.where(p < 0, p.max(initial=0) + 1, p)  # noqa: E731
    return np.lexsort((last(indicators), last(units)))


def detail_columns(ws: Worksheet, data: RunData) -> list[Column]:
    """The columns of 指标明细 (texts.DETAIL_HEADERS), one row per details row."""
    d, names = data.details, dict(zip(data.rankings["unit_code"], data.rankings["unit_name"]))
    styles = [column_styles(ws, col, formats={7: "General"}) for col in range(1, len(texts.DETAIL_HEADERS) + 1)]
    coded = lambda k, column: CodedColumn.of(column, styles[k])  # noqa: E731
    flags = {f: f.replace(";", "、") for f in d["flags"].cat.categories}
    return [coded(0, d["unit_code"]),
            coded(1, pd.Series(relabelled(d["unit_code"], {c: names.get(c, c) for c in d["unit_code"].cat.categories}))),
            coded(2, d["indicator_code"]), coded(3, d["indicator_name"]), coded(4, d["unit"]), coded(5, d["raw_text"]),
            NumberColumn(d["value_used"].to_numpy(), styles[6], rounding=lambda v: round(v, 4)),
            NumberColumn(d["score"].to_numpy(), styles[7]), NumberColumn(d["points"].to_numpy(), styles[8]),
            coded(9, pd.Series(relabelled(d["flags"], flags))), coded(10, d["value_period"]),
            coded(11, d["department"]), coded(12, d["file_name"]), coded(13, d["sheet"]), coded(14, d["cell"])]


def detail_sheet_names(rows: int) -> list[str]:
    """指标明细, 指标明细(2), …: as many sheets as Excel's row limit needs for `rows` rows."""
    count = max(1, -(-rows // (xlsx.MAX_ROWS - FIRST_ROW + 1)))
    return [texts.SHEET_DETAILS] + [texts.SHEET_DETAILS_MORE.format(n=k) for k in range(2, count + 1)]


def details_sheet(wb: Workbook, data: RunData) -> list[str]:
    """指标明细, split over several sheets beyond Excel's row limit; returns their names."""
    order, headers = detail_order(data), list(texts.DETAIL_HEADERS)
    names, per_sheet = detail_sheet_names(len(order)), xlsx.MAX_ROWS - FIRST_ROW + 1
    sheets = [wb.create_sheet(name) for name in names]
    columns = detail_columns(sheets[0], data)
    widths = [block_width(h, c, cap=30 if i in (3, 12) else 16) for i, (h, c) in enumerate(zip(headers, columns))]
    for k, ws in enumerate(sheets):
        column_table(ws, _title(texts.DETAILS_TITLE, data), subtitle(data), headers, columns, widths,
                     order[k * per_sheet:(k + 1) * per_sheet], freeze=f"C{FIRST_ROW}")
    return names


def submissions_sheet(wb: Workbook, data: RunData) -> None:
    rows = [[s.department_name or s.department_code or "", s.file_name, data.local(s.received_at),
             texts.SUBMISSION_STATUS.get(s.status, s.status), int(s.error_count), int(s.warning_count),
             int(s.value_count)] for s in data.submissions.itertuples()]
    headers = list(texts.SUBMISSION_HEADERS)
    widths = [column_width([h, *(r[i] for r in rows)], cap=50) for i, h in enumerate(headers)]
    widths[2] = 18
    table_sheet(wb, texts.SHEET_SUBMISSIONS, _title(texts.SUBMISSIONS_TITLE, data), subtitle(data),
                headers, rows, widths, formats={3: TIME})


def stability_sheet(wb: Workbook, data: RunData) -> None:
    group = [texts.GROUP] if data.grouped else []
    rows = [[r.unit_name, *([r.group or ""] if data.grouped else []), int(r.rank), round2(r.median_rank),
             round2(r.rank_p05), round2(r.rank_p95)] for r in data.rankings.itertuples()]
    headers = [texts.STABILITY_HEADERS[0], *group, *texts.STABILITY_HEADERS[1:]]
    first = 2 + len(group)  # the rank column; it and the rank statistics are centred
    ws = table_sheet(wb, texts.SHEET_STABILITY, _title(texts.STABILITY_TITLE, data), subtitle(data), headers,
                     rows, [18, *([10] if group else []), 8, 12, 18, 18],
                     formats={first + k: "0.0" for k in (1, 2, 3)},
                     aligns={first + k: CENTER for k in range(4)})
    params = data.run.parameters
    note = texts.STABILITY_NOTE.format(width=float(params.get("sensitivity_width", 0.2)),
                                       draws=params.get("sensitivity_draws", 1000))
    put(ws, FIRST_ROW + len(rows) + 1, 1, note, BODY, border=False)


def _notes_fields(data: RunData, detail_sheets: list[str]) -> list[tuple[str, str]]:
    cat, run = data.catalog, data.run
    producer = "，".join(f"{k}={v}" for k, v in sorted(run.produced_by.items())) or "kaoping"
    values = (cat.code, cat.name, f"{data.period.code}（{data.period.label}）", cat.assessed_kind,
              str(run.id), texts.RUN_STATUS.get(run.status, run.status), time_text(data.local(run.published_at)),
              time_text(data.local(run.data_cutoff_at)), run.input_sha256, producer)
    fields = list(zip(texts.NOTES_FIELDS, values))
    if len(detail_sheets) > 1:  # Excel's row limit split 指标明细
        fields.append((texts.SHEET_DETAILS, texts.DETAILS_SPLIT.format(
            rows=len(data.details), sheets="、".join(detail_sheets), n=len(detail_sheets))))
    return fields


def notes_sheet(wb: Workbook, data: RunData, detail_sheets: list[str]) -> None:
    """Run facts (catalog, cut-off, run id, input hash, how 指标明细 is split), then how each
    indicator is scored."""
    cat = data.catalog
    names = {c.code: c.name for c in cat.categories}
    rows = [[i.code, i.name, names.get(i.category_code, ""), texts.KIND[i.kind],
             round2(i.points) if i.points is not None else "", method_note(i, cat)]
            for i in cat.all_indicators()]
    headers, fields = list(texts.NOTES_INDICATOR_HEADERS), _notes_fields(data, detail_sheets)
    widths = [column_width([h, *(r[k] for r in rows)], cap=60 if k == 5 else 30) for k, h in enumerate(headers)]
    widths[0] = max(widths[0], column_width(texts.NOTES_FIELDS))
    ws = wb.create_sheet(texts.SHEET_NOTES)
    put_title(ws, texts.NOTES_TITLE.format(name=cat.name), len(headers))
    for k, (label, value) in enumerate(fields, start=3):
        put(ws, k, 1, label, HEADER, align=LEFT, fill=HEADER_FILL)
        for col in range(2, len(headers) + 1):
            put(ws, k, col, value if col == 2 else None, BODY, align=LEFT)
        ws.merge_cells(start_row=k, start_column=2, end_row=k, end_column=len(headers))
    header_row = 3 + len(fields) + 1
    put_header(ws, header_row, headers, widths)
    for k, row in enumerate(rows, start=header_row + 1):
        put_row(ws, k, row, align=WRAP_LEFT)
    set_widths(ws, widths)
    print_setup(ws, f"{header_row}:{header_row}")
