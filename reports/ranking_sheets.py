"""The ranking workbook's supporting sheets: 指标明细, 报送情况, 排名稳定性, 说明."""
from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook

from reports import texts
from reports.data import RunData, scheme_name
from reports.reasons import method_note
from reports.xlsx import (BODY, CENTER, FIRST_ROW, HEADER, HEADER_FILL, LEFT, WRAP_LEFT, column_width,
                          print_setup, put, put_header, put_row, put_title, round2, set_widths,
                          table_sheet)

TIME = "yyyy-mm-dd hh:mm"


def time_text(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else texts.UNKNOWN


def subtitle(data: RunData) -> str:
    """The line under every title: run id, data cut-off, publication time."""
    return texts.SUBTITLE.format(run_id=data.run.id, cutoff=time_text(data.local(data.run.data_cutoff_at)),
                                 published=time_text(data.local(data.run.published_at)))


def _title(template: str, data: RunData) -> str:
    return template.format(label=data.period.label, name=scheme_name(data.catalog))


def detail_rows(data: RunData) -> list[list]:
    """One row per unit × indicator (ranking order, catalog order): value, score, lineage."""
    order = {ind.code: k for k, ind in enumerate(data.catalog.all_indicators())}
    names = dict(zip(data.rankings["unit_code"], data.rankings["unit_name"]))
    position = {code: k for k, code in enumerate(data.rankings["unit_code"])}
    details = sorted(data.details.itertuples(), key=lambda d: (position.get(d.unit_code, len(position)),
                                                               order.get(d.indicator_code, len(order))))
    return [[d.unit_code, names.get(d.unit_code, d.unit_code), d.indicator_code, d.indicator_name,
             d.unit or "", d.raw_text if d.raw_text is not None else "",
             None if d.value_used is None else round(float(d.value_used), 4), round2(d.score),
             round2(d.points), (d.flags or "").replace(";", "、"), d.value_period or "",
             d.department_name or d.department_code or "", d.file_name or "", d.sheet or "", d.cell or ""]
            for d in details]


def details_sheet(wb: Workbook, data: RunData) -> None:
    rows = detail_rows(data)
    headers = list(texts.DETAIL_HEADERS)
    widths = [column_width([h, *(r[i] for r in rows)], cap=30 if i in (3, 12) else 16)
              for i, h in enumerate(headers)]
    table_sheet(wb, texts.SHEET_DETAILS, _title(texts.DETAILS_TITLE, data), subtitle(data), headers,
                rows, widths, formats={7: "General"}, freeze=f"C{FIRST_ROW}")


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


def _notes_fields(data: RunData) -> list[tuple[str, str]]:
    cat, run = data.catalog, data.run
    producer = "，".join(f"{k}={v}" for k, v in sorted(run.produced_by.items())) or "kaoping"
    values = (cat.code, cat.name, f"{data.period.code}（{data.period.label}）", cat.assessed_kind,
              str(run.id), texts.RUN_STATUS.get(run.status, run.status), time_text(data.local(run.published_at)),
              time_text(data.local(run.data_cutoff_at)), run.input_sha256, producer)
    return list(zip(texts.NOTES_FIELDS, values))


def notes_sheet(wb: Workbook, data: RunData) -> None:
    """Run facts (catalog, cut-off, run id, input hash), then how each indicator is scored."""
    cat = data.catalog
    names = {c.code: c.name for c in cat.categories}
    rows = [[i.code, i.name, names.get(i.category_code, ""), texts.KIND[i.kind],
             round2(i.points) if i.points is not None else "", method_note(i, cat)]
            for i in cat.all_indicators()]
    headers, fields = list(texts.NOTES_INDICATOR_HEADERS), _notes_fields(data)
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
