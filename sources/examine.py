"""One file examined without touching the warehouse: read → shape → clean → validate → problems."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import pandas as pd

from kaoping.core.config import Settings
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.sources import checks, shapes
from kaoping.sources.context import file_department, file_period, readable
from kaoping.sources.grid import RawWorkbook
from kaoping.sources.messages import TEMPLATE_SHEET
from kaoping.sources.problems import FileRefused, Problem, has_errors, make_problem
from kaoping.sources.readers import read_workbook
from kaoping.sources.registry import Registry
from kaoping.sources.safety import check_file
from kaoping.sources.suites import UNKNOWN, SuiteInput, Validator
from kaoping.sources.template import HEADER_ROW, template_layout, template_rows
from kaoping.sources.values import cleaned_values

VALUE_COLUMNS = ["unit_code", "indicator_code", "value", "raw_text", "flags", "sheet", "cell"]
History = Callable[[list[str], list[str], str], pd.DataFrame]  # units, indicators, period → history


class Workspace(Protocol):
    """What examining a file reads of its workspace (kaoping.stages.resources.Resources is one)."""

    settings: Settings  # `intake` only
    registry: Registry
    catalogs: list[Catalog]

    def catalogs_for(self, period: Period | str) -> list[Catalog]: ...


@dataclass
class Examination:
    """What a file holds and what is wrong with it; `values` are the rows to load when accepted."""

    file: str
    department: str | None = None
    period: str | None = None
    catalog: Catalog | None = None
    shape: str | None = None
    sheet: str | None = None
    values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VALUE_COLUMNS))
    problems: list[Problem] = field(default_factory=list)
    workbook: RawWorkbook | None = None
    pending: SuiteInput | None = None  # prepared for the suite, not yet finished
    suite_ran: bool = False  # `validated`: the suite and the cell checks have added their problems

    @property
    def pending_rows(self) -> int:
        """Rows this file adds to a GX run (0 when it stopped before validation)."""
        return 0 if self.pending is None else len(self.pending.rows)

    @property
    def accepted(self) -> bool:
        return not has_errors(self.problems)


def _located(book: RawWorkbook, lookup) -> tuple[str | None, shapes.Cells, shapes.Header | None, str]:
    """The sheet to read, its cells, its header (None for templates / no header) and its shape."""
    if book.meta and TEMPLATE_SHEET in book.sheets:
        return TEMPLATE_SHEET, _cells(book, TEMPLATE_SHEET), None, "template"
    for sheet in book.sheets:
        cells = _cells(book, sheet)
        header = shapes.sheet_header(sheet, cells, lookup)
        if header:
            return sheet, cells, header, header.shape
    first = book.sheets[0] if book.sheets else None
    return first, _cells(book, first) if first else {}, None, ""


def _cells(book: RawWorkbook, sheet: str) -> shapes.Cells:
    return shapes.sheet_cells(book.grid[book.grid["sheet"] == sheet])


def _chosen_catalog(catalogs: list[Catalog], department: str, long: pd.DataFrame) -> Catalog | None:
    """The catalog of the year whose collected indicators of this department the file carries most."""
    carried = set().union(*long["indicator_codes"]) if len(long) else set()
    scored = [(len(carried & {i.code for i in c.collected(department)}), c) for c in catalogs]
    scored = [s for s in scored if s[0] > 0]
    return max(scored, key=lambda s: s[0])[1] if scored else None


def _resolved(long: pd.DataFrame, res: Workspace, catalog: Catalog, department: str, period: str) -> pd.DataFrame:
    """Unit and indicator keys: codes when they resolve, `?text` when not (so GX flags them)."""
    own = {i.code for i in catalog.collected(department)}
    names = {i.code: i.name for c in res.catalogs for i in c.all_indicators()}
    out = long.copy()
    unit_texts = long["unit_text"].tolist()
    resolved = {t: res.registry.resolve_unit(t, period) for t in set(unit_texts) if t}
    units = [resolved.get(t) for t in unit_texts]
    out["unit_code"] = pd.Series(units, index=long.index, dtype=object)
    out["unit_key"] = [c or f"{UNKNOWN}{t}" for c, t in zip(units, unit_texts)]
    codes = long["indicator_codes"].tolist()
    texts = [t if isinstance(t, str) else "" for t in long["indicator_text"].tolist()]
    mine = {c: sorted(c & own) for c in set(codes)}  # a wide sheet repeats one set per column
    out["indicator_key"] = [mine[c][0] if mine[c] else f"{UNKNOWN}{t or '、'.join(sorted(c))}"
                            for c, t in zip(codes, texts)]
    spelled = {c: "、".join(names.get(x, x) for x in sorted(c)) for c in set(codes)}
    out["indicator_text"] = [t or spelled[c] for t, c in zip(texts, codes)]
    return out


def _without_repeats(rows: pd.DataFrame) -> pd.DataFrame:
    """Identical repeats of a unit × indicator × value are harmless: the first one stays."""
    key = rows[["unit_key", "indicator_key"]].assign(v=rows["number_text"].fillna("∅"))
    return rows[~key.duplicated()].reset_index(drop=True)


def _template_table(exam: Examination, res: Workspace, cells, book: RawWorkbook) -> tuple[pd.DataFrame, list[Problem]]:
    """A template's long table, once its catalog and checksum match the current catalog and registry."""
    catalogs = res.catalogs_for(exam.period)
    catalog = next((c for c in catalogs if c.code == book.meta.get("catalog")), None)
    if catalog is None or not catalog.collected(exam.department):
        return pd.DataFrame(), [make_problem("template_catalog", exam.file, value=book.meta.get("catalog"),
                                             expected="、".join(c.code for c in catalogs))]
    layout = template_layout(catalog, exam.department, exam.period, res.registry)
    if book.meta.get("checksum") != layout.checksum:
        return pd.DataFrame(), [make_problem("template_checksum", exam.file, value=book.meta.get("checksum"),
                                             expected=layout.checksum)]
    exam.catalog = catalog
    return template_rows(cells, layout, exam.file)


