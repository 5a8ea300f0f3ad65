"""Adjustments (人工调整) recorded: every request checked against the warehouse (a finalised period
refuses them all), then stored in one transaction, all or none."""
from __future__ import annotations

from datetime import datetime, timezone

from kaoping.sources.adjustments import AdjustmentError, AdjustmentRequest
from kaoping.stages.resources import Resources
from kaoping.warehouse.adjustments import insert_adjustments, refusal


def record_adjustments(res: Resources, requests: list[AdjustmentRequest]) -> list[int]:
    """Store the adjustments in one transaction (all or none); their ids, in order."""
    res.sync_dimensions()
    with res.warehouse.write_lock() as session:
        refusals = (refusal(session, r.catalog_code, r.period) for r in requests)
        problems = list(dict.fromkeys(reason for reason in refusals if reason))
        if problems:
            raise AdjustmentError(problems)
        return insert_adjustments(session, requests, datetime.now(timezone.utc))
