"""The ranking workbook's supporting sheets: 指标明细, 报送情况, 排名稳定性, 说明."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.reports import texts
from kaoping.reports.changes import Version, change_log
from kaoping.reports.data import RunData, positions, scheme_name
from kaoping.reports.inputs import with_inputs
from kaoping.reports.reasons import method_note
from kaoping.reports.xlsx import cells
from kaoping.reports.xlsx.cells import FIRST_ROW, column_styles, put, put_header, put_row, put_title, set_height
from kaoping.reports.xlsx.columns import CodedColumn, Column, NumberColumn, block_width
from kaoping.reports.xlsx.pages import print_setup
from kaoping.reports.xlsx.styles import BODY, CENTER, HEADER, HEADER_FILL, LEFT, WRAP_LEFT
from kaoping.reports.xlsx.tables import column_table, table_sheet
from kaoping.reports.xlsx.widths import column_width, set_widths, wrapped_lines
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.deadlines import on_time_rate
from kaoping.scoring.rounding import round2
from kaoping.warehouse.details import relabelled

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


def detail_columns(ws: Worksheet, data: RunData, d: pd.DataFrame | None = None) -> list[Column]:
    """The columns of 指标明细 (texts.DETAIL_HEADERS), one row per row of `d` (default: the details)."""
    d = data.details if d is None else d
    names = dict(zip(data.rankings["unit_code"], data.rankings["unit_name"]))
    aligns = {10: CENTER, 11: CENTER, 15: CENTER}  # 标记, 取值期间, 单元格 among the numbers
    styles = [column_styles(ws, col, formats={7: "General"}, aligns=aligns)
              for col in range(1, len(texts.DETAIL_HEADERS) + 1)]
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
    count = max(1, -(-rows // (cells.MAX_ROWS - FIRST_ROW + 1)))
    return [texts.SHEET_DETAILS] + [texts.SHEET_DETAILS_MORE.format(n=k) for k in range(2, count + 1)]


def details_sheet(wb: Workbook, data: RunData) -> list[str]:
    """指标明细, split over several sheets beyond Excel's row limit; returns their names."""
    rows, order = with_inputs(data.details, data.inputs, detail_order(data))  # 计算依据 under computed ones
    headers = list(texts.DETAIL_HEADERS)
    names, per_sheet = detail_sheet_names(len(order)), cells.MAX_ROWS - FIRST_ROW + 1
    sheets = [wb.create_sheet(name) for name in names]
    columns = detail_columns(sheets[0], data, rows)
    caps = {3: 30, 12: 60}  # 指标名称; 报送文件 whole, never cut
    widths = [block_width(h, c, cap=caps.get(i, 16)) for i, (h, c) in enumerate(zip(headers, columns))]
    for k, ws in enumerate(sheets):
        column_table(ws, _title(texts.DETAILS_TITLE, data), subtitle(data), headers, columns, widths,
                     order[k * per_sheet:(k + 1) * per_sheet], freeze=f"C{FIRST_ROW}")
    return names


def _file_lateness(s) -> str:
    if s.timeliness == "late":
        return texts.FILE_LATE.format(days=int(s.days_late))
    return texts.FILE_ON_TIME if s.timeliness == "on_time" else ""


def _timeliness_rows(data: RunData) -> list[list]:
    return [[s.name, s.code, s.deadline.strftime("%Y-%m-%d") if s.deadline else texts.UNKNOWN,
             data.local(s.first_received) if s.first_received else "", s.label] for s in data.timeliness]


def submissions_sheet(wb: Workbook, data: RunData) -> None:
    """Every file received (with its own lateness), then each department's 报送时限 state and the
    period's on-time rate (SPEC §10)."""
    rows = [[s.department_name or s.department_code or "", s.file_name, data.local(s.received_at),
             texts.SUBMISSION_STATUS.get(s.status, s.status), int(s.error_count), int(s.warning_count),
             int(s.value_count), _file_lateness(s)] for s in data.submissions.itertuples()]
    states = _timeliness_rows(data)
    headers = list(texts.SUBMISSION_HEADERS)
    widths = [column_width([h, *(r[i] for r in rows), *(r[i] for r in states if i < len(r))], cap=50)
              for i, h in enumerate(headers)]
    widths[2] = widths[3] = 18
    ws = table_sheet(wb, texts.SHEET_SUBMISSIONS, _title(texts.SUBMISSIONS_TITLE, data), subtitle(data),
                     headers, rows, widths, formats={3: TIME})
    if not any(s.deadline for s in data.timeliness):  # no 报送时限 set: nothing to judge
        return
    rate = on_time_rate(data.timeliness)
    top = FIRST_ROW + len(rows) + 1
    put(ws, top, 1, texts.TIMELINESS_TITLE.format(rate="—" if rate is None else f"{rate:.0%}"), HEADER,
        align=LEFT, border=False)
    put_header(ws, top + 1, list(texts.TIMELINESS_HEADERS), widths[:len(texts.TIMELINESS_HEADERS)])
    for k, row in enumerate(states, start=top + 2):
        put_row(ws, k, row, formats={4: TIME})
    set_widths(ws, widths)


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


