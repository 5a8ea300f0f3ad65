"""warehouse.submissions on SQLite and PostgreSQL: loads, rejections, superseding, history."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import func, select

from kaoping.sources.catalogs import parse_catalog
from kaoping.sources.problems import make_problem
from kaoping.sources.registry import Registry
from kaoping.warehouse.dimensions import sync_catalog, sync_registry
from kaoping.warehouse.models import FactValue, Submission, SubmissionProblem
from kaoping.warehouse.submissions import history_values, record_submission, settled_sha256

CATALOG = """\
catalog: {code: wh-2025, name: 测试, year: 2025, assessed_kind: county, grades: [{name: 合格}]}
categories:
  - code: C01
    name: 社会治安
    points: 100
    indicators:
      - {code: X1, name: 刑事案件立案数, unit: 起, source: GA, method: deduction, points: 100, per: 1}
"""


@pytest.fixture
def wh(warehouse):
    units = pd.DataFrame({"code": ["U01", "U02"], "name": ["东城县", "西城区"], "kind": ["county"] * 2,
                          "parent": [""] * 2, "group": [""] * 2, "aliases": [(), ()], "valid_from": [""] * 2,
                          "valid_to": [""] * 2})
    deps = pd.DataFrame({"code": ["GA"], "name": ["公安局"], "aliases": [()], "email": [()]})
    with warehouse.session() as s:
        sync_registry(s, Registry(units, deps))
        sync_catalog(s, parse_catalog(CATALOG, departments={"GA"}))
    return warehouse


def record(sha: str, period: str, status: str = "accepted") -> dict:
    now = datetime(2025, 10, 1, tzinfo=timezone.utc)
    return {"sha256": sha, "file_name": f"{sha}.xlsx", "inbox_path": f"GA/{sha}.xlsx", "archive_path": None,
            "department_code": "GA", "period": period, "catalog_code": "wh-2025", "shape": "wide",
            "sheet": "Sheet1", "status": status, "received_at": now, "processed_at": now, "problem_report": None}


def values(u1: float | None, u2: float) -> pd.DataFrame:
    return pd.DataFrame({"unit_code": ["U01", "U02"], "indicator_code": ["X1", "X1"], "value": [u1, u2],
                         "raw_text": [None if u1 is None else str(u1), str(u2)], "flags": ["", ""],
                         "sheet": ["Sheet1"] * 2, "cell": ["B2", "B3"]})


def test_accepted_then_resubmitted_then_rejected(wh):
    warn = make_problem("text_stripped", "a.xlsx", "Sheet1", "B2", "东城县", "刑事案件立案数", "12起", "数值")
    error = make_problem("non_numeric", "c.xlsx", "Sheet1", "B3", "西城区", "刑事案件立案数", "abc", "数值")
    with wh.write_lock() as s:
        first = record_submission(s, record("a" * 64, "2025Q3"), values(12, 3), [warn])
    with wh.write_lock() as s:
        second = record_submission(s, record("b" * 64, "2025Q3"), values(None, 4), [])
    with wh.write_lock() as s:
        third = record_submission(s, record("c" * 64, "2025Q3", "rejected"), values(1, 1), [error])
    with wh.session() as s:
        subs = {x.id: x for x in s.scalars(select(Submission))}
        assert (subs[first].status, subs[first].superseded_by, subs[first].warning_count) == ("superseded", second, 1)
        assert (subs[second].status, subs[second].value_count) == ("accepted", 2)
        assert (subs[third].status, subs[third].error_count, subs[third].value_count) == ("rejected", 1, 0)
        counts = dict(s.execute(select(FactValue.submission_id, func.count()).group_by(FactValue.submission_id)).all())
        assert counts == {first: 2, second: 2}
        stored = s.scalars(select(SubmissionProblem).where(SubmissionProblem.submission_id == third)).one()
        assert (stored.rule, stored.cell, stored.value, stored.severity) == ("non_numeric", "B3", "abc", "error")
        assert s.scalar(select(FactValue.value).where(FactValue.submission_id == second,
                                                      FactValue.unit_code == "U01")) is None
        hashes = ["a" * 64, "c" * 64, "d" * 64]  # superseded, rejected (judged with nothing), unknown
        assert settled_sha256(s, hashes, None) == {"a" * 64}
        assert settled_sha256(s, hashes, "rules-now") == {"a" * 64}


def test_a_rejected_file_stands_until_the_rules_change_or_a_recheck_is_asked(wh):
    rejected = {**record("c" * 64, "2025Q3", "rejected"), "judged_with": "rules-1"}
    error = make_problem("non_numeric", "c.xlsx", "Sheet1", "B3", "西城区", "刑事案件立案数", "abc", "数值")
    with wh.write_lock() as s:
        first = record_submission(s, rejected, values(1, 1), [error])
    with wh.session() as s:
        assert settled_sha256(s, ["c" * 64], "rules-1") == {"c" * 64}
        assert settled_sha256(s, ["c" * 64], "rules-2") == set()
        assert settled_sha256(s, ["c" * 64], "rules-1", frozenset({"c" * 64})) == set()
    again = {**record("c" * 64, "2025Q3"), "judged_with": "rules-2"}
    with wh.write_lock() as s:
        assert record_submission(s, again, values(7, 8), []) == first  # one row per file, new verdict
    with wh.session() as s:
        sub = s.get(Submission, first)
        assert (sub.status, sub.error_count, sub.value_count, sub.judged_with) == ("accepted", 0, 2, "rules-2")
        assert sub.rechecked_at is not None
        assert s.scalar(select(func.count()).select_from(SubmissionProblem)
                        .where(SubmissionProblem.submission_id == first)) == 0
        assert settled_sha256(s, ["c" * 64], "rules-3") == {"c" * 64}  # loaded files are never re-examined


def test_history_is_earlier_accepted_values_of_the_same_grain(wh):
    for sha, period, u1 in (("1", "2025Q1", 10), ("2", "2025Q2", 20), ("3", "2025Q3", 30), ("4", "2025-05", 99)):
        with wh.write_lock() as s:
            record_submission(s, record(sha * 64, period), values(u1, 5), [])
    with wh.write_lock() as s:  # a later correction of Q2 replaces its value in the history
        record_submission(s, record("5" * 64, "2025Q2"), values(22, 5), [])
    with wh.session() as s:
        past = history_values(s, ["U01"], ["X1"], "2025Q3")
    assert sorted(zip(past["period"], past["value"])) == [("2025Q1", 10.0), ("2025Q2", 22.0)]
