"""What the warehouse schema tests share: a small registry and catalog, one row of each table, a
scored run, and the refusal a constraint gives."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from kaoping.sources.catalogs import parse_catalog
from kaoping.sources.registry import Registry
from kaoping.warehouse.dimensions import ensure_period, sync_catalog, sync_registry
from kaoping.warehouse.models import FactCategoryScore, FactRanking, FactScore, FactValue, ScoreRun, Submission

CHINA = timezone(timedelta(hours=8))
RECEIVED = datetime(2025, 4, 3, 9, 30, tzinfo=CHINA)
CATALOG = """\
catalog:
  code: wh-test-2025
  name: 仓库测试考评
  year: 2025
  assessed_kind: county
  full_marks: 10
  grades: [{name: 合格, min_score: 6}, {name: 不合格}]
  veto_grade: 不合格
categories:
  - code: C01
    name: 社会治安
    points: 10
    indicators:
      - {code: C01-01, name: 刑事案件破案率, unit: "%", source: GA, aliases: [破案率（%）], range: [0, 100],
         method: threshold, direction: higher_better, points: 10, target: 90, floor: 50}
vetoes:
  - {code: V01, name: 发生重大群体性事件, unit: 起, source: GA, integer: true}
"""


def registry(folder: Path, east_name: str = "东城区") -> Registry:
    (folder / "units.csv").write_text(
        "code,name,kind,parent,group,aliases,valid_from,valid_to\n"
        f"C01,{east_name},county,CITY,城区,东城|东城区（开发区）,,\nC02,西山县,county,CITY,县域,,2024Q1,\n",
        encoding="utf-8")
    (folder / "departments.csv").write_text("code,name,aliases\nGA,市公安局,公安局|公安\n", encoding="utf-8")
    (folder / "recipients.csv").write_text("recipient,name,email\nC01,东城区平安办,dc@example.cn\n", encoding="utf-8")
    return Registry.load(folder)


def loaded(warehouse, folder: Path):
    """The warehouse with the registry, the catalog and period 2025Q1 loaded."""
    with warehouse.session() as s:
        sync_registry(s, registry(folder))
        sync_catalog(s, parse_catalog(CATALOG, "wh-test-2025.yaml", {"GA"}))
        ensure_period(s, "2025Q1")
    return warehouse


def submission_row(**over) -> Submission:
    row = dict(sha256="a" * 64, file_name="公安局_2025Q1.xlsx", inbox_path="inbox/GA/公安局_2025Q1.xlsx",
               department_code="GA", period="2025Q1", catalog_code="wh-test-2025", shape="wide", sheet="Sheet1",
               status="accepted", received_at=RECEIVED, processed_at=RECEIVED, error_count=0, warning_count=0,
               value_count=1)
    return Submission(**{**row, **over})


def value_row(submission_id: int, **over) -> FactValue:
    row = dict(submission_id=submission_id, unit_code="C01", catalog_code="wh-test-2025", indicator_code="C01-01",
               period="2025Q1", value=95.3, raw_text="９５．３％", flags="全角字符", sheet="Sheet1", cell="C7")
    return FactValue(**{**row, **over})


def run_row(status: str = "draft") -> ScoreRun:
    return ScoreRun(period="2025Q1", catalog_code="wh-test-2025", status=status, parameters={"sensitivity": False},
                    input_sha256="b" * 64, created_at=RECEIVED,
                    published_at=RECEIVED if status == "published" else None, produced_by={"host": "test"})


def ranking_row(run_id: int, **over) -> FactRanking:
    row = dict(run_id=run_id, unit_code="C01", group_code="城区", category_total=10, bonus=0, penalty=0, total=10,
               rank=1, grade="合格", is_vetoed=False, rank_change=None, alerts="")
    return FactRanking(**{**row, **over})


def scored_run(wh, status: str, with_submission: bool = True) -> int:
    """A run with a fact_value → fact_score → category score → ranking chain; returns the run id."""
    with wh.session() as s:
        value = None
        if with_submission:
            sub = submission_row()
            s.add(sub)
            s.flush()
            value = value_row(sub.id)
            s.add(value)
        run = run_row()
        s.add(run)
        s.flush()
        s.add_all([FactScore(run_id=run.id, unit_code="C01", indicator_code="C01-01", value_used=95.3, score=10,
                             points=10, flags="", value_period="2025Q1", fact_value_id=value.id if value else None),
                   FactCategoryScore(run_id=run.id, unit_code="C01", category_code="C01", score=10, points=10),
                   ranking_row(run.id)])
        s.flush()
        if status == "published":
            run.status, run.published_at = "published", RECEIVED
        return run.id


def refused(wh, case: str, step) -> str:
    """Run `step(session)` in its own transaction; return the database's refusal message."""
    try:
        with wh.session() as s:
            step(s)
            s.flush()
    except IntegrityError as exc:
        return str(exc.orig)
    pytest.fail(f"the database accepted {case}")