def assessed_kind_text(kind: str) -> str:
    """考评对象 in words: `county` → 县（市、区）."""
    return texts.ASSESSED_KIND.get(kind, kind)


def grade_rules_text(cat: Catalog, n: int | None) -> str:
    """The grade rules of the catalog in words, top-down, with the quota each max_share allows
    among `n` ranked units (None: the catalog on paper, the quota stated as a share)."""
    parts = []
    for g in cat.grades:
        if g.min_score is None:
            parts.append(texts.GRADE_RULE_REST.format(name=g.name))
            continue
        rule = texts.GRADE_RULE.format(name=g.name, min_score=g.min_score)
        if g.max_share is not None and cat.rank_within == "group":
            rule = texts.GRADE_RULE_SHARE_GROUPED.format(rule=rule, share=g.max_share * 100)
        elif g.max_share is not None and n is None:
            rule = texts.GRADE_RULE_SHARE_ANY.format(rule=rule, share=g.max_share * 100)
        elif g.max_share is not None:
            rule = texts.GRADE_RULE_SHARE.format(rule=rule, share=g.max_share * 100, scope="", n=n,
                                                 quota=int(g.max_share * n + 1e-9))
        parts.append(rule)
    if cat.vetoes and cat.veto_grade:
        parts.append(texts.GRADE_RULE_VETO.format(grade=cat.veto_grade))
    return texts.GRADE_RULES_JOIN.join(parts)


def _tie_text(cat) -> str:
    names = {c.code: c.name for c in cat.categories} | {i.code: i.name for i in cat.all_indicators()}
    items = "、".join(texts.TIE_ITEM.format(name=names.get(c, c), code=c) for c in cat.tie_breakers)
    return texts.TIE_BREAKERS.format(items=items) if items else texts.TIE_NONE


def catalog_rule_fields(cat: Catalog, n: int | None = None) -> list[tuple[str, str]]:
    """等次评定, 加分上限, 总分下限, 同分排序, 分组排名: the catalog's ranking rules in words
    (`n` as in grade_rules_text)."""
    bonus = (texts.BONUS_NONE if not cat.bonus else
             texts.BONUS_NO_CAP if cat.bonus_cap is None else texts.BONUS_CAP.format(cap=cat.bonus_cap))
    values = (grade_rules_text(cat, n), bonus, texts.FLOOR_NEGATIVE if cat.allow_negative else texts.FLOOR_ZERO,
              _tie_text(cat), texts.RANK_GROUPED if cat.rank_within == "group" else texts.RANK_WHOLE)
    return list(zip(texts.NOTES_RULES, values))


def rule_fields(data: RunData) -> list[tuple[str, str]]:
    """The catalog's ranking rules in words, with the grade quotas of this run's ranking."""
    return catalog_rule_fields(data.catalog, len(data.rankings))


def office_fields(data: RunData) -> list[tuple[str, str]]:
    """制表单位, 制表, 审核 from [office] in kaoping.toml (a line to sign on where empty)."""
    o = data.office
    return list(zip(texts.NOTES_OFFICE, (o.name or texts.BLANK_SIGN, o.prepared_by or texts.BLANK_SIGN,
                                         o.reviewed_by or texts.BLANK_SIGN)))


def office_line(data: RunData) -> str:
    """制表单位：… 制表：… 审核：…, the line under the ranking table."""
    office, prepared, reviewed = (v for _, v in office_fields(data))
    return texts.OFFICE_LINE.format(office=office, prepared=prepared, reviewed=reviewed)


def _notes_fields(data: RunData, detail_sheets: list[str]) -> list[tuple[str, str]]:
    cat, run = data.catalog, data.run
    producer = "，".join(f"{k}={v}" for k, v in sorted(run.produced_by.items())) or "kaoping"
    values = (cat.code, cat.name, f"{data.period.code}（{data.period.label}）", assessed_kind_text(cat.assessed_kind),
              str(run.id), texts.RUN_STATUS.get(run.status, run.status), time_text(data.local(run.published_at)),
              time_text(data.local(run.data_cutoff_at)), run.input_sha256, producer)
    fields = list(zip(texts.NOTES_FIELDS, values))
    fields[4:4] = rule_fields(data)
    if len(detail_sheets) > 1:  # Excel's row limit split 指标明细
        rows = len(data.details) + (0 if data.inputs is None else len(data.inputs))  # 计算依据 rows too
        fields.append((texts.SHEET_DETAILS, texts.DETAILS_SPLIT.format(
            rows=rows, sheets="、".join(detail_sheets), n=len(detail_sheets))))
    return fields + office_fields(data)


def row_height(values: list, widths: list[float]) -> float:
    """A row height that shows every wrapped value whole (office suites do not grow rows on opening)."""
    lines = max((wrapped_lines(str(v), w) for v, w in zip(values, widths) if v not in (None, "")), default=1)
    return 14 * lines + 4


