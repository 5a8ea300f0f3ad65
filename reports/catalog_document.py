"""The 考评细则 as a document (指标下达): one row per indicator and the catalog's general rules.

Every word comes from the functions the ranking workbook's 说明 sheet and the feedback use
(`method_note`, `rule_words`, `catalog_rule_fields`), applied to the same Catalog model scoring
reads, so the document sent to departments can never disagree with the scoring. `kaoping catalog
show` prints it; `kaoping catalog export` writes it as a printable workbook.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

from kaoping.reports import texts
from kaoping.core.layout import safe_file_part
from kaoping.reports.files import write_atomic
from kaoping.reports.ranking_sheets import assessed_kind_text, catalog_rule_fields, row_height
from kaoping.reports.reasons import method_note
from kaoping.reports.rule_words import combine_text, pools_text
from kaoping.reports.words import number_text
from kaoping.reports.xlsx.cells import put, put_header, put_row, put_title, set_height
from kaoping.reports.xlsx.pages import print_setup
from kaoping.reports.xlsx.styles import BODY, CENTER, HEADER, HEADER_FILL, WRAP_LEFT
from kaoping.reports.xlsx.widths import column_width, set_widths
from kaoping.reports.xlsx.workbook import new_workbook, workbook_bytes
from kaoping.scoring.catalog import Catalog, Indicator

PRINT_ROOM = 0.85  # share of a column width wrapped text fills in print (office fonts run wider than Excel units)


@dataclass(frozen=True)
class ItemRow:
    """One indicator of the document; `cells()` follow texts.CATALOG_HEADERS."""

    section: str  # 一级指标: its category's name, or its kind's section name
    section_points: float | None  # the category's points (None outside the categories)
    code: str
    name: str
    points: str
    department: str
    rule: str
    due: str

    def cells(self, with_points: bool = True) -> list[str]:
        """The row's cells; the 一级指标 cell carries the category's points unless `with_points` is False."""
        section = (texts.CATEGORY_HEADER.format(name=self.section, points=self.section_points)
                   if with_points and self.section_points is not None else self.section)
        return [section, self.code, self.name, self.points, self.department, self.rule, self.due]


def document_order(catalog: Catalog) -> list[Indicator]:
    """Each category's indicators then its deductions, then bonus, penalties, vetoes, inputs, derived."""
    inside = [i for c in catalog.categories for i in (*c.indicators, *c.deductions)]
    return inside + [*catalog.bonus, *catalog.penalties, *catalog.vetoes, *catalog.inputs, *catalog.derived]


def item_rows(catalog: Catalog, department: Callable[[str], str],
              due_days: Mapping[str, int] | None = None) -> list[ItemRow]:
    """One row per indicator; `department` labels a source code, `due_days` overrides the catalog's
    deadline_days per department (kaoping.toml `[deadlines]`)."""
    categories = {c.code: c for c in catalog.categories}
    rows = []
    for ind in document_order(catalog):
        category = categories.get(ind.category_code)
        days = (due_days or {}).get(ind.source, catalog.deadline_days) if ind.source else None
        rows.append(ItemRow(
            section=category.name if category else texts.CATALOG_SECTION[ind.kind],
            section_points=category.points if category else None,
            code=ind.code, name=ind.name,
            points=number_text(ind.points) if ind.kind == "scored" else "",
            department=department(ind.source) if ind.source else texts.CATALOG_COMPUTED,
            rule=method_note(ind, catalog),
            due=texts.CATALOG_DUE.format(days=days) if days is not None else ""))
    return rows


def document_fields(catalog: Catalog) -> list[tuple[str, str]]:
    """The general rules, label and words: ranking rules, then 限扣 pools and the combined year where set."""
    fields = catalog_rule_fields(catalog)
    extra = ((texts.CATALOG_POOLS, pools_text(catalog)), (texts.CATALOG_COMBINE, combine_text(catalog)),
             (texts.CATALOG_DEADLINE, texts.CATALOG_DEADLINE_RULE.format(days=catalog.deadline_days)
              if catalog.deadline_days is not None else None))
    return fields + [(label, words) for label, words in extra if words]


