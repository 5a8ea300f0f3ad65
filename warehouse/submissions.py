"""Intake loads (SPEC §6, §7): an accepted file's values in one transaction, a rejection's problems,
superseding the earlier accepted submission of the same department × period × catalog."""
from __future__ import annotations

import math
import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kaoping.faults import fault_point
from kaoping.scoring.periods import Period
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.engine import bulk_insert
from kaoping.warehouse.models import DimPeriod, FactValue, Submission, SubmissionProblem

HISTORY_COLUMNS = ["unit_code", "indicator_code", "period", "ordinal", "value"]
_VALUE_FIELDS = ("submission_id", "unit_code", "catalog_code", "indicator_code", "period", "value", "raw_text",
                 "flags", "sheet", "cell")
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
    ordinals = dict(session.execute(select(DimPeriod.code, DimPeriod.ordinal)
                                    .where(DimPeriod.grain == p.grain, DimPeriod.ordinal < p.ordinal)).all())
    # catalog × period × indicator is what ix_fact_value_lookup serves; filtering on the unit list in
    # SQL would instead probe every accepted submission once per unit (slow as the warehouse grows)
    catalogs = select(Submission.catalog_code).where(Submission.status == "accepted").distinct()
    fetched = [name for name in HISTORY_COLUMNS if name != "ordinal"]
    # the few earlier periods' ordinals are mapped below: joining dim_period cost a lookup per row
    query = (select(*(FactValue.__table__.c[name] for name in fetched))
             .join(Submission, Submission.id == FactValue.submission_id)
             .where(Submission.status == "accepted", FactValue.catalog_code.in_(catalogs),
                    FactValue.period.in_(list(ordinals)), FactValue.indicator_code.in_(indicators),
                    FactValue.value.is_not(None)))
    # plain DBAPI tuples straight into a frame (text and float columns need no result processing): ORM
    # rows, or transposing the tuples in Python, cost more than the query for a province file's history
    frame = pd.DataFrame(session.connection().execute(query).cursor.fetchall(), columns=fetched)
    frame = frame[frame["unit_code"].isin(set(units))]
    frame.insert(fetched.index("value"), "ordinal", frame["period"].map(ordinals).astype("int64"))
    return frame.drop_duplicates(["unit_code", "indicator_code", "period"]).reset_index(drop=True)


def _value_rows(submission_id: int, catalog_code: str, period: str, values: pd.DataFrame) -> list[tuple]:
    """The fact_value rows (_VALUE_FIELDS order) of an accepted file; missing and infinite values are NULL."""
    value = pd.to_numeric(values["value"], errors="coerce").astype(float).to_numpy()
    value = [None if math.isnan(v) or math.isinf(v) else v for v in value.tolist()]
    raw = [None if isinstance(t, float) or t is None or t is pd.NA else t  # NaN would be 'NaN' on PostgreSQL
           for t in values["raw_text"].tolist()]
    columns = zip(values["unit_code"].tolist(), values["indicator_code"].tolist(), value, raw,
                  values["flags"].tolist(), values["sheet"].tolist(), values["cell"].tolist())
    return [(submission_id, unit, catalog_code, indicator, period, v, text, flags or "", sheet, cell)
            for unit, indicator, v, text, flags, sheet, cell in columns]


def _insert_values(session: Session, rows: list[tuple]) -> None:
    """The rows in the session's transaction (the ORM's per-row work costs seconds per province file)."""
    bulk_insert(session, FactValue.__tablename__, _VALUE_FIELDS, [rows])


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
        _insert_values(session, rows)
    fault_point("ingest")
    return new_id

