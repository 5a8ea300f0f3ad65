"""Score runs in the real warehouse (SQLite and PostgreSQL): inputs, hash, lineage, immutability."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError

from kaoping.stages.resources import Resources
from kaoping.scoring.periods import Period
from kaoping.warehouse import runs
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.models import FactRanking, FactScore, FactValue, ScoreRun, Submission
from kaoping.warehouse.runs import NoData, period_values, run_rankings
from kaoping.stages.scoring import publish, score

CATALOG = """
catalog: {code: t-county-2025, name: 测试考评, year: 2025, assessed_kind: county, full_marks: 100,
  grades: [{name: 优秀, min_score: 90, max_share: 0.5}, {name: 合格, min_score: 60}, {name: 不合格}],
  veto_grade: 不合格, alerts: {last_place_streak: 2, grade_drop: true}}
categories:
  - {code: C1, name: 治安, points: 60, indicators: [
      {code: I1, name: 破案率, source: GA, method: threshold, direction: higher_better, points: 60,
       target: 100, floor: 40, missing: previous}]}
  - {code: C2, name: 矛盾, points: 40, indicators: [
      {code: I2, name: 纠纷数, source: SF, method: deduction, points: 40, per: 10}]}
vetoes: [{code: V1, name: 重大事件, source: SF}]
"""
UNITS = """code,name,kind,parent,group,aliases,valid_from,valid_to
A,甲县,county,,,,,
B,乙县,county,,,,,
C,丙县,county,,,,2025Q1,
T,某镇,town,A,,,,
"""
DEPARTMENTS = "code,name,aliases\nGA,公安局,\nSF,司法局,\n"
T0 = datetime(2025, 4, 1, tzinfo=timezone.utc)


def _resources(folder: Path, url: str, extra: dict[str, str] | None = None) -> Resources:
    (folder / "catalog").mkdir()
    (folder / "catalog" / "t.yaml").write_text(CATALOG, encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / "catalog" / name).write_text(text, encoding="utf-8")
    (folder / "kaoping.toml").write_text("", encoding="utf-8")  # what makes the folder a workspace
    (folder / "units.csv").write_text(UNITS, encoding="utf-8")
    (folder / "departments.csv").write_text(DEPARTMENTS, encoding="utf-8")
    resources = Resources.open(folder, url)
    resources.sync_dimensions()
    return resources


@pytest.fixture
def res(tmp_path: Path, db_url: str):
    resources = _resources(tmp_path, db_url)
    yield resources
    resources.close()


@pytest.fixture
def sqlite_res(tmp_path: Path, sqlite_url: str):
    resources = _resources(tmp_path, sqlite_url)
    yield resources
    resources.close()


def submit(res, department: str, period: str, values: dict[tuple[str, str], float | None],
           received_at: datetime = T0, status: str = "accepted", catalog: str = "t-county-2025") -> int:
    """A submission row plus its fact_value rows, as the intake would store them; returns its id."""
    key = f"{department}{period}{sorted(values.items())}{received_at}{status}{catalog}"
    with res.warehouse.session() as session:
        ensure_period(session, period)
        sid = session.execute(insert(Submission).returning(Submission.id), [{
            "sha256": hashlib.sha256(key.encode()).hexdigest(), "file_name": f"{department}_{period}.xlsx",
            "inbox_path": f"inbox/{department}/{department}_{period}.xlsx", "department_code": department,
            "period": period, "catalog_code": catalog, "status": status, "received_at": received_at,
            "processed_at": received_at, "value_count": len(values)}]).scalar_one()
        session.execute(insert(FactValue), [
            {"submission_id": sid, "unit_code": unit, "catalog_code": catalog, "indicator_code": code,
             "period": period, "value": value, "raw_text": str(value), "sheet": "Sheet1", "cell": f"B{n + 2}"}
            for n, ((unit, code), value) in enumerate(values.items())])
    return sid


def rankings(res, run_id: int) -> dict[str, tuple]:
    with res.warehouse.session() as session:
        frame = run_rankings(session, run_id)
    return {r.unit_code: (round(r.total, 2), r.rank, r.grade, None if pd.isna(r.rank_change) else r.rank_change,
                          r.alerts) for r in frame.itertuples()}


def test_scores_ranks_and_stores_lineage(res):
    catalog = res.catalog("t-county-2025")
    ga = submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70, ("T", "I1"): 50})
    submit(res, "SF", "2025Q1", {("A", "I2"): 1, ("B", "I2"): 0, ("C", "I2"): 2, ("C", "V1"): 0})
    run_id = score(res, catalog, "2025Q1")
    # A: 60 + (40 − 10) = 90; B: 60·(70−40)/60 = 30, + 40 = 70; C: no I1 (缺报 0) + 40 − 20 = 20.
    # 优秀 quota floor(0.5·3) = 1: A (rank 1, 90 ≥ 90) is 优秀. T is a town: not ranked.
    assert rankings(res, run_id) == {"A": (90.0, 1, "优秀", None, ""), "B": (70.0, 2, "合格", None, ""),
                                     "C": (20.0, 3, "不合格", None, "")}
    with res.warehouse.session() as session:
        run = session.get(ScoreRun, run_id)
        rows = {(r.unit_code, r.indicator_code): r for r in session.scalars(
            select(FactScore).where(FactScore.run_id == run_id))}
        a_value = session.scalar(select(FactValue.id).where(FactValue.submission_id == ga,
                                                            FactValue.unit_code == "A"))
    assert run.status == "draft" and run.parameters == {"sensitivity": False}
    assert run.data_cutoff_at is not None and set(run.produced_by) == {"host", "user", "version"}
    assert rows[("A", "I1")].fact_value_id == a_value and rows[("A", "I1")].value_period == "2025Q1"
    assert rows[("C", "I1")].flags == "缺报" and rows[("C", "I1")].score == 0
    assert rows[("C", "I1")].value_used is None and rows[("C", "I1")].fact_value_id is None
    assert ("T", "I1") not in rows


def test_same_inputs_same_run_changed_value_new_run(res):
    catalog = res.catalog("t-county-2025")
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    first = score(res, catalog, "2025Q1")
    assert score(res, catalog, "2025Q1") == first
    publish(res, first)
    assert score(res, catalog, "2025Q1") == first  # published and unchanged: nothing new
    with_sensitivity = score(res, catalog, "2025Q1", sensitivity=True)
    assert with_sensitivity != first
    # a resubmission supersedes the first file: B's value changes, so does the hash
    with res.warehouse.session() as session:
        old = session.scalar(select(Submission.id).where(Submission.department_code == "GA"))
        session.execute(update(Submission).where(Submission.id == old).values(status="superseded",
                                                                              superseded_by=old))
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 100}, received_at=T0 + timedelta(days=1))
    changed = score(res, catalog, "2025Q1")
    assert changed not in (first, with_sensitivity)
    # I2 was never sent (缺报, 0): A and B both 60, tied at rank 1
    assert {u: r[:2] for u, r in rankings(res, changed).items()} == {"A": (60.0, 1), "B": (60.0, 1), "C": (0.0, 3)}
    with res.warehouse.session() as session:
        assert session.get(ScoreRun, changed).data_cutoff_at.replace(tzinfo=timezone.utc) == T0 + timedelta(days=1)


def test_no_accepted_submission_raises_no_data(res):
    submit(res, "GA", "2025Q2", {("A", "I1"): 100}, status="rejected")
    with pytest.raises(NoData, match="2025Q2"):
        score(res, res.catalog("t-county-2025"), "2025Q2")


def test_previous_values_rank_change_and_alerts_across_periods(res):
    catalog = res.catalog("t-county-2025")
    old_ga = submit(res, "GA", "2024Q4", {("A", "I1"): 100, ("B", "I1"): 40})
    submit(res, "SF", "2024Q4", {("A", "I2"): 0, ("B", "I2"): 0, ("C", "I2"): 4})
    # 2024Q4 values feed `previous`; no 2024 catalog ranked 2024Q4, so 2025Q1 has no rank change
    submit(res, "GA", "2025Q1", {("B", "I1"): 100, ("C", "I1"): 40})
    submit(res, "SF", "2025Q1", {("A", "I2"): 0, ("B", "I2"): 1, ("C", "I2"): 0})
    q1 = score(res, catalog, "2025Q1")
    # A has no I1 in 2025Q1: `previous` carries 100 from 2024Q4 (60 points) → 100; B 60 + 30 = 90;
    # C: I1 40 → 0, I2 0 → 40: total 40.
    assert rankings(res, q1) == {"A": (100.0, 1, "优秀", None, ""), "B": (90.0, 2, "合格", None, ""),
                                 "C": (40.0, 3, "不合格", None, "")}
    with res.warehouse.session() as session:
        carried = session.get(FactScore, (q1, "A", "I1"))
        source = session.get(FactValue, carried.fact_value_id)
    assert (carried.flags, carried.value_period, carried.value_used) == ("沿用上期", "2024Q4", 100)
    assert (source.submission_id, source.unit_code, source.period) == (old_ga, "A", "2024Q4")
    publish(res, q1)
    submit(res, "GA", "2025Q2", {("A", "I1"): 40, ("B", "I1"): 100, ("C", "I1"): 70})
    submit(res, "SF", "2025Q2", {("A", "I2"): 4, ("B", "I2"): 0, ("C", "I2"): 0})
    q2 = score(res, catalog, "2025Q2")
    # A: 0 + 0 = 0 (last, was first: 1 − 3 = −2, 优秀 → 不合格); B: 100 (2 − 1 = +1, 合格 → 优秀);
    # C: 30 + 40 = 70 (3 − 2 = +1).
    assert rankings(res, q2) == {"B": (100.0, 1, "优秀", 1, ""), "C": (70.0, 2, "合格", 1, ""),
                                 "A": (0.0, 3, "不合格", -2, "等次下降")}
    publish(res, q2)
    submit(res, "GA", "2025Q3", {("A", "I1"): 40, ("B", "I1"): 100, ("C", "I1"): 70})
    q3 = score(res, catalog, "2025Q3")
    # I2 missing for everyone (zero policy): A 0, B 60, C 30; A last in Q2 and Q3 → 连续末位.
    assert rankings(res, q3) == {"B": (60.0, 1, "合格", 0, "等次下降"), "C": (30.0, 2, "不合格", 0, "等次下降"),
                                 "A": (0.0, 3, "不合格", 0, "连续末位")}


def test_published_run_is_immutable(res):
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    run_id = score(res, res.catalog("t-county-2025"), "2025Q1")
    with res.warehouse.session() as session:  # a draft can still be changed
        session.execute(update(FactRanking).where(FactRanking.run_id == run_id).values(alerts=""))
    publish(res, run_id)
    publish(res, run_id)
    changes = [update(ScoreRun).where(ScoreRun.id == run_id).values(status="draft", published_at=None),
               update(FactRanking).where(FactRanking.run_id == run_id).values(rank=9),
               update(FactScore).where(FactScore.run_id == run_id).values(score=0),
               text(f"DELETE FROM fact_category_score WHERE run_id = {run_id}"),
               insert(FactScore).values(run_id=run_id, unit_code="C", indicator_code="X", flags="")]
    for change in changes:
        with pytest.raises(DBAPIError, match="immutable"):
            with res.warehouse.session() as session:
                session.execute(change)
    with res.warehouse.session() as session:
        run = session.get(ScoreRun, run_id)
        assert run.status == "published" and run.published_at is not None


def test_score_command_prints_the_ranking_and_reports_no_data(sqlite_res, sqlite_url):
    from typer.testing import CliRunner

    from kaoping.cli import commands  # noqa: F401  (registers the commands)
    from kaoping.cli.app import app

    submit(sqlite_res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    base = ["-w", str(sqlite_res.workspace), "--db", sqlite_url, "score", "--period"]
    runner = CliRunner()
    done = runner.invoke(app, [*base, "2025Q1", "--sensitivity"], terminal_width=200)
    assert done.exit_code == 0, done.output
    assert "测试考评" in done.output and "甲县（A）" in done.output and "60.00" in done.output
    assert "稳定性" in done.output
    empty = runner.invoke(app, [*base, "2025Q4"])
    assert empty.exit_code == 1 and "没有" in empty.output
    no_catalog = runner.invoke(app, [*base, "2031Q1"])
    assert no_catalog.exit_code == 2 and "2031" in no_catalog.output


def test_rank_change_across_years_uses_the_earlier_years_catalog_of_the_same_kind(tmp_path, sqlite_url):
    last_year = CATALOG.replace("t-county-2025", "t-county-2024").replace("year: 2025", "year: 2024")
    towns = last_year.replace("t-county-2024", "t-town-2024").replace("assessed_kind: county", "assessed_kind: town")
    res = _resources(tmp_path, sqlite_url, {"t2024.yaml": last_year, "town.yaml": towns})
    try:
        for code, values in (("t-county-2024", {("A", "I1"): 40, ("B", "I1"): 100, ("C", "I1"): 70}),
                             ("t-town-2024", {("T", "I1"): 100})):
            submit(res, "GA", "2024Q4", values, catalog=code, received_at=T0 - timedelta(days=90))
            publish(res, score(res, res.catalog(code), "2024Q4"))
        submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70, ("C", "I1"): 40})
        q1 = score(res, res.catalog("t-county-2025"), "2025Q1")
        # 2024Q4 under the 2024 county catalog (C exists only from 2025Q1; the town run is ignored):
        # B 60 first, A 0 second. 2025Q1: A 60, B 30, C 0 → A 2 − 1 = +1, B 1 − 2 = −1, C none
        assert {u: r[1:4:2] for u, r in rankings(res, q1).items()} == {"A": (1, 1), "B": (2, -1), "C": (3, None)}
    finally:
        res.close()


def _stored_scores(res, run_id: int) -> list[tuple]:
    with res.warehouse.session() as session:
        return sorted(tuple(row) for row in session.execute(
            select(FactScore.unit_code, FactScore.indicator_code, FactScore.value_used, FactScore.score,
                   FactScore.flags, FactScore.value_period, FactScore.fact_value_id)
            .where(FactScore.run_id == run_id)))


def test_reading_and_writing_in_small_batches_changes_nothing(res, monkeypatch):
    catalog = res.catalog("t-county-2025")
    # A's and B's I1 come first (lowest ids): a 2-row batch of nothing but NULL values
    submit(res, "GA", "2025Q1", {("A", "I1"): None, ("B", "I1"): None, ("C", "I1"): 70})
    submit(res, "SF", "2025Q1", {("A", "I2"): 1, ("B", "I2"): 0, ("C", "I2"): 2})
    whole = score(res, catalog, "2025Q1")
    with res.warehouse.session() as session:
        values = period_values(session, catalog, Period.parse("2025Q1"))
    monkeypatch.setattr(runs, "CHUNK", 2)
    with res.warehouse.session() as session:
        batched = period_values(session, catalog, Period.parse("2025Q1"))
    assert batched["value"].dtype == float and batched.equals(values)
    assert score(res, catalog, "2025Q1") == whole  # same input hash
    again = score(res, catalog, "2025Q1", sensitivity=True)
    assert again != whole and _stored_scores(res, again) == _stored_scores(res, whole)
    assert {u: r[3] for u, r in rankings(res, again).items()} == {"A": None, "B": None, "C": None}
