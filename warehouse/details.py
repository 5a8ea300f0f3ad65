"""A run's score details and the sent values its formulas read, as the report writers read them:
compact enough for 20,000 units (numbers as float arrays, every other column categorical)."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kaoping.warehouse.models import DimDepartment, DimIndicator, FactScore, FactValue, Submission

# the columns of a run's details read from the warehouse, numbers as float (NaN = NULL), every other
# one categorical; indicator_name, unit, file_name and department are derived from them
DETAIL_COLUMNS = (FactScore.unit_code, FactScore.indicator_code, FactScore.value_used, FactScore.score,
                  FactScore.points, FactScore.flags, FactScore.value_period, FactValue.raw_text,
                  FactValue.sheet, FactValue.cell, FactValue.submission_id)
DETAIL_NUMBERS = ("value_used", "score", "points")
FETCH_ROWS = 50_000
# the fact_value rows the 计算依据 read (one row per period × unit × code, the one used)
VALUE_COLUMNS = ["period", "unit_code", "indicator_code", "value", "raw_text", "sheet", "cell", "file_name",
                 "department"]


def text_codes(values: np.ndarray, table: dict) -> np.ndarray:
    """Codes of `values` in `table` (value → code, seeded {None: -1}; new values are added)."""
    codes, uniques = pd.factorize(values)
    known = np.array([table.setdefault(v, len(table) - 1) for v in uniques.tolist()] + [-1], dtype=np.int32)
    return known[codes]


def relabelled(column: pd.Series, labels: dict) -> pd.Categorical:
    """A categorical column whose categories are replaced by `labels[category]` (missing → NaN)."""
    new, uniques = pd.factorize(pd.Series([labels.get(c) for c in column.cat.categories], dtype=object))
    codes = column.cat.codes.to_numpy()
    return pd.Categorical.from_codes(np.where(codes >= 0, new[codes] if len(new) else -1, -1), uniques)


def _detail_rows(session: Session, run_id: int):
    """The raw rows of a run's scores with their source cells, in chunks of FETCH_ROWS.

    Through the DB-API cursor: SQLAlchemy's row objects cost more than the rest of the read.
    """
    stmt = (select(*DETAIL_COLUMNS).outerjoin(FactValue, FactValue.id == FactScore.fact_value_id)
            .where(FactScore.run_id == int(run_id)).order_by(FactScore.unit_code, FactScore.indicator_code))
    sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield rows
    finally:
        cursor.close()


def run_details(session: Session, run_id: int, catalog_code: str) -> pd.DataFrame:
    """One row per unit × indicator of a run (unit, indicator order), compact enough for 20,000 units:
    value used, score, points, flags, value period, source cell, file and department, indicator name and unit."""
    names = [c.key for c in DETAIL_COLUMNS]
    count = session.scalar(select(func.count()).select_from(FactScore).where(FactScore.run_id == run_id))
    columns = {n: np.empty(count, dtype=float if n in DETAIL_NUMBERS else np.int32) for n in names}
    tables = {n: {None: -1} for n in names if n not in DETAIL_NUMBERS}
    done = 0
    for rows in _detail_rows(session, run_id):  # filled in place: no per-chunk arrays to join
        table = np.array(rows, dtype=object)  # one 2-D array: far cheaper than transposing the tuples
        for k, name in enumerate(names):
            columns[name][done:done + len(rows)] = (np.array(table[:, k].tolist(), dtype=float)
                                                    if name in DETAIL_NUMBERS else text_codes(table[:, k], tables[name]))
        done += len(rows)
    frame = pd.DataFrame({n: columns.pop(n)[:done] for n in DETAIL_NUMBERS})
    for name, table in tables.items():
        frame[name] = pd.Categorical.from_codes(columns.pop(name)[:done], [v for v in table if v is not None])
    indicators = session.execute(select(DimIndicator.code, DimIndicator.name, DimIndicator.unit)
                                 .where(DimIndicator.catalog_code == catalog_code)).all()
    frame["indicator_name"] = relabelled(frame["indicator_code"], {c: n for c, n, _ in indicators})
    frame["unit"] = relabelled(frame["indicator_code"], {c: u or "" for c, _, u in indicators})
    sources = session.execute(select(Submission.id, Submission.file_name, Submission.department_code,
                                     DimDepartment.name)
                              .outerjoin(DimDepartment, DimDepartment.code == Submission.department_code)
                              .where(Submission.id.in_(list(frame["submission_id"].cat.categories)))).all()
    frame["file_name"] = relabelled(frame["submission_id"], {i: f for i, f, _, _ in sources})
    frame["department"] = relabelled(frame["submission_id"], {i: n or d for i, _, d, n in sources})
    return frame


def sent_inputs(session: Session, catalog_code: str, codes: list[str], periods: list[str],
                as_of: datetime) -> pd.DataFrame:
    """The fact_value rows (VALUE_COLUMNS) of `codes` in `periods` that a run of `catalog_code` made
    at `as_of` read: from the submissions accepted then (received by then, and not yet superseded by
    a file received by then); of duplicates, the last in the engine's order (other catalogs' rows
    first, then by id). One query."""
    if not codes:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    later = aliased(Submission)
    stmt = (select(FactValue.period, FactValue.unit_code, FactValue.indicator_code, FactValue.value,
                   FactValue.raw_text, FactValue.sheet, FactValue.cell, Submission.file_name,
                   func.coalesce(DimDepartment.name, Submission.department_code).label("department"),
                   (FactValue.catalog_code == catalog_code).label("own"), FactValue.id)
            .join(Submission, Submission.id == FactValue.submission_id)
            .outerjoin(later, later.id == Submission.superseded_by)
            .outerjoin(DimDepartment, DimDepartment.code == Submission.department_code)
            .where(FactValue.period.in_(periods), FactValue.indicator_code.in_(codes),
                   Submission.received_at <= as_of,
                   (Submission.status == "accepted")
                   | ((Submission.status == "superseded") & (later.received_at > as_of))))
    frame = pd.DataFrame(session.execute(stmt).all(), columns=[*VALUE_COLUMNS, "own", "id"])
    order = np.lexsort((frame["id"].to_numpy(), frame["own"].to_numpy(dtype=bool)))
    return frame.take(order)[VALUE_COLUMNS].reset_index(drop=True)
