"""Read models for the reports: the frames the ranking, feedback and CSV writers need.

Each function reads one layer (rankings, category scores, scores with their lineage,
submissions) and returns a DataFrame with fixed columns, empty when there are no rows.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from kaoping.warehouse.models import (DimCatalog, DimDepartment, DimIndicator, DimPeriod, DimUnit,
                              FactCategoryScore, FactRanking, FactScore, FactValue, ScoreRun,
                              Submission)


def _frame(session: Session, stmt: Select) -> pd.DataFrame:
    """The rows of `stmt` as a DataFrame whose columns are the statement's labels."""
    rows = session.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(stmt.selected_columns.keys()),
                        dtype=object)


def latest_run(session: Session, catalog_code: str, period: str,
               status: str | None = None) -> ScoreRun | None:
    """The newest run of a catalog × period (optionally only of one status)."""
    stmt = select(ScoreRun).where(ScoreRun.catalog_code == catalog_code, ScoreRun.period == period)
    if status is not None:
        stmt = stmt.where(ScoreRun.status == status)
    return session.scalars(stmt.order_by(ScoreRun.id.desc()).limit(1)).first()


def ranking_rows(session: Session, run_id: int) -> pd.DataFrame:
    """One row per ranked unit of a run, with the unit's name, ordered by group, rank, unit code."""
    stmt = (select(FactRanking.unit_code, DimUnit.name.label("unit_name"),
                   FactRanking.group_code.label("group"), FactRanking.category_total,
                   FactRanking.bonus, FactRanking.penalty, FactRanking.total, FactRanking.rank,
                   FactRanking.grade, FactRanking.is_vetoed, FactRanking.rank_change,
                   FactRanking.alerts, FactRanking.median_rank, FactRanking.rank_p05,
                   FactRanking.rank_p95, FactRanking.detail)
            .join(DimUnit, DimUnit.code == FactRanking.unit_code)
            .where(FactRanking.run_id == run_id))
    frame = _frame(session, stmt)
    frame["is_vetoed"] = frame["is_vetoed"].astype(bool)
    # sorted here, not in SQL: group names must order by code point whatever the database collation
    order = sorted(range(len(frame)), key=lambda i: (frame["group"].iat[i] or "", frame["rank"].iat[i],
                                                     frame["unit_code"].iat[i]))
    return frame.iloc[order].reset_index(drop=True)


def category_scores(session: Session, run_id: int) -> pd.DataFrame:
    """One row per unit × category of a run: score and points."""
    stmt = (select(FactCategoryScore.unit_code, FactCategoryScore.category_code,
                   FactCategoryScore.score, FactCategoryScore.points)
            .where(FactCategoryScore.run_id == run_id)
            .order_by(FactCategoryScore.unit_code, FactCategoryScore.category_code))
    return _frame(session, stmt)


def score_details(session: Session, run_id: int, catalog_code: str) -> pd.DataFrame:
    """One row per unit × indicator of a run: value used, score, flags and where the value came from."""
    dept = aliased(DimDepartment)
    stmt = (select(FactScore.unit_code, FactScore.indicator_code, DimIndicator.name.label("indicator_name"),
                   DimIndicator.kind, DimIndicator.category_code, DimIndicator.unit, DimIndicator.method,
                   FactScore.value_used, FactScore.score, FactScore.points, FactScore.flags,
                   FactScore.value_period, FactValue.raw_text, FactValue.sheet, FactValue.cell,
                   Submission.file_name, Submission.department_code, dept.name.label("department_name"))
            .join(DimIndicator, and_(DimIndicator.catalog_code == catalog_code,
                                     DimIndicator.code == FactScore.indicator_code))
            .outerjoin(FactValue, FactValue.id == FactScore.fact_value_id)
            .outerjoin(Submission, Submission.id == FactValue.submission_id)
            .outerjoin(dept, dept.code == Submission.department_code)
            .where(FactScore.run_id == run_id)
            .order_by(FactScore.unit_code, FactScore.indicator_code))
    return _frame(session, stmt)


def submission_rows(session: Session, catalog_code: str, period: str) -> pd.DataFrame:
    """Every file received for a period under a catalog (or not matched to one), oldest first."""
    stmt = (select(Submission.department_code, DimDepartment.name.label("department_name"),
                   Submission.file_name, Submission.received_at, Submission.status,
                   Submission.error_count, Submission.warning_count, Submission.value_count,
                   Submission.timeliness, Submission.days_late)
            .outerjoin(DimDepartment, DimDepartment.code == Submission.department_code)
            .where(Submission.period == period,
                   or_(Submission.catalog_code == catalog_code, Submission.catalog_code.is_(None)))
            .order_by(Submission.received_at, Submission.id))
    return _frame(session, stmt)


def ranking_history(session: Session, assessed_kind: str, period: str) -> pd.DataFrame:
    """Rankings of the latest published run per period of the same grain up to `period`,
    over the catalogs that rank the same kind of unit (one row per period × unit)."""
    current = session.get(DimPeriod, period)
    if current is None:
        return _frame(session, _history_stmt(assessed_kind, "", -1))
    return _frame(session, _history_stmt(assessed_kind, current.grain, current.ordinal))


def _history_stmt(assessed_kind: str, grain: str, ordinal: int) -> Select:
    latest = (select(ScoreRun.period, func.max(ScoreRun.id).label("run_id"))
              .join(DimCatalog, DimCatalog.code == ScoreRun.catalog_code)
              .join(DimPeriod, DimPeriod.code == ScoreRun.period)
              .where(ScoreRun.status == "published", DimCatalog.assessed_kind == assessed_kind,
                     DimPeriod.grain == grain, DimPeriod.ordinal <= ordinal)
              .group_by(ScoreRun.period).subquery())
    return (select(latest.c.period, DimPeriod.ordinal, FactRanking.unit_code, FactRanking.total,
                   FactRanking.rank, FactRanking.grade, FactRanking.is_vetoed)
            .join(FactRanking, FactRanking.run_id == latest.c.run_id)
            .join(DimPeriod, DimPeriod.code == latest.c.period)
            .order_by(DimPeriod.ordinal, FactRanking.unit_code))