def document_title(catalog: Catalog) -> str:
    return texts.CATALOG_TITLE.format(name=catalog.name)


def document_subtitle(catalog: Catalog) -> str:
    """细则代码, 考评对象, 满分: the line under the title."""
    return texts.CATALOG_SUBTITLE.format(code=catalog.code, kind=assessed_kind_text(catalog.assessed_kind),
                                         full_marks=number_text(catalog.full_marks))


def headers_for(rows: list[ItemRow]) -> list[str]:
    """The document's columns; 报送时限 only when some indicator has a due date."""
    headers = list(texts.CATALOG_HEADERS)
    return headers if any(r.due for r in rows) else headers[:-1]


def _fields_block(ws, fields: list[tuple[str, str]], widths: list[float], top: int) -> int:
    """The general rules as label | words rows (words merged across the table); the next free row."""
    last = len(widths)
    for k, (label, words) in enumerate(fields, start=top):
        put(ws, k, 1, label, HEADER, align=CENTER, fill=HEADER_FILL)
        for col in range(2, last + 1):
            put(ws, k, col, words if col == 2 else None, BODY, align=WRAP_LEFT)
        ws.merge_cells(start_row=k, start_column=2, end_row=k, end_column=last)
        set_height(ws, k, row_height([label, words], [widths[0] * PRINT_ROOM, sum(widths[1:]) * PRINT_ROOM]))
    return top + len(fields)


def _indicator_table(ws, rows: list[ItemRow], headers: list[str], widths: list[float], top: int) -> None:
    """The header row at `top` and one self-contained row per indicator under it (no merged
    cells: a row read on its own, filtered in Excel or printed after a page break says it all)."""
    put_header(ws, top, headers, widths)
    aligns = {1: CENTER, 2: CENTER, 4: CENTER, 7: CENTER}
    for k, row in enumerate(rows, start=top + 1):
        cells = row.cells()[:len(headers)]
        put_row(ws, k, cells, align=WRAP_LEFT, aligns=aligns)
        set_height(ws, k, row_height(cells, [w * PRINT_ROOM for w in widths]))


def _widths(rows: list[ItemRow], headers: list[str]) -> list[float]:
    caps = (14, 10, 24, 6, 18, 50, 12)
    widths = [column_width([h, *(r.cells()[i] for r in rows)], cap=caps[i]) for i, h in enumerate(headers)]
    widths[0] = max(widths[0], column_width(texts.NOTES_RULES))
    widths[5] = max(widths[5], 40)
    return widths


def catalog_workbook_bytes(catalog: Catalog, rows: list[ItemRow], when: datetime) -> bytes:
    """The printable 考评细则 (A4 landscape, one page wide, the header row repeated on every page)."""
    headers = headers_for(rows)
    widths = _widths(rows, headers)
    wb = new_workbook(document_title(catalog), when)
    ws = wb.create_sheet(texts.SHEET_CATALOG)
    put_title(ws, document_title(catalog), len(headers), document_subtitle(catalog))
    header_row = _fields_block(ws, document_fields(catalog), widths, 3) + 1
    _indicator_table(ws, rows, headers, widths, header_row)
    set_widths(ws, widths)
    print_setup(ws, f"{header_row}:{header_row}")
    return workbook_bytes(wb)


def write_catalog_document(catalog: Catalog, rows: list[ItemRow], folder: Path, when: datetime) -> Path:
    """`folder`/<code>_考评细则.xlsx, written atomically (left untouched when its bytes are unchanged)."""
    path = Path(folder) / safe_file_part(texts.CATALOG_FILE.format(code=catalog.code))
    write_atomic(path, catalog_workbook_bytes(catalog, rows, when))
    return path
