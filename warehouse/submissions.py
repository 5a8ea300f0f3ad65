"""Intake loads (SPEC §6, §7): an accepted file's values in one transaction, a rejection's problems,
superseding the earlier accepted submission of the same department × period × catalog."""
from __future__ import annotations

import math
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kaoping.faults import fault_point
from scoring.periods import Period
from warehouse.dimensions import ensure_period
from warehouse.models import DimPeriod, FactValue, Submission, SubmissionProblem

HISTORY_COLUMNS = ["unit_code", "indicator_code", "period", "ordinal", "value"]
_PROBLEM_FIELDS = ("severity", "rule", "sheet", "cell", "unit", "indicator", "value", "expected", "message")


def known_sha256(session: Session, hashes: list[str]) -> set[str]:
    """The hashes among `hashes` that already have a submission (processed before)."""
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        found |= set(session.scalars(select(Submission.sha256).where(Submission.sha256.in_(hashes[start:start + 500]))))
    return found


def history_values(session: Session, units: list[str], indicators: list[str], period: str) -> pd.DataFrame:
    """Accepted values of these units × indicators in earlier periods of the same grain (any catalog)."""
    p = Period.parse(period)
    query = (select(FactValue.unit_code, FactValue.indicator_code, FactValue.period, DimPeriod.ordinal,
                    FactValue.value)
             .join(Submission, Submission.id == FactValue.submission_id)
             .join(DimPeriod, DimPeriod.code == FactValue.period)
             .where(Submission.status == "accepted", DimPeriod.grain == p.grain, DimPeriod.ordinal < p.ordinal,
                    FactValue.unit_code.in_(units), FactValue.indicator_code.in_(indicators),
                    FactValue.value.is_not(None)))
    frame = pd.DataFrame(session.execute(query).all(), columns=HISTORY_COLUMNS)
    return frame.drop_duplicates(["unit_code", "indicator_code", "period"]).reset_index(drop=True)


def _value_rows(submission_id: int, catalog_code: str, period: str, values: pd.DataFrame) -> list[dict]:
    rows = []
    for r in values.itertuples(index=False):
        value = None if r.value is None or pd.isna(r.value) or math.isinf(float(r.value)) else float(r.value)
        rows.append({"submission_id": submission_id, "unit_code": r.unit_code, "catalog_code": catalog_code,
                     "indicator_code": r.indicator_code, "period": period, "value": value,
                     "raw_text": None if pd.isna(r.raw_text) else r.raw_text,  # NaN would be 'NaN' on PostgreSQL
                     "flags": r.flags or "", "sheet": r.sheet, "cell": r.cell})
    return rows


def _insert_problems(session: Session, submission_id: int, problems: list) -> None:
    rows = [{"submission_id": submission_id, **{f: getattr(p, f) for f in _PROBLEM_FIELDS}} for p in problems]
    if rows:
        session.execute(insert(SubmissionProblem), rows)


def record_submission(session: Session, record: dict, values: pd.DataFrame, problems: list) -> int:
    """Insert one submission (record: the Submission columns, `status` accepted or rejected) with
    its problems and, when accepted, its values; supersedes the earlier accepted one. Returns its id."""
    accepted = record["status"] == "accepted"
    if record.get("period"):
        ensure_period(session, record["period"])
    counts = {"error_count": sum(p.severity == "error" for p in problems),
              "warning_count": sum(p.severity == "warning" for p in problems),
              "value_count": len(values) if accepted else 0}
    # inserted as rejected first: the unique "one accepted per department × period × catalog" index
    # must never see two accepted rows, and the superseded row needs the new id to point at
    new_id = session.scalar(insert(Submission).values(**{**record, **counts, "status": "rejected"})
                            .returning(Submission.id))
    _insert_problems(session, new_id, problems)
    if not accepted:
        return new_id
    key = (Submission.department_code == record["department_code"], Submission.period == record["period"],
           Submission.catalog_code == record["catalog_code"], Submission.status == "accepted")
    session.execute(update(Submission).where(*key).values(status="superseded", superseded_by=new_id))
    session.execute(update(Submission).where(Submission.id == new_id).values(status="accepted"))
    rows = _value_rows(new_id, record["catalog_code"], record["period"], values)
    if rows:
        session.execute(insert(FactValue), rows)
    fault_point("ingest")
    return new_id

