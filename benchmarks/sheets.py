"""Department files as offices write them: xlsx, xls, csv (UTF-8 / BOM / GBK), clean or messy."""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

FULL_WIDTH = str.maketrans("0123456789.%-", "０１２３４５６７８９．％－")
# cycled per department × quarter; a fifth of the files are messy (see `file_plan`)
FORMATS = ("xlsx", "xlsx", "xls", "csv:utf-8", "xlsx", "csv:gbk", "xlsx", "xls", "csv:utf-8-sig", "xlsx")
NOTES = ("填报人：张伟", "联系电话：0571-87654321", "审核人：李娜", "说明：数据截至本季度末。")


@dataclass(frozen=True)
class Sheet:
    """What a department file holds: its title, header rows, data rows and the lines below."""

    title_rows: list[list]
    header_rows: list[list]
    data_rows: list[list]
    footer_rows: list[list]
    merges: list[tuple[int, int, int, int]]  # (first row, last row, first col, last col), 0-based

    @property
    def rows(self) -> list[list]:
        return self.title_rows + self.header_rows + self.data_rows + self.footer_rows


def file_plan(department_index: int, quarter: int) -> tuple[str, bool]:
    """(format, messy) of one department's file for one quarter; deterministic."""
    k = department_index * 4 + quarter - 1
    # the messy fifth shifts every ten files so that every format gets messy files
    return FORMATS[k % len(FORMATS)], k % 5 == (k // 10) % 5


def _number(value: float) -> float | int | None:
    if math.isnan(value):
        return None
    return int(value) if value == int(value) else value


def _messy_text(value: float, unit: str, row: int) -> object:
    """How people type a value: `95.3%` text for percentages, full-width digits now and then."""
    number = _number(value)
    if number is None:
        return "—" if row % 2 else None
    text = f"{number}%" if unit == "%" else None
    if row % 7 == 3:
        return (text or str(number)).translate(FULL_WIDTH)
    return text or number


def clean_sheet(names: list[str], units: list[tuple[str, str]], columns: list[list[float]]) -> Sheet:
    """One header row (单位代码, 单位名称, indicators), one row per unit."""
    header = ["单位代码", "单位名称", *names]
    data = [[code, name, *(_number(col[r]) for col in columns)] for r, (code, name) in enumerate(units)]
    return Sheet([], [header], data, [], [])


def messy_sheet(title: str, names: list[str], measures: list[str], units: list[tuple[str, str]],
                columns: list[list[float]]) -> Sheet:
    """Title rows, a two-row merged header, 序号, text values, a 合计 row and notes below."""
    width = 2 + len(names)
    titles = [[title] + [None] * (width - 1), ["填报单位（盖章）：", None, "报送日期：" + title[:4] + "年"]]
    headers = [["序号", "单位名称", "报送指标"] + [None] * (len(names) - 1), [None, None, *names]]
    data = [[r + 1, name, *(_messy_text(col[r], measures[c], r) for c, col in enumerate(columns))]
            for r, (_code, name) in enumerate(units)]
    sums = [_number(round(sum(v for v in col if not math.isnan(v)), 1)) for col in columns]
    footer = [[None] * width, [None, "合计", *sums], *[[note] for note in NOTES]]
    merges = [(0, 0, 0, width - 1), (2, 3, 0, 0), (2, 3, 1, 1), (2, 2, 2, width - 1)]
    return Sheet(titles, headers, data, footer, merges)


def write_xlsx(path: Path, sheet: Sheet) -> None:
    """xlsx: write-only streaming when there is nothing to merge, normal mode otherwise."""
    from openpyxl import Workbook

    wb = Workbook(write_only=not sheet.merges)
    ws = wb.create_sheet("数据") if not sheet.merges else wb.active
    if sheet.merges:
        ws.title = "数据"
    for row in sheet.rows:
        ws.append(row)
    for r0, r1, c0, c1 in sheet.merges:
        ws.merge_cells(start_row=r0 + 1, end_row=r1 + 1, start_column=c0 + 1, end_column=c1 + 1)
    wb.save(path)


def write_xls(path: Path, sheet: Sheet) -> None:
    """xls (Excel 97–2003) through xlwt: at most 65,536 rows and 256 columns."""
    import xlwt

    if len(sheet.rows) > 65536 or max(len(r) for r in sheet.rows) > 256:
        raise ValueError(f"{path.name}: too large for the xls format")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("数据")
    merged = {(r, c) for r0, r1, c0, c1 in sheet.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r0, r1, c0, c1 in sheet.merges:
        ws.write_merge(r0, r1, c0, c1, sheet.rows[r0][c0])
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if value is not None and (r, c) not in merged:
                ws.write(r, c, value)
    book.save(str(path))


def write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    """csv as Excel saves it: UTF-8, UTF-8 with BOM, or GBK."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        for row in sheet.rows:
            writer.writerow(["" if v is None else v for v in row])


def write_sheet(path: Path, fmt: str, sheet: Sheet) -> Path:
    """Write `sheet` at `path` (extension added from `fmt`); returns the file written."""
    kind, _, encoding = fmt.partition(":")
    path = path.with_name(f"{path.name}.{kind}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "xlsx":
        write_xlsx(path, sheet)
    elif kind == "xls":
        write_xls(path, sheet)
    else:
        write_csv(path, sheet, encoding)
    return path
