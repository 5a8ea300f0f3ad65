"""Hypothesis builds messy department sheets from the SPEC §5 quirks (title and note rows, blank
and 合计 rows, header spellings, aliases, full-width text, units typed after numbers, percent
formats, missing markers, wide and long shapes, xlsx and CSV in UTF-8 or GBK) and sometimes
plants one bad cell. The parser must accept a clean sheet with exactly the values written, and
reject a planted one with an error at that cell — never crash."""
from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

import hostile_files as hf
from kaoping.stages.resources import Resources
from kaoping.stages.intake import examine_file

FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
UNIT_SPELLINGS = {"U01": ["东城县", "东城", "U01", " 东城县 ", "东城县\u00a0"],
                  "U02": ["西城区", "U02", "西 城 区"], "U03": ["南湖县(市)", "南湖县（市）", "U03"]}
UNIT_HEADERS = ["单位", "单位名称", "地区", "县(市、区)", "被考评单位"]
PERCENT_HEADERS = ["涉政风险隐患排查处置率", "涉政风险隐患排查处置率（%）", "C01-01"]
COUNT_HEADERS = ["刑事案件立案数", "刑事立案数", "刑事案件立案数(起)", "C01-02"]
MISSING = ["—", "-", "/", "无", "不适用", ""]
BAD_VALUES = {"C01-01": ["待统计", "150", "-5", "１２０％"], "C01-02": ["3.5", "待统计", "2000"]}


@dataclass(frozen=True)
class Cell:
    """What is written in a value cell, the value the parser must read, and a number format."""

    written: object
    value: float | None
    number_format: str | None = None


@st.composite
def percent_cells(draw, xlsx: bool) -> Cell:
    tenths = draw(st.integers(0, 1000))
    v = tenths / 10
    text = f"{v:g}"
    choices = [Cell(v, v), Cell(text, v), Cell(f"{text}%", v), Cell(f"{text}%".translate(FULL_WIDTH), v),
               Cell(f" {text}\u00a0", v), Cell(draw(st.sampled_from(MISSING)), None)]
    if xlsx:
        choices.append(Cell(tenths / 1000, v, "0.0%"))
    return draw(st.sampled_from(choices))


@st.composite
def count_cells(draw) -> Cell:
    n = draw(st.integers(0, 1000))
    choices = [Cell(n, n), Cell(str(n), n), Cell(f"{n}起", n), Cell(f"{n} 起", n), Cell(str(n).translate(FULL_WIDTH), n),
               Cell(f"{n:,}", n), Cell(draw(st.sampled_from(MISSING)), None)]
    return draw(st.sampled_from(choices))


@st.composite
def messy_sheets(draw):
    """(format, shape, rows of the sheet, number formats by ref, truth, planted bad cell or None)."""
    fmt = draw(st.sampled_from(["xlsx", "csv_utf8", "csv_gbk"]))
    shape = draw(st.sampled_from(["wide", "long"]))
    units = draw(st.permutations(sorted(UNIT_SPELLINGS)))
    cells = {(u, code): draw(percent_cells(fmt == "xlsx") if code == "C01-01" else count_cells())
             for u in units for code in ("C01-01", "C01-02")}
    plant = draw(st.none() | st.tuples(st.sampled_from(units), st.sampled_from(["C01-01", "C01-02"])))
    if plant:
        cells[plant] = Cell(draw(st.sampled_from(BAD_VALUES[plant[1]])), None)
    names = {u: draw(st.sampled_from(UNIT_SPELLINGS[u])) for u in units}
    top = [["2025年第三季度公安局平安建设指标报送表"]] * draw(st.integers(0, 1)) + [[]] * draw(st.integers(0, 2))
    if shape == "wide":
        order = draw(st.permutations(["C01-01", "C01-02"]))
        header = [draw(st.sampled_from(UNIT_HEADERS)),
                  *(draw(st.sampled_from(PERCENT_HEADERS if c == "C01-01" else COUNT_HEADERS)) for c in order)]
        body = [[names[u], *(((u, c), cells[(u, c)]) for c in order)] for u in units]
    else:
        header = [draw(st.sampled_from(UNIT_HEADERS)), "指标", "数值"]
        body = [[names[u], hf.INDICATORS[c], ((u, c), cells[(u, c)])] for u in units for c in ("C01-01", "C01-02")]
    if draw(st.booleans()):
        body.insert(draw(st.integers(0, len(body))), [])
    rows, formats, bad_ref = [*top, header], {}, None
    for line in body:
        out = []
        for col, item in enumerate(line, start=1):
            if isinstance(item, str):
                out.append(item)
                continue
            key, cell = item
            ref = f"{get_column_letter(col)}{len(rows) + 1}"
            formats[ref] = cell.number_format
            bad_ref = ref if key == plant else bad_ref
            out.append(cell.written)
        rows.append(out)
    if draw(st.booleans()):
        rows.append(["合计", *([""] * (len(header) - 1))])
    rows += [["填报人：张三", "", "联系电话：0571-12345678"]] * draw(st.integers(0, 1))
    truth = {k: c.value for k, c in cells.items()}
    return fmt, rows, formats, truth, bad_ref


def written_file(folder: Path, n: int, fmt: str, rows: list[list], formats: dict[str, str | None]) -> Path:
    path = folder / f"{n}" / f"公安局_2025Q3.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    path.parent.mkdir(parents=True)
    if fmt == "xlsx":
        book = Workbook()
        for row in rows:
            book.active.append(row)
        for ref, number_format in formats.items():
            if number_format:
                book.active[ref].number_format = number_format
        book.save(path)
        return path
    gbk = fmt == "csv_gbk"
    with path.open("w", encoding="gbk" if gbk else "utf-8-sig", newline="") as fh:
        # GBK has no no-break space: a GBK sender's spaces are plain ones
        csv.writer(fh).writerows([["" if v is None else v.replace("\u00a0", " ") if gbk and isinstance(v, str) else v
                                   for v in row] for row in rows])
    return path


@pytest.fixture(scope="module")
def fuzz_res(tmp_path_factory, validator):
    root = tmp_path_factory.mktemp("fuzz")
    res = Resources.open(hf.make_workspace(root / "ws"), f"sqlite:///{root / 'wh.db'}")
    yield res, validator, root / "ws" / "inbox" / "公安局"
    res.close()


COUNTER = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sheet=messy_sheets())
def test_messy_sheets_are_read_exactly_or_rejected_at_the_planted_cell(fuzz_res, sheet):
    res, validator, folder = fuzz_res
    fmt, rows, formats, truth, bad_ref = sheet
    path = written_file(folder, next(COUNTER), fmt, rows, formats)
    exam = examine_file(res, path, validator, department_hint="公安局")
    errors = [p for p in exam.problems if p.severity == "error"]
    if bad_ref is None:
        assert exam.accepted, [(p.rule, p.cell, p.message) for p in errors]
        read = {(r.unit_code, r.indicator_code): None if pd.isna(r.value) else float(r.value)
                for r in exam.values.itertuples()}
        assert {k: v for k, v in read.items() if v is not None} == {k: v for k, v in truth.items() if v is not None}
    else:
        assert not exam.accepted
        assert bad_ref in {p.cell for p in errors}, [(p.rule, p.cell, p.message) for p in errors]
        assert all(p.message for p in errors)
