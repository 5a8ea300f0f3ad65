"""Adjustments (人工调整) in the warehouse: recorded (append-only), read for scoring and for reports.

`adjustment` rows are never changed or deleted; a later adjustment of the same period × unit ×
indicator takes over from an earlier one. Scoring reads them by indicator code, like values, so
they hold whatever other departments send or resend.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaoping.scoring.adjustments import COLUMNS
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.versions import closed_refusal
from kaoping.warehouse.models import (Adjustment, DimIndicator, DimPeriod, DimUnit, FactScore, FactScoreAdjustment,
                                      FactValue)

REPORT_COLUMNS = ["adjustment_id", "unit_code", "unit_name", "indicator_code", "adjusted_code", "adjusted_name",
                  "period", "sent_value", "value", "reason", "author", "created_at", "source"]


def refusal(session: Session, catalog_code: str, period: str) -> str | None:
    """Why an adjustment of this catalog × period may not be recorded (None: it may): the period was
    finalised (定稿, SPEC §11)."""
    return closed_refusal(session, period)


def insert_adjustments(session: Session, requests: list, now: datetime) -> list[int]:
    """Store resolved adjustments (sources.adjustments.AdjustmentRequest) made `now`; their ids, in order."""
    rows = []
    for r in requests:
        ensure_period(session, Period.parse(r.period))
        rows.append(Adjustment(period=r.period, catalog_code=r.catalog_code, indicator_code=r.indicator_code,
                               unit_code=r.unit_code, value=r.value, reason=r.reason, author=r.author,
                               created_at=now, source=r.source))
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def scoring_adjustments(session: Session, catalog: Catalog, period: Period, history_codes: list[str]) -> pd.DataFrame:
    """The adjustments a scoring of `period` reads: the period's, of the catalog's collected codes,
    and earlier periods' of the same grain for the codes `previous` and yoy look back at."""
    current = [i.code for i in catalog.collected()]
    earlier = select(DimPeriod.code).where(DimPeriod.grain == period.grain, DimPeriod.ordinal < period.ordinal)
    stmt = (select(Adjustment.id, Adjustment.period, Adjustment.unit_code, Adjustment.indicator_code,
                   Adjustment.value)
            .where(((Adjustment.period == period.code) & Adjustment.indicator_code.in_(current))
                   | (Adjustment.period.in_(earlier) & Adjustment.indicator_code.in_(history_codes or [""])))
            .order_by(Adjustment.id))
    rows = session.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)


def run_adjustments(session: Session, run_id: int) -> pd.DataFrame:
    """The adjustments a run used: one row per adjusted score (REPORT_COLUMNS), unit and indicator order.

    `indicator_code` is the score's indicator, `adjusted_code` the one adjusted (they differ where
    a formula reads the adjusted indicator); `sent_value` is what the department had sent for the
    adjusted cell (None when nothing was sent, or for a formula's row).
    """
    adjusted_name = DimIndicator.name
    stmt = (select(Adjustment.id, FactScoreAdjustment.unit_code, DimUnit.name, FactScoreAdjustment.indicator_code,
                   Adjustment.indicator_code, adjusted_name, Adjustment.period, FactValue.value, Adjustment.value,
                   Adjustment.reason, Adjustment.author, Adjustment.created_at, Adjustment.source)
            .join(Adjustment, Adjustment.id == FactScoreAdjustment.adjustment_id)
            .join(DimUnit, DimUnit.code == FactScoreAdjustment.unit_code)
            .outerjoin(DimIndicator, (DimIndicator.catalog_code == Adjustment.catalog_code)
                       & (DimIndicator.code == Adjustment.indicator_code))
            .outerjoin(FactScore, (FactScore.run_id == FactScoreAdjustment.run_id)
                       & (FactScore.unit_code == FactScoreAdjustment.unit_code)
                       & (FactScore.indicator_code == FactScoreAdjustment.indicator_code))
            .outerjoin(FactValue, (FactValue.id == FactScore.fact_value_id)
                       & (FactValue.indicator_code == Adjustment.indicator_code))
            .where(FactScoreAdjustment.run_id == run_id)
            .order_by(FactScoreAdjustment.unit_code, FactScoreAdjustment.indicator_code))
    rows = [tuple(r) for r in session.execute(stmt).all()]
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)