def notes_sheet(wb: Workbook, data: RunData, detail_sheets: list[str]) -> None:
    """Run facts (catalog, ranking rules, cut-off, run id, input hash, how 指标明细 is split, issuing
    office), then how each indicator is scored; every text wraps inside its row."""
    cat = data.catalog
    names = {c.code: c.name for c in cat.categories}
    rows = [[i.code, i.name, names.get(i.category_code, ""), texts.KIND[i.kind],
             round2(i.points) if i.points is not None else "", method_note(i, cat)]
            for i in cat.all_indicators()]
    headers, fields = list(texts.NOTES_INDICATOR_HEADERS), _notes_fields(data, detail_sheets)
    widths = [column_width([h, *(r[k] for r in rows)], cap=50 if k == 5 else 24) for k, h in enumerate(headers)]
    widths[0] = max(widths[0], column_width(texts.NOTES_FIELDS))
    widths[5] = max(widths[5], 40)
    merged = sum(widths[1:])
    ws = wb.create_sheet(texts.SHEET_NOTES)
    put_title(ws, texts.NOTES_TITLE.format(name=cat.name), len(headers))
    for k, (label, value) in enumerate(fields, start=3):
        put(ws, k, 1, label, HEADER, align=WRAP_LEFT, fill=HEADER_FILL)
        for col in range(2, len(headers) + 1):
            put(ws, k, col, value if col == 2 else None, BODY, align=WRAP_LEFT)
        ws.merge_cells(start_row=k, start_column=2, end_row=k, end_column=len(headers))
        set_height(ws, k, row_height([label, value], [widths[0], merged]))
    header_row = 3 + len(fields) + 1
    put_header(ws, header_row, headers, widths)
    for k, row in enumerate(rows, start=header_row + 1):
        put_row(ws, k, row, align=WRAP_LEFT)
        set_height(ws, k, row_height(row, widths))
    set_widths(ws, widths)
    print_setup(ws, f"{header_row}:{header_row}", landscape=False)
    adjustments_block(ws, data, header_row + len(rows) + 2)


def adjustment_rows(data: RunData) -> list[list]:
    """One row per adjustment the run used (texts.NOTES_ADJUSTMENT_HEADERS), in unit, indicator order."""
    a = data.adjustments
    out = []
    for _, rows in a.groupby("adjustment_id", sort=False):
        direct = rows[rows["indicator_code"] == rows["adjusted_code"]]
        row = (direct if len(direct) else rows).iloc[0]
        formula = rows.loc[rows["indicator_code"] != rows["adjusted_code"], "indicator_code"].tolist()
        name = f"{row.adjusted_code} {row.adjusted_name or ''}".strip()
        if formula:
            name += texts.NOTES_ADJUSTMENT_FORMULA.format(codes="、".join(formula))
        sent = row.sent_value if direct.shape[0] and row.sent_value == row.sent_value else None
        out.append([f"{row.unit_name}（{row.unit_code}）", name, "" if sent is None else float(sent), float(row.value),
                    str(row.reason),
                    texts.NOTES_ADJUSTMENT_BY.format(author=row.author, when=time_text(data.local(row.created_at)),
                                                     source=row.source)])
    return sorted(out, key=lambda r: (r[0], r[1]))


def adjustments_block(ws: Worksheet, data: RunData, row: int) -> None:
    """The adjustments (人工调整) the run used, under the indicator notes of 说明 (none: nothing)."""
    rows = adjustment_rows(data)
    if not rows:
        return
    put(ws, row, 1, texts.NOTES_ADJUSTMENTS.format(n=len(rows)), HEADER, align=LEFT, border=False)
    put_header(ws, row + 1, list(texts.NOTES_ADJUSTMENT_HEADERS), [])
    for k, values in enumerate(rows, start=row + 2):
        put_row(ws, k, values, align=WRAP_LEFT)


def changes_sheet(wb: Workbook, data: RunData) -> None:
    """变更说明: each unit whose total, rank or grade changed since the previous version, old → new,
    with the cause of each changed indicator (SPEC §11)."""
    old = data.previous
    log = change_log(old, Version(data.run.number, data.rankings, data.details, data.adjustments))
    rows = [[f"{r.unit_name}（{r.group}）" if data.grouped and r.group else r.unit_name,
             r.total_old, r.total_new, r.rank_old, r.rank_new, r.grade_old or "", r.grade_new or "", r.causes]
            for r in log.itertuples()]
    headers = list(texts.CHANGES_HEADERS)
    widths = [column_width([headers[0], *(r[0] for r in rows)], floor=10), 9, 9, 8, 8, 8, 8, 70]
    title = texts.CHANGES_TITLE.format(label=data.period.label, name=scheme_name(data.catalog),
                                       new=data.run.number, old=old.number)
    ws = table_sheet(wb, texts.SHEET_CHANGES, title, subtitle(data), headers, rows, widths, freeze=f"B{FIRST_ROW}",
                     aligns={k: CENTER for k in range(4, 8)} | {8: WRAP_LEFT})
    for k, row in enumerate(rows, start=FIRST_ROW):
        set_height(ws, k, row_height(row, widths))
    if not rows:
        put(ws, FIRST_ROW, 1, texts.CHANGES_NONE.format(old=old.number), BODY, align=LEFT, border=False)