def _long_table(exam: Examination, res: Workspace, cells, header, lookup,
                book: RawWorkbook) -> tuple[pd.DataFrame, list[Problem]]:
    """The long table and the problems of reading it (template structure, 合计 rows, no catalog)."""
    if exam.shape == "template":
        return _template_table(exam, res, cells, book)
    rows_of = shapes.wide_rows if header.shape == "wide" else (lambda c, h: shapes.long_rows(c, h, lookup))
    long, skipped = rows_of(cells, header)
    exam.catalog = _chosen_catalog(res.catalogs_for(exam.period), exam.department, long)
    problems = checks.skipped_row_problems(skipped, exam.file)
    if exam.catalog is None:
        problems.append(make_problem("no_catalog", exam.file, value=exam.period))
    return long, problems


def prepared(res: Workspace, path: Path, name_text: str, department_hint: str | None = None,
             department: str | None = None, period: str | None = None, name: str | None = None) -> Examination:
    """Read, shape, resolve and clean one file; `pending` holds its suite input unless it already failed.

    `path` is what is read (the private copy), `name` the file's own name (default: path's)."""
    name = name or path.name
    exam = Examination(readable(name))
    try:
        book = read_workbook(path, check_file(path, res.settings.intake, name), res.settings.intake, name)
    except FileRefused as refused:
        exam.problems = [refused.problem]
        return exam
    exam.workbook = book
    lookup = shapes.indicator_lookup(res.catalogs)
    exam.sheet, cells, header, exam.shape = _located(book, lookup)
    title = shapes.title_text(cells, header.rows[0] if header else HEADER_ROW if exam.shape == "template"
                              else min(cells, default=0) + 5)
    name_text, department_hint = readable(name_text), department_hint and readable(department_hint)
    exam.department, dept_problems = file_department(res.registry, exam.file, name_text, book.meta, department,
                                                     department_hint, title)
    exam.period, period_problems = file_period(exam.file, book.meta, period, name_text, title)
    exam.problems = dept_problems + period_problems
    if not exam.shape:
        exam.problems.append(make_problem("no_header", exam.file, exam.sheet))
    if has_errors(exam.problems):
        return exam
    long, problems = _long_table(exam, res, cells, header, lookup, book)
    exam.problems += problems
    if exam.catalog is not None and not has_errors(problems):
        exam.pending = _suite_input(exam, res, long)
    return exam


def failed_examination(name: str, exc: BaseException) -> Examination:
    """The examination of a file that kaoping itself failed on (a fault, not the sender's): rejected
    with a message saying so, so that the file is recorded and intake goes on with the others."""
    exam = Examination(readable(name))
    rule = "too_much_memory" if isinstance(exc, MemoryError) else "internal_error"
    exam.problems = [make_problem(rule, exam.file, detail=None if rule == "too_much_memory" else type(exc).__name__)]
    return exam


def _suite_input(exam: Examination, res: Workspace, long: pd.DataFrame) -> SuiteInput:
    """The cleaned rows of a file and what the suite checks them against."""
    catalog, period = exam.catalog, exam.period
    rows = _resolved(long, res, catalog, exam.department, period)
    rows = _without_repeats(cleaned_values(rows, {i.code for i in catalog.all_indicators() if i.unit == "%"}))
    in_scope = list(res.registry.units_in(period, catalog.assessed_kind)["code"])
    return SuiteInput(rows, catalog, exam.department, in_scope, exam.file, res.registry.unit_names)


def validated(res: Workspace, exams: list[Examination], validator: Validator) -> None:
    """The suite over every pending file not yet validated in one GX run, plus the cell checks; adds
    their problems."""
    waiting = [e for e in exams if e.pending is not None and not e.suite_ran]
    if not waiting:
        return
    for exam, problems in zip(waiting, validator.validate([e.pending for e in waiting])):
        item = exam.pending
        exam.suite_ran = True
        exam.problems += problems
        exam.problems += checks.cell_problems(item.rows, exam.file, exam.period, item.unit_names,
                                              _indicator_names(exam.catalog))
        exam.problems += checks.empty_column_problems(item.rows, exam.file, _indicator_names(exam.catalog))


def finished(res: Workspace, exam: Examination, history: History | None) -> Examination:
    """The history check of a validated file; fills `values` (the rows to load when accepted)."""
    if exam.pending is None:
        return exam
    rows, unit_names = exam.pending.rows, exam.pending.unit_names
    if history is not None and len(rows):
        past = history(sorted({u for u in rows["unit_code"].tolist() if isinstance(u, str)}),
                       sorted(set(rows["indicator_key"].tolist())), exam.period)
        exam.problems += checks.jump_problems(rows, past, exam.file, res.settings.intake.jump_z,
                                              res.settings.intake.jump_ratio, unit_names,
                                              _indicator_names(exam.catalog))
    exam.values = rows.rename(columns={"indicator_key": "indicator_code"})[VALUE_COLUMNS]
    exam.pending = None
    return exam


def _indicator_names(catalog: Catalog) -> dict[str, str]:
    return {i.code: i.name for i in catalog.all_indicators()}


def examine(res: Workspace, path: Path, validator: Validator, name_text: str, department_hint: str | None = None,
            department: str | None = None, period: str | None = None, history: History | None = None) -> Examination:
    """Examine one file: every problem found, and the clean values to load when there is no error."""
    exam = prepared(res, path, name_text, department_hint, department, period)
    validated(res, [exam], validator)
    return finished(res, exam, history)
