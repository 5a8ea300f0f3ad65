"""A workspace with a small county catalog and two published runs (2025Q2, 2025Q3), written
straight into the warehouse so the report tests do not depend on the scoring engine.

2025Q3 scores, worked out by hand from the values below (threshold T=100 F=80 P=30; deduction
P=10 per 1; relative P=60 over 80..98):
    A01 东城区: 24 + 10 | 60        → 94 + bonus 1           = 95.00  rank 1 优秀
    A04 北湖县: 15 + 10 | 46.6667   → 71.6667 (veto V01 = 1)  = 71.67  rank 2 不合格
    A02 西城区: 22.5 + 8 | 33.3333  → 63.8333 − penalty 0.5   = 63.33  rank 3 合格
    A03 南山县: 0 (缺报) + 9 | 0    → 9                       =  9.00  rank 4 不合格, 连续末位
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


from kaoping.stages.resources import Resources
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.models import (FactCategoryScore, FactRanking, FactScore, FactValue, ScoreRun,
                              Submission)

CATALOG = """\
catalog:
  code: t-county-2025
  name: 2025年度县(市、区)平安建设考评
  year: 2025
  assessed_kind: county
  full_marks: 100
  missing: zero
  bonus_cap: 5
  grades:
    - {name: 优秀, min_score: 90, max_share: 0.3}
    - {name: 良好, min_score: 80}
    - {name: 合格, min_score: 60}
    - {name: 不合格}
  veto_grade: 不合格
  alerts: {last_place_streak: 2, grade_drop: true}
categories:
  - code: C01
    name: 政治安全
    points: 40
    indicators:
      - {code: C01-01, name: 涉政风险隐患排查处置率, unit: "%", source: GA, method: threshold,
         direction: higher_better, points: 30, target: 100, floor: 80, range: [0, 100]}
      - {code: C01-02, name: 意识形态领域负面事件, unit: 起, source: WX, integer: true,
         method: deduction, points: 10, per: 1, range: [0, 1000]}
  - code: C02
    name: 社会治安
    points: 60
    indicators:
      - {code: C02-01, name: 群众安全感, unit: "%", source: TJ, method: relative,
         direction: higher_better, points: 60}
bonus:
  - {code: B01, name: 获省级以上表彰, unit: 项, source: ZFW, per: 1, cap: 3, integer: true}
penalties:
  - {code: P01, name: 瞒报迟报重要信息, unit: 次, source: ZFW, per: 0.5, integer: true}
vetoes:
  - {code: V01, name: 发生重大群体性事件, unit: 起, source: ZFW, integer: true}
