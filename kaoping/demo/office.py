"""What the demo's office does between nightly runs (SPEC §11), so that `kaoping demo` shows a review
window, one adjustment, finalised periods and their 通报.

Each step is what an analyst would type: `kaoping adjust` of one value of the last quarter, then
`kaoping finalize` of the periods the office is done with. No clock is faked: the windows of
`review_days` stay open; the office finalises early, as `kaoping finalize` allows.
"""
from __future__ import annotations

from kaoping.stages.resources import Resources
from kaoping.sources.adjustments import resolve
from kaoping.warehouse import versions
from kaoping.stages.adjustments import record_adjustments

REVIEW_DAYS = 5  # the `[publication] review_days` of the workspace `kaoping demo` creates
LAST_QUARTER, OPEN_YEAR = "2025Q4", "2025"
ADJUSTMENT = {"unit": "河东区", "indicator": "C06-01", "value": "96",
              "reason": "市委政法委来函：河东区综治中心达标率漏报，补报 96%", "author": "市平安办 王敏"}
OFFICE = "kaoping demo"


def adjust_last_quarter(res: Resources) -> None:
    """The one adjustment (人工调整) of the demo: 河东区's 综治中心规范化建设达标率 of 2025Q4, which 市委政法委
    left empty (缺报)."""
    a = ADJUSTMENT
    record_adjustments(res, [resolve(res.registry, res.catalogs_for(LAST_QUARTER), LAST_QUARTER, a["unit"],
                                     a["indicator"], a["value"], a["reason"], a["author"], OFFICE)])


def finalize_periods(res: Resources, keep_open: tuple[str, ...]) -> list[str]:
    """Every period under review but those in `keep_open`, made final; the periods finalised."""
    with res.warehouse.write_lock() as session:
        due = [p.period for p in versions.period_versions(session)
               if p.state == versions.REVIEW and p.period not in keep_open]
        for period in due:
            versions.finalize(session, period, OFFICE)
    return due
