"""Adjustments in the pure scoring layer: values replaced (the newest adjustment wins, sent rows keep
their lineage), and the score rows that used one flagged, formulas reading an adjusted input too."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.scoring.adjustments import adjusted_scores, apply_adjustments
from kaoping.sources.catalogs import parse_catalog

CATALOG = """
catalog: {code: t-2025, name: 测试, year: 2025, assessed_kind: county, full_marks: 100,
  grades: [{name: 合格, min_score: 60}, {name: 不合格}]}
categories:
  - {code: C1, name: 治安, points: 100, indicators: [
      {code: I1, name: 破案率, source: GA, method: threshold, direction: higher_better, points: 50, target: 100},
      {code: I2, name: 每万人案件数, method: relative, direction: lower_better, points: 50,
       derived: {ratio: [CR, POP], scale: 1}}]}
inputs:
  - {code: CR, name: 案件数, source: GA}
  - {code: POP, name: 常住人口, source: GA}
"""
UNITS, CODES = ["A", "B", "C"], ["I1", "CR", "POP"]


@settings(deadline=None)  # the first example also imports pandas' and numpy's paths
@given(sent=st.dictionaries(st.tuples(st.sampled_from(UNITS), st.sampled_from(CODES)),
                            st.floats(0, 100), max_size=9),
       adjusted=st.lists(st.tuples(st.sampled_from(UNITS), st.sampled_from(CODES), st.floats(0, 100)), max_size=6))
def test_each_cell_takes_its_newest_adjustment_and_nothing_else_changes(sent, adjusted):
    values = pd.DataFrame([(u, c, v, k + 1) for k, ((u, c), v) in enumerate(sent.items())],
                          columns=["unit_code", "indicator_code", "value", "fact_value_id"])
    adjustments = pd.DataFrame([(k + 1, "2025Q1", u, c, v) for k, (u, c, v) in enumerate(adjusted)],
                               columns=["id", "period", "unit_code", "indicator_code", "value"])
    out = apply_adjustments(values, adjustments, "2025Q1")
    newest = {(u, c): v for u, c, v in adjusted}
    got = {(r.unit_code, r.indicator_code): (r.value, r.fact_value_id) for r in out.itertuples()}
    assert len(out) == len(set(sent) | set(newest))
    for cell in set(sent) | set(newest):
        value, lineage = got[cell]
        assert value == newest.get(cell, sent.get(cell))
        assert (lineage == values.loc[(values["unit_code"] == cell[0]) & (values["indicator_code"] == cell[1]),
                                      "fact_value_id"].iloc[0]) if cell in sent else np.isnan(lineage)


def test_other_periods_adjustments_leave_the_values_alone():
    values = pd.DataFrame({"unit_code": ["A"], "indicator_code": ["I1"], "value": [50.0], "fact_value_id": [7]})
    adjustments = pd.DataFrame({"id": [1], "period": ["2024Q1"], "unit_code": ["A"], "indicator_code": ["I1"],
                                "value": [90.0]})
    assert apply_adjustments(values, adjustments, "2025Q1").equals(values)


def test_rows_that_used_an_adjustment_are_flagged_formulas_included():
    catalog = parse_catalog(CATALOG, departments={"GA"})
    scores = pd.DataFrame({"unit_code": ["A", "A", "B", "B"], "indicator_code": ["I1", "I2", "I1", "I2"],
                           "value_used": [90.0, 1.0, 80.0, 2.0], "score": [45.0, 50.0, 40.0, 25.0],
                           "points": [50.0] * 4, "flags": ["", "", "缺报", ""],
                           "value_period": ["2025Q1"] * 4, "fact_value_id": [1, None, None, None]})
    adjustments = pd.DataFrame({"id": [3, 4, 5], "period": ["2025Q1", "2024Q1", "2023Q1"],
                                "unit_code": ["A", "B", "B"], "indicator_code": ["I1", "POP", "I1"],
                                "value": [90.0, 10.0, 1.0]})
    out, lineage = adjusted_scores(scores, adjustments, catalog, "2025Q1")
    assert out["flags"].tolist() == ["人工调整", "", "缺报", "人工调整"]  # B's I2 reads POP of a year before
    assert lineage.values.tolist() == [["A", "I1", 3], ["B", "I2", 4]]
