"""计算依据 (reports.inputs): the sent values under a computed indicator, joined without a database."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from report_kit import RATIO_CATALOG

from kaoping.reports.inputs import formula_leaves, input_periods, input_rows, with_inputs
from kaoping.scoring.periods import Period
from kaoping.sources.catalogs import parse_catalog
from kaoping.warehouse.details import VALUE_COLUMNS

YOY = RATIO_CATALOG.replace("      - {code: C01-02, name: 意识形态领域负面事件, unit: 起, source: WX, integer: true,\n"
                            "         method: deduction, points: 10, per: 1, range: [0, 1000]}",
                            "      - {code: C01-02, name: 万人案件数同比, unit: \"%\", method: deduction, points: 10,\n"
                            "         per: 1, derived: {yoy: CRR}}") + """\
derived:
  - {code: CRR, name: 每万人刑事案件数, ratio: [CR, POP], scale: 10000}
"""


def _details(units: list[str], codes: list[str]) -> pd.DataFrame:
    n = len(units) * len(codes)
    cat = lambda v: pd.Categorical(v)  # noqa: E731
    return pd.DataFrame({"value_used": np.arange(n, dtype=float), "score": 1.0, "points": 2.0,
                         "unit_code": cat(np.repeat(units, len(codes))), "indicator_code": cat(codes * len(units)),
                         "flags": cat([""] * n), "value_period": cat(["2025Q3"] * n), "raw_text": cat(["1"] * n),
                         "sheet": cat(["S"] * n), "cell": cat(["A1"] * n), "submission_id": cat([7] * n),
                         "indicator_name": cat(["x"] * n), "unit": cat([""] * n), "file_name": cat(["f.xlsx"] * n),
                         "department": cat(["公安局"] * n)})


def _values(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([(p, u, c, v, str(v), "数据", cell, f"{c}.xlsx", "部门") for p, u, c, v, cell in rows],
                        columns=VALUE_COLUMNS)


def test_a_yoy_of_a_ratio_reads_both_inputs_now_and_a_year_ago():
    cat = parse_catalog(YOY)
    assert formula_leaves(cat, "C01-02") == [("CR", 0), ("POP", 0), ("CR", 1), ("POP", 1)]
    assert input_periods(cat, Period.parse("2025Q3")) == ["2025Q3", "2024Q3"]
    values = _values([("2025Q3", "A01", "CR", 12, "H4"), ("2025Q3", "A01", "POP", 6, "I4"),
                      ("2024Q3", "A01", "CR", 10, "H9"), ("2024Q3", "A01", "POP", 5, "I9"),
                      ("2024Q2", "A01", "CR", 99, "H1")])
    rows = input_rows(_details(["A01"], ["C01-02"]), cat, values, Period.parse("2025Q3"))
    got = list(zip(rows["indicator_code"], rows["value_period"], rows["value_used"], rows["cell"]))
    assert got == [("CR", "2025Q3", 12, "H4"), ("POP", "2025Q3", 6, "I4"), ("CR", "2024Q3", 10, "H9"),
                   ("POP", "2024Q3", 5, "I9")]
    assert list(rows["parent"]) == [0] * 4 and list(rows["file_name"]) == ["CR.xlsx", "POP.xlsx"] * 2


def test_inputs_follow_their_row_in_the_given_order_and_missing_ones_are_marked():
    cat = parse_catalog(RATIO_CATALOG)
    details = _details(["A01", "A02"], ["C01-01", "C02-01"])
    values = _values([("2025Q3", "A01", "CR", 1, "H4"), ("2025Q3", "A01", "POP", 2, "I4"),
                      ("2025Q3", "A02", "POP", 3, "I5")])
    inputs = input_rows(details, cat, values, Period.parse("2025Q3"))
    frame, order = with_inputs(details, inputs, np.array([2, 3, 0, 1]))  # A02 ranked first
    shown = [(str(frame["unit_code"][k]), str(frame["indicator_code"][k]), frame["flags"][k]) for k in order]
    assert shown == [("A02", "C01-01", ""), ("A02", "C02-01", ""), ("A02", "CR", "计算依据;未报送"),
                     ("A02", "POP", "计算依据"), ("A01", "C01-01", ""), ("A01", "C02-01", ""),
                     ("A01", "CR", "计算依据"), ("A01", "POP", "计算依据")]
    assert list(frame["submission_id"][:4]) == [7] * 4 and np.isnan(frame["score"][order[2]])


def test_inputs_at_province_scale_are_joined_quickly():
    cat = parse_catalog(RATIO_CATALOG)
    units = [f"U{k:04d}" for k in range(2000)]
    details = _details(units, ["C01-01", "C01-02", "C02-01", "B01", "P01", "V01"] * 5)
    values = _values([("2025Q3", u, c, 1, "A1") for u in units for c in ("CR", "POP")])
    start = time.perf_counter()
    inputs = input_rows(details, cat, values, Period.parse("2025Q3"))
    frame, order = with_inputs(details, inputs, np.arange(len(details)))
    assert len(inputs) == 2000 * 5 * 2 and len(order) == len(details) + len(inputs)
    assert time.perf_counter() - start < 5
