"""Adjustments (人工调整) in the warehouse, SQLite and PostgreSQL: scoring uses them with lineage,
they make new runs, survive other departments' resubmissions, and can be neither changed nor deleted."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from test_runs import T0, _resources, rankings, submit

from kaoping.stages import state
from kaoping.sources.adjustments import AdjustmentRequest
from kaoping.stages.adjustments import record_adjustments
from kaoping.warehouse.adjustments import run_adjustments
from kaoping.warehouse.models import Adjustment, FactScore, FactScoreAdjustment, FactValue, ScoreRun, Submission
from kaoping.stages.scoring import publish, score


@pytest.fixture
def res(tmp_path, db_url):
    resources = _resources(tmp_path, db_url)
    yield resources
    resources.close()


def adjust(res, unit: str, code: str, value: float, period: str = "2025Q1", reason: str = "核实更正") -> int:
    return record_adjustments(res, [AdjustmentRequest(period, "t-county-2025", unit, unit, code, code, value, reason,
                                                      "张三", "kaoping adjust")])[0]


def _score_rows(res, run_id: int) -> dict[tuple[str, str], FactScore]:
    with res.warehouse.session() as session:
        rows = session.scalars(select(FactScore).where(FactScore.run_id == run_id)).all()
        session.expunge_all()
    return {(r.unit_code, r.indicator_code): r for r in rows}


def _links(res, run_id: int) -> dict[tuple[str, str], int]:
    with res.warehouse.session() as session:
        return {(r.unit_code, r.indicator_code): r.adjustment_id for r in session.scalars(
            select(FactScoreAdjustment).where(FactScoreAdjustment.run_id == run_id))}


def _resubmit(res, department: str, period: str, values: dict, days: int) -> None:
    with res.warehouse.session() as session:
        old = session.scalar(select(Submission.id).where(Submission.department_code == department,
                                                         Submission.period == period,
                                                         Submission.status == "accepted"))
        session.execute(update(Submission).where(Submission.id == old).values(status="superseded", superseded_by=old))
    submit(res, department, period, values, received_at=T0 + timedelta(days=days))


def test_the_adjusted_value_is_scored_flagged_and_traced(res):
    catalog = res.catalog("t-county-2025")
    ga = submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    submit(res, "SF", "2025Q1", {("A", "I2"): 1, ("B", "I2"): 0, ("C", "I2"): 2})
    before = score(res, catalog, "2025Q1")
    assert rankings(res, before)["B"][0] == 70.0
    b_to_100 = adjust(res, "B", "I1", 100)
    c_sent_nothing = adjust(res, "C", "I1", 70)
    after = score(res, catalog, "2025Q1")
    assert after != before  # an adjustment is part of the input hash: a new run
    assert score(res, catalog, "2025Q1") == after  # and nothing else changed since
    # B: 60 + 40 = 100; C: 60·(70−40)/60 = 30, + 40 − 20 = 50
    assert {u: r[0] for u, r in rankings(res, after).items()} == {"A": 90.0, "B": 100.0, "C": 50.0}
    rows = _score_rows(res, after)
    with res.warehouse.session() as session:
        sent = session.scalar(select(FactValue.id).where(FactValue.submission_id == ga, FactValue.unit_code == "B"))
    assert rows[("B", "I1")].value_used == 100 and rows[("B", "I1")].flags == "人工调整"
    assert rows[("B", "I1")].fact_value_id == sent  # what GA sent stays traceable
    assert rows[("C", "I1")].flags == "人工调整" and rows[("C", "I1")].fact_value_id is None  # not 缺报
    assert rows[("A", "I1")].flags == ""
    assert _links(res, after) == {("B", "I1"): b_to_100, ("C", "I1"): c_sent_nothing}
    with res.warehouse.session() as session:
        used = run_adjustments(session, after)
    used = used.astype(object).where(used.notna(), None)
    assert used[["unit_code", "indicator_code", "sent_value", "value", "reason", "author"]].values.tolist() == [
        ["B", "I1", 70.0, 100.0, "核实更正", "张三"], ["C", "I1", None, 70.0, "核实更正", "张三"]]


def test_adjustments_survive_other_departments_resubmissions_and_the_newest_counts(res):
    catalog = res.catalog("t-county-2025")
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    submit(res, "SF", "2025Q1", {("A", "I2"): 1, ("B", "I2"): 0})
    first = adjust(res, "B", "I1", 80)
    second = adjust(res, "B", "I1", 90, reason="再次核实")
    _resubmit(res, "SF", "2025Q1", {("A", "I2"): 0, ("B", "I2"): 1}, days=2)
    run = score(res, catalog, "2025Q1")
    rows = _score_rows(res, run)
    assert rows[("B", "I1")].value_used == 90 and _links(res, run)[("B", "I1")] == second
    assert rows[("A", "I2")].value_used == 0  # the resubmission counts for everything not adjusted
    with res.warehouse.session() as session:
        assert session.scalars(select(Adjustment.id).order_by(Adjustment.id)).all() == [first, second]  # both kept


def test_an_adjusted_earlier_value_is_what_previous_carries(res):
    catalog = res.catalog("t-county-2025")
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    submit(res, "GA", "2025Q2", {("A", "I1"): 100})  # B not sent: I1 `previous` carries 2025Q1
    q1 = adjust(res, "B", "I1", 85)
    run = score(res, catalog, "2025Q2")
    row = _score_rows(res, run)[("B", "I1")]
    assert row.value_used == 85 and row.value_period == "2025Q1"
    assert row.flags.split(";") == ["沿用上期", "人工调整"] and _links(res, run)[("B", "I1")] == q1


def test_adjustments_can_be_neither_changed_nor_deleted(res):
    submit(res, "GA", "2025Q1", {("A", "I1"): 100})
    adjustment = adjust(res, "A", "I1", 90)
    for statement in (update(Adjustment).where(Adjustment.id == adjustment).values(value=1),
                      delete(Adjustment).where(Adjustment.id == adjustment)):
        with pytest.raises(DBAPIError, match="人工调整记录不可修改或删除"):
            with res.warehouse.session() as session:
                session.execute(statement)
    with res.warehouse.session() as session:
        assert session.get(Adjustment, adjustment).value == 90


def test_the_lineage_of_a_published_run_is_immutable(res):
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    adjust(res, "B", "I1", 100)
    run = score(res, res.catalog("t-county-2025"), "2025Q1")
    publish(res, run)
    with pytest.raises(DBAPIError, match="已发布的评分批次不可修改"):
        with res.warehouse.session() as session:
            session.execute(delete(FactScoreAdjustment).where(FactScoreAdjustment.run_id == run))
    assert len(_links(res, run)) == 1


def test_an_adjustment_after_publishing_makes_the_period_due_for_scoring(res):
    catalog = res.catalog("t-county-2025")
    submit(res, "GA", "2025Q1", {("A", "I1"): 100, ("B", "I1"): 70})
    run = score(res, catalog, "2025Q1")
    publish(res, run)
    assert "2025Q1" not in state.unscored_periods(res)
    adjust(res, "A", "I1", 95)
    assert state.unscored_periods(res) == ["2025Q1"]
    new = score(res, catalog, "2025Q1")
    publish(res, new)
    assert new != run and state.unscored_periods(res) == []
    with res.warehouse.session() as session:
        assert session.get(ScoreRun, new).status == "published"
