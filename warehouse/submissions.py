"""Intake loads (SPEC §6, §7): an accepted file's values in one transaction, a rejection's problems,
superseding the earlier accepted submission of the same department × period × catalog."""
from __future__ import annotations

import math
import pandas as pd
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kaoping.core.faults import fault_point
from kaoping.scoring.periods import Period
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.bulk import bulk_insert
from kaoping.warehouse.models import DimPeriod, FactValue, Submission, SubmissionProblem

HISTORY_COLUMNS = ["unit_code", "indicator_code", "period", "ordinal", "value"]
_VALUE_FIELDS = ("submission_id", "unit_code", "catalog_code", "indicator_code", "period", "value", "raw_text",
                 "flags", "sheet", "cell")
_PROBLEM_FIELDS = ("severity", "rule", "sheet", "cell", "unit", "indicator", "value", "expected", "message")


def settled_sha256(session: Session, hashes: list[str], judged_with: str | None,
                   recheck: frozenset[str] = frozenset()) -> set[str]:
    """The hashes among `hashes` whose examination still stands: files loaded (accepted or
    superseded), and rejected files judged against `judged_with` (today's registries, catalogs and
    limits) that are not in `recheck` (asked to be examined again). `judged_with=None`: only the
    loaded files (any rejected one may be examined again)."""
    return {sha for sha, (status, judged) in _judgements(session, hashes).items()
            if status != "rejected" or (judged_with is not None and judged == judged_with and sha not in recheck)}


def submission_status(session: Session, sha256: str) -> str | None:
    """The status of the submission of these bytes (None: never received)."""
    return session.scalar(select(Submission.status).where(Submission.sha256 == sha256))


def _judgements(session: Session, hashes: list[str]) -> dict[str, tuple[str, str | None]]:
    """sha256 → (status, judged_with) of the submissions among `hashes`."""
    found: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(hashes), 500):
        rows = session.execute(select(Submission.sha256, Submission.status, Submission.judged_with)
                               .where(Submission.sha256.in_(hashes[start:start + 500])))
        found |= {sha: (status, judged) for sha, status, judged in rows}
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


def _counts(record: dict, values: pd.DataFrame, problems: list) -> dict:
    return {"error_count": sum(p.severity == "error" for p in problems),
            "warning_count": sum(p.severity == "warning" for p in problems),
            "value_count": len(values) if record["status"] == "accepted" else 0}


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
    bulk_insert(session, FactValue.__table__, _VALUE_FIELDS, [rows])


def _insert_problems(session: Session, submission_id: int, problems: list) -> None:
    rows = [{"submission_id": submission_id, **{f: getattr(p, f) for f in _PROBLEM_FIELDS}} for p in problems]
    if rows:
        session.execute(insert(SubmissionProblem), rows)


def record_submission(session: Session, record: dict, values: pd.DataFrame, problems: list) -> int:
    """Insert one submission (record: the Submission columns, `status` accepted or rejected) with
    its problems and, when accepted, its values; supersedes the earlier accepted one. Returns its id.

    A file rejected before and examined again keeps its row (one per SHA-256): the new verdict
    replaces the old one and `rechecked_at` says when."""
    accepted = record["status"] == "accepted"
    if record.get("period"):
        ensure_period(session, record["period"])
    # written as rejected first: the unique "one accepted per department × period × catalog" index
    # must never see two accepted rows, and the superseded row needs the new id to point at
    row = {**record, **_counts(record, values, problems), "status": "rejected"}
    previous = session.scalar(select(Submission.id).where(Submission.sha256 == record["sha256"],
                                                          Submission.status == "rejected"))
    if previous is None:
        new_id = session.scalar(insert(Submission).values(**row).returning(Submission.id))
    else:  # a rejected file examined again: its row takes the new verdict, its old problems go
        new_id = previous
        session.execute(delete(SubmissionProblem).where(SubmissionProblem.submission_id == new_id))
        session.execute(update(Submission).where(Submission.id == new_id).values(**row, rechecked_at=record["processed_at"]))
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