"""
UNITS = """code,name,kind,parent,group,aliases,valid_from,valid_to
A01,东城区,county,,,,,
A02,西城区,county,,,,,
A03,南山县,county,,,,,
A04,北湖县,county,,,,,
"""
DEPARTMENTS = """code,name,aliases
GA,公安局,
WX,网信办,
TJ,统计局,
ZFW,政法委,
"""
RECIPIENTS = """recipient,name,email
A01,东城区平安办,dc@example.cn
A02,西城区平安办,xc@example.cn
leaders,市平安办领导,leader@example.cn
GA,公安局,ga@example.cn
"""
INJECTED_FILE = '=HYPERLINK("http://evil.example","网信办")'
# unit → (C01-01, C01-02, C02-01, B01, P01, V01); None = not sent (缺报)
VALUES = {"A01": (96, 0, 98, 1, 0, 0), "A02": (95, 2, 90, 0, 1, 0),
          "A03": (None, 1, 80, 0, 0, 0), "A04": (90, 0, 94, 0, 0, 1)}
SCORES = {"A01": (24, 10, 60, 1, 0, 0), "A02": (22.5, 8, 60 * 10 / 18, 0, 0.5, 0),
          "A03": (0, 9, 0, 0, 0, 0), "A04": (15, 10, 60 * 14 / 18, 0, 0, 0)}
POINTS = (30, 10, 60, None, None, None)
CODES = ("C01-01", "C01-02", "C02-01", "B01", "P01", "V01")
SOURCE = {"C01-01": "GA", "C01-02": "WX", "C02-01": "TJ", "B01": "ZFW", "P01": "ZFW", "V01": "ZFW"}
# unit → (total, rank, grade, vetoed, rank_change, alerts) for 2025Q3; 2025Q2 ranks were 2, 1, 4, 3
RANKS = {"A01": (95.0, 1, "优秀", False, 1, ""), "A04": (71.0 + 2 / 3, 2, "不合格", True, 1, "等次下降"),
         "A02": (63.0 + 1 / 3, 3, "合格", False, -2, "等次下降"), "A03": (9.0, 4, "不合格", False, 0, "连续末位")}
Q2_RANKS = {"A01": (88.0, 2, "良好"), "A02": (90.0, 1, "优秀"), "A03": (50.0, 4, "不合格"),
            "A04": (85.0, 3, "良好")}
PUBLISHED = datetime(2025, 10, 10, 2, 0, tzinfo=timezone.utc)
CUTOFF = datetime(2025, 10, 8, 9, 30, tzinfo=timezone.utc)

# rankings.csv of 2025Q3, from the table in the module docstring
EXPECTED_CSV = (
    "period,catalog,group,unit_code,unit_name,total,rank,grade,is_vetoed,bonus,penalty,rank_change,alerts,C01,C02\n"
    "2025Q3,t-county-2025,,A01,东城区,95.00,1,优秀,false,1.00,0.00,1,,34.00,60.00\n"
    "2025Q3,t-county-2025,,A04,北湖县,71.67,2,不合格,true,0.00,0.00,1,等次下降,25.00,46.67\n"
    "2025Q3,t-county-2025,,A02,西城区,63.33,3,合格,false,0.00,0.50,-2,等次下降,30.50,33.33\n"
    "2025Q3,t-county-2025,,A03,南山县,9.00,4,不合格,false,0.00,0.00,0,连续末位,9.00,0.00\n")


@dataclass
class Published:
    res: Resources
    run_id: int
    q2_run_id: int


def write_workspace(root: Path, catalog: str = CATALOG, units: str = UNITS) -> Path:
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "county.yaml").write_text(catalog, encoding="utf-8")
    (root / "kaoping.toml").write_text("", encoding="utf-8")  # what makes the folder a workspace
    (root / "units.csv").write_text(units, encoding="utf-8")
    (root / "departments.csv").write_text(DEPARTMENTS, encoding="utf-8")
    (root / "recipients.csv").write_text(RECIPIENTS, encoding="utf-8")
    return root


def _submission(session, dept: str, period: str, name: str, status: str = "accepted", **kw) -> Submission:
    sub = Submission(sha256=f"{dept}-{period}-{status}-{name}"[:64].ljust(64, "0"), file_name=name,
                     inbox_path=f"inbox/{dept}/{name}", department_code=dept, period=period,
                     catalog_code="t-county-2025", status=status, received_at=CUTOFF, processed_at=CUTOFF,
                     **kw)
    session.add(sub)
    session.flush()
    return sub


def _q3_values(session) -> dict[tuple[str, str], int]:
    subs = {"GA": _submission(session, "GA", "2025Q3", "公安局_2025Q3.xlsx", value_count=3),
            "WX": _submission(session, "WX", "2025Q3", INJECTED_FILE, value_count=4),
            "TJ": _submission(session, "TJ", "2025Q3", "统计局_2025Q3.xlsx", value_count=4),
            "ZFW": _submission(session, "ZFW", "2025Q3", "政法委_2025Q3.xlsx", value_count=12)}
    _submission(session, "TJ", "2025Q3", "统计局_错误.xlsx", status="rejected", error_count=3, value_count=0)
    ids = {}
    for row, (unit, values) in enumerate(VALUES.items(), start=4):
        for col, (code, value) in enumerate(zip(CODES, values)):
            if value is None:
                continue
            raw = "+2" if (unit, code) == ("A02", "C01-02") else str(value)
            fv = FactValue(submission_id=subs[SOURCE[code]].id, unit_code=unit, catalog_code="t-county-2025",
                           indicator_code=code, period="2025Q3", value=float(value), raw_text=raw,
                           sheet="Sheet1", cell=f"{'BCDEFG'[col]}{row}")
            session.add(fv)
            session.flush()
            ids[(unit, code)] = fv.id
    return ids


def _run(session, period: str, sha: str) -> ScoreRun:
    run = ScoreRun(period=period, catalog_code="t-county-2025", status="draft", input_sha256=sha,
                   parameters={"sensitivity_draws": 200, "sensitivity_width": 0.2},
                   created_at=PUBLISHED, data_cutoff_at=CUTOFF, produced_by={"host": "test", "version": "0.1.0"})
    session.add(run)
    session.flush()
    return run


def _q3_run(session, value_ids: dict, stability: bool, group_of: dict) -> int:
    run = _run(session, "2025Q3", "ab" * 32)
    for unit, scores in SCORES.items():
        for code, value, score, points in zip(CODES, VALUES[unit], scores, POINTS):
            session.add(FactScore(run_id=run.id, unit_code=unit, indicator_code=code, value_used=value,
                                  score=score, points=points, flags="缺报" if value is None else "",
                                  value_period="2025Q3" if value is not None else None,
                                  fact_value_id=value_ids.get((unit, code))))
        session.add(FactCategoryScore(run_id=run.id, unit_code=unit, category_code="C01",
                                      score=scores[0] + scores[1], points=40))
        session.add(FactCategoryScore(run_id=run.id, unit_code=unit, category_code="C02",
                                      score=scores[2], points=60))
        total, rank, grade, vetoed, change, alerts = RANKS[unit]
        session.add(FactRanking(run_id=run.id, unit_code=unit, group_code=group_of.get(unit),
                                category_total=sum(scores[:3]),
                                bonus=scores[3], penalty=scores[4], total=total, rank=rank, grade=grade,
                                is_vetoed=vetoed, rank_change=change, alerts=alerts,
                                median_rank=float(rank) if stability else None,
                                rank_p05=float(max(rank - 1, 1)) if stability else None,
                                rank_p95=float(min(rank + 1, 4)) if stability else None))
    session.flush()
    return run.id


def _q2_run(session) -> int:
    run = _run(session, "2025Q2", "cd" * 32)
    for unit, (total, rank, grade) in Q2_RANKS.items():
        session.add(FactRanking(run_id=run.id, unit_code=unit, category_total=total, bonus=0, penalty=0,
                                total=total, rank=rank, grade=grade, is_vetoed=False))
    session.flush()
    return run.id


def publish(res: Resources, run_id: int) -> None:
    with res.warehouse.session() as session:
        run = session.get(ScoreRun, run_id)
        run.status, run.published_at = "published", PUBLISHED


def build_published(root: Path, db_url: str, publish_q3: bool = True, stability: bool = True,
                    catalog: str = CATALOG, units: str = UNITS, group_of: dict | None = None) -> Published:
    res = Resources.open(write_workspace(root, catalog, units), db_url)
    res.sync_dimensions()
    with res.warehouse.session() as session:
        ensure_period(session, "2025Q2")
        ensure_period(session, "2025Q3")
        q2 = _q2_run(session)
        q3 = _q3_run(session, _q3_values(session), stability, group_of or {})
    publish(res, q2)
    if publish_q3:
        publish(res, q3)
    return Published(res, q3, q2)


# C02-01 computed: 每万人刑事案件数 = CR ÷ POP × 10000 (CR from 公安局, POP from 统计局); unit → (CR, POP)
RATIO_CATALOG = CATALOG.replace(
    """      - {code: C02-01, name: 群众安全感, unit: "%", source: TJ, method: relative,
         direction: higher_better, points: 60}""",
    """      - {code: C02-01, name: 每万人刑事案件数, unit: 件/万人, method: relative,
         direction: lower_better, points: 60, derived: {ratio: [CR, POP], scale: 10000}}""") + """\
