"""The demo catalog (清河市 2025) scored on hand-picked values, checked against hand-computed totals.

Every unit gets a baseline on which each indicator scores full points (total 100); a few units
then differ on a few indicators, so each total below can be recomputed with a pencil.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from kaoping.sources.catalogs import load_catalog
from kaoping.scoring.engine import ScoreOptions, score_period
from kaoping.sources.registry import load_units

DATA = Path(str(resources.files("kaoping.demo") / "data"))
# value → full points: thresholds at target, deductions at 0, relatives and ranks all equal
BASELINE = {"C01-01": 100, "C01-02": 0, "CR": 50, "POP": 50, "C02-02": 100, "FRAUD": 30, "C02-04": 3,
            "C02-05": 0.2, "C03-01": 98, "C03-02": 100, "C03-03": 0, "C03-04": 10, "C04-01": 0, "C04-02": 1.5,
            "C04-03": 100, "C04-04": 99, "C04-05": 90, "C04-06": 100, "C05-01": 100, "C05-02": 10,
            "C06-01": 100, "C06-02": 90, "C06-03": 95, "C07-01": 90}
CHANGES = {
    "QH01": {"C01-01": 90, "C07-01": 80, "B01": 2},
    "QH02": {"CR": 100, "C04-04": None, "P01": 1},
    "QH03": {"V01": 1},
    "QH04": {"C05-02": 5, "C07-01": None},
    "QH05": {"C03-03": 4, "B01": 5, "B02": 4},
    "QH06": {"C07-01": 95},
    "QH07": {},
}


@pytest.fixture(scope="module")
def demo_result():
    catalog = load_catalog(DATA / "demo-county-2025.yaml")
    units = load_units(DATA / "units.csv")
    rows = [(unit, code, value) for unit, changes in CHANGES.items()
            for code, value in {**BASELINE, **changes}.items() if value is not None]
    values = pd.DataFrame(rows, columns=["unit_code", "indicator_code", "value"])
    history = pd.DataFrame([("2024Q1", u, "FRAUD", 30) for u in CHANGES] + [("2024Q4", "QH04", "C07-01", 85)],
                           columns=["period", "unit_code", "indicator_code", "value"])
    return score_period(catalog, values, units, history, pd.DataFrame(), ScoreOptions("2025Q1"))


def test_demo_catalog_uses_every_method_and_kind():
    frame = load_catalog(DATA / "demo-county-2025.yaml").indicator_frame()
    assert set(frame["method"].dropna()) == {"threshold", "relative", "rank", "deduction", "bands"}
    assert set(frame["kind"]) == {"scored", "bonus", "penalty", "veto", "input", "derived"}
    assert set(frame["missing"][frame["kind"] == "scored"]) == {"zero", "previous", "exclude"}
    assert frame["ratio_num"].notna().any() and frame["yoy_of"].notna().any()


def test_demo_rankings_match_hand_computation(demo_result):
    got = {r.unit_code: (r.group, round(r.total, 2), r.rank, r.grade, r.is_vetoed)
           for r in demo_result.rankings.itertuples()}
    # 城区 (QH01–QH05), 优秀 quota floor(0.3·5) = 1:
    # QH05: C03-03 3 − 0.5·4 = 1 (−2); bonus min(3, 5) + min(2, 0.5·4) = 5, capped at 4 → 102
    # QH03: baseline 100, vetoed (V01 = 1) → rank 2 by score, grade 不合格
    # QH04: C05-02 rank 5 of 5 → 5 − 0.5·4 = 3 (−2); C07-01 carried 85 from 2024Q4, relative over
    #       80..90 → 10·(0.7 + 0.3·0.5) = 8.5 (−1.5) → 96.5
    # QH02: CR/POP = 2 vs 1 → 8·0.6 = 4.8 (−3.2); C04-04 excluded: (97 − 3.2)·100/97 = 96.7010…;
    #       P01 −0.5 → 96.2010… → 96.20
    # QH01: C01-01 6·(90 − 80)/20 = 3 (−3); C07-01 80 is the group minimum → 7 (−3); B01 +2 → 96
    # 县域 (QH06–QH12), quota floor(0.3·7) = 2: QH06 C07-01 95 vs QH07 90 → 10 and 7;
    # QH08–QH12 sent nothing → 0 (exclusions rescale 0 to 0), tied 3rd
    assert got == {
        "QH05": ("城区", 102.0, 1, "优秀", False), "QH03": ("城区", 100.0, 2, "不合格", True),
        "QH04": ("城区", 96.5, 3, "良好", False), "QH02": ("城区", 96.2, 4, "良好", False),
        "QH01": ("城区", 96.0, 5, "良好", False),
        "QH06": ("县域", 100.0, 1, "优秀", False), "QH07": ("县域", 97.0, 2, "优秀", False),
        **{u: ("县域", 0.0, 3, "不合格", False) for u in ("QH08", "QH09", "QH10", "QH11", "QH12")}}


def test_demo_flags_and_category_scores(demo_result):
    s = demo_result.scores.set_index(["unit_code", "indicator_code"])
    assert s.loc[("QH04", "C07-01"), "flags"] == "沿用上期" and s.loc[("QH04", "C07-01"), "value_period"] == "2024Q4"
    assert s.loc[("QH02", "C04-04"), "flags"] == "不计分" and pd.isna(s.loc[("QH02", "C04-04"), "score"])
    assert s.loc[("QH02", "C02-01"), "value_used"] == 2 and s.loc[("QH02", "C02-01"), "score"] == pytest.approx(4.8)
    assert s.loc[("QH01", "C02-03"), "value_used"] == 0 and s.loc[("QH01", "C02-03"), "score"] == 5
    assert s.loc[("QH08", "C01-01"), "flags"] == "缺报"
    cats = demo_result.category_scores.set_index(["unit_code", "category_code"])
    assert cats.loc[("QH02", "C04"), "score"] == 17 and cats.loc[("QH02", "C04"), "points"] == 17
    assert cats.loc[("QH01", "C07"), "score"] == pytest.approx(7)
    assert "QH90" not in set(demo_result.rankings["unit_code"])
