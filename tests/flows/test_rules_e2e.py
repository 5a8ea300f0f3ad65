"""SPEC §4b end to end: a catalog using every rule family, CSV files for four quarters and the year,
ingested, scored, published and written by the nightly flow; the combined year follows its quarters."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from kaoping.flows.pipeline import nightly
from kaoping.reports import texts
from kaoping.core.layout import feedback_path
from kaoping.reports.rule_words import combined_text
from kaoping.scoring.periods import Period
from kaoping.warehouse.models import FactRanking, FactScore, ScoreRun
from tests.scoring.rules_cases import EVERY_FAMILY as CATALOG

UNITS = [("U1", "甲县", "城区"), ("U2", "乙县", "城区"), ("U3", "丙县", "县域"), ("U4", "丁县", "县域")]
BASE = {"GA": {"破案率": [97, 92, 85, 96], "刑事案件数": [10, 20, 30, 40]},
        "SF": {"调解率": [95, 90, 90, 100]},
        "ZFW": {"督导检查发现问题": [0, 1, 5, 0], "考核评分": [18, 16, 15, 12], "迟报次数": [0, 2, "—", 1],
                "瞒报次数": [0, 1, "—", 0], "表彰": [2, 1, 0, "—"], "扣分一": [0, 5, 1, 0], "扣分二": [0, 1, 2, 0],
                "否决一": [0, 0, 0, 0], "限等事项": [0, 0, 0, 0], "降等事项": [0, 0, 0, 0]}}
NAMES = {"GA": "公安局", "SF": "司法局", "ZFW": "政法委"}


def send(root: Path, department: str, period: str, changes: dict | None = None, suffix: str = "") -> None:
    columns = {k: list(v) for k, v in BASE[department].items()}
    for (column, unit), value in (changes or {}).items():
        columns[column][unit] = value
    path = root / "inbox" / department / f"{NAMES[department]}_{period}{suffix}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    label = Period.parse(period.replace("年度", "")).label
    rows = [f"{NAMES[department]}{label}考评数据{suffix}"] + [",".join(["单位", *columns])] + [",".join([name, *(str(columns[c][k]) for c in columns)])
                                             for k, (_, name, _) in enumerate(UNITS)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path, db_url: str):
    from kaoping.cli.init import init_workspace

    root = init_workspace(tmp_path / "ws")
    (root / "units.csv").write_text("code,name,kind,parent,group,aliases,valid_from,valid_to\n" + "".join(
        f"{c},{n},county,,{g},,,\n" for c, n, g in UNITS), encoding="utf-8")
    (root / "departments.csv").write_text("code,name,aliases\nGA,市公安局,公安局\nSF,市司法局,司法局\n"
                                          "ZFW,市委政法委,政法委\n", encoding="utf-8")
    (root / "recipients.csv").write_text("recipient,name,email\nleaders,市平安办,\n", encoding="utf-8")
    for old in (root / "catalog").glob("*.yaml"):
        old.unlink()
    (root / "catalog" / "rules-2025.yaml").write_text(CATALOG, encoding="utf-8")
    return root, db_url


def rankings(res, period: str) -> dict[str, tuple]:
    with res.warehouse.session() as session:
        run_id = session.scalar(select(func.max(ScoreRun.id)).where(ScoreRun.period == period,
                                                                    ScoreRun.status == "published"))
        rows = session.execute(select(FactRanking.unit_code, FactRanking.rank, FactRanking.total,
                                      FactRanking.grade, FactRanking.is_vetoed, FactRanking.penalty,
                                      FactRanking.detail).where(FactRanking.run_id == run_id)).all()
    return {u: (rank, round(total, 2), grade, vetoed, round(penalty, 2), detail)
            for u, rank, total, grade, vetoed, penalty, detail in rows}


def written_words(res, root: Path) -> tuple[dict[str, str], dict[str, dict]]:
    """The 2025 ranking workbook's 计分说明 and each unit's feedback summary (label → value), by unit code."""
    codes = {name: code for code, name, _ in UNITS}
    [path] = (root / "out" / "2025").rglob("*考评排名.xlsx")
    ws = openpyxl.load_workbook(path)[texts.SHEET_RANKING]
    header = [c.value for c in ws[3]]
    remarks = {codes[row[header.index(texts.UNIT)]]: row[header.index(texts.REMARKS)] or ""
               for row in ws.iter_rows(min_row=4, values_only=True) if row[header.index(texts.UNIT)] in codes}
    summaries = {}
    for code, name, _ in UNITS:
        sheet = openpyxl.load_workbook(feedback_path(res.settings.out_dir, "2025", code, name)).active
        summaries[code] = {r[0]: r[1] for r in sheet.iter_rows(min_row=3, max_row=14, max_col=2, values_only=True) if r[0]}
    return remarks, summaries


def test_every_family_through_the_nightly_flow_and_the_combined_year(workspace):
    from kaoping.stages.resources import Resources

    root, url = workspace
    for q in (1, 2, 3, 4):
        changes = {("限等事项", 0): 1} if q == 2 else {("否决一", 3): 1} if q == 3 else {}
        send(root, "GA", f"2025Q{q}")
        send(root, "SF", f"2025Q{q}")
        send(root, "ZFW", f"2025Q{q}", changes)
    for department in ("GA", "SF"):
        send(root, department, "2025年度")
    send(root, "ZFW", "2025年度", {("考核评分", 2): 20, ("降等事项", 1): 1})
    summary = nightly(workspace=str(root), database_url=url)
    assert summary.rejected == []
    assert list(summary.runs) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025"]
    res = Resources.open(root, url)
    # U1: 20 + 10 (城区 curve at 95) + 18 + 20 (−60 % of the mean: flat) + 20 + bonus 2 = 90
    # U2: 15 + 0 − 2 + 16 + 14 + 12 + 1 − pool min(4, 3 + 2) = 52;  U3: 5 + 10 − 6 (capped) + 15 + 6 + 0 − 4 = 26
    # U4: 20 + 20 + 12 + 0 + 18 = 70
    q1 = rankings(res, "2025Q1")
    assert {u: r[:5] for u, r in q1.items()} == {"U1": (1, 90, "优秀", False, 0), "U4": (2, 70, "合格", False, 0),
                                                 "U2": (3, 52, "不合格", False, 4), "U3": (4, 26, "不合格", False, 4)}
    assert rankings(res, "2025Q2")["U1"][2] == "良好"            # 限制等次 in Q2
    assert rankings(res, "2025Q3")["U4"][2:4] == ("不合格", True)  # 一票否决 in Q3
    year = rankings(res, "2025")
    # the year part: U3 考核评分 20 → 31; combined 0.6·26 + 0.4·31 = 28; effects of any part hold
    assert {u: r[:4] for u, r in year.items()} == {"U1": (1, 90, "良好", False), "U4": (2, 70, "不合格", True),
                                                   "U2": (3, 52, "不合格", False), "U3": (4, 28, "不合格", False)}
    parts = json.loads(year["U3"][5])["parts"]
    assert [(p["part"], p["value"], p["periods"]) for p in parts] == [("quarter", 26, 4), ("year", 31, 1)]
    with res.warehouse.session() as session:
        d1 = session.scalar(select(FactScore.detail).where(FactScore.indicator_code == "D1",
                                                           FactScore.unit_code == "U3").limit(1))
    assert json.loads(d1) == {"category_cap": 6, "category_taken": 6}
    with (root / "out" / "2025" / "rankings.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["unit_code"], r["total"], r["grade"], r["is_vetoed"]) for r in rows] == [
        ("U1", "90.00", "良好", "false"), ("U4", "70.00", "不合格", "true"), ("U2", "52.00", "不合格", "false"),
        ("U3", "28.00", "不合格", "false")]
    remarks, summaries = written_words(res, root)
    for unit, row in year.items():  # the words carry the numbers fact_ranking stored
        assert combined_text(row[5]) in remarks[unit] and combined_text(row[5]) == summaries[unit][texts.SUMMARY_COMBINED]
    assert remarks["U3"].startswith("年度综合 = 季度平均 26.00 × 60% + 年终考核 31.00 × 40%")
    capped = "按得分为优秀；限制等次：发生限等事项，不得评为优秀"  # U1's Q2 cap holds for the year
    assert remarks["U1"].endswith(capped) and summaries["U1"][texts.SUMMARY_EFFECTS] == capped
    assert summaries["U1"][texts.SUMMARY_GAP_GRADE] == "分数已达优秀（90分），受等次限制（见等次说明）"  # not the quota
    assert all(texts.SUMMARY_EFFECTS not in summaries[u] for u in ("U2", "U3", "U4"))  # no change; U4: the veto

    send(root, "ZFW", "2025Q2", {("限等事项", 0): 1, ("考核评分", 2): 19}, suffix="_更正")
    again = nightly(workspace=str(root), database_url=url)
    assert "2025" in again.runs  # a changed quarter re-scores the combined year
    assert rankings(res, "2025")["U3"][1] == 28.6  # 0.6·(26·3 + 30)/4 + 12.4
    res.close()