inputs:
  - {code: CR, name: 刑事案件数, unit: 件, source: GA, integer: true}
  - {code: POP, name: 常住人口, unit: 人, source: TJ, integer: true}
"""
RATIO_INPUTS = {"A01": (12, 60000), "A02": (30, 50000), "A03": (None, 40000), "A04": (20, 80000)}


def build_ratio_published(root: Path, db_url: str) -> Published:
    """The workspace of build_published under RATIO_CATALOG: C02-01 worked out from CR and POP,
    which the 公安局 and 统计局 files of 2025Q3 sent (A03's CR missing)."""
    built = build_published(root, db_url, publish_q3=False, catalog=RATIO_CATALOG)
    with built.res.warehouse.session() as session:
        subs = {s.department_code: s.id for s in session.query(Submission).filter(
            Submission.period == "2025Q3", Submission.status == "accepted")}
        session.query(FactScore).filter(FactScore.indicator_code == "C02-01").update({"fact_value_id": None})
        session.query(FactValue).filter(FactValue.indicator_code == "C02-01").delete()
        for row, (unit, pair) in enumerate(RATIO_INPUTS.items(), start=4):
            for code, dept, col, value in zip(("CR", "POP"), ("GA", "TJ"), "HI", pair):
                if value is not None:
                    session.add(FactValue(submission_id=subs[dept], unit_code=unit, catalog_code="t-county-2025",
                                          indicator_code=code, period="2025Q3", value=float(value),
                                          raw_text=str(value), sheet="数据", cell=f"{col}{row}"))
    publish(built.res, built.run_id)
    return built
