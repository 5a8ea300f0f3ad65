"""Score runs (评分批次) in the warehouse: the scoring engine's inputs read (`read_inputs`: the
period's accepted values, the history that `previous` and yoy need, the earlier published rankings
that rank change and alerts need), hashed (`input_sha256`), and its results stored (`store_run`).
kaoping.stages.scoring drives them around the pure engine.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from itertools import repeat
from typing import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Integer, String, Table, func, select
from sqlalchemy.orm import Session

from kaoping.core.faults import fault_point
from kaoping.scoring.adjustments import COLUMNS as ADJUSTMENT_COLUMNS
from kaoping.scoring.adjustments import AdjustedBlocks, apply_adjustments
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.combine import PartRuns, part_periods
from kaoping.scoring.engine import ScoreResult
from kaoping.scoring.periods import Period
from kaoping.scoring.values import history_codes
from kaoping.warehouse.adjustments import scoring_adjustments
from kaoping.warehouse.details import text_codes
from kaoping.warehouse.bulk import bulk_insert
from kaoping.warehouse.models import (DimCatalog, DimPeriod, DimUnit, FactCategoryScore, FactRanking, FactScore,
                                     FactScoreAdjustment, FactValue, ScoreRun, Submission)

REGISTRY_COLUMNS = ["code", "name", "kind", "group"]
CHUNK = 50_000  # rows per fetch / insert batch: large enough to amortise calls, small enough for memory
UNITS_PER_BLOCK = 1_000  # units whose fact_score rows are made and stored at once (200,000 rows at 200 items)


class NoData(LookupError):
    """The period has no accepted submission from the catalog's departments (nothing to rank)."""

    def __init__(self, catalog_code: str, period: str):
        self.catalog_code, self.period = catalog_code, period
        super().__init__(f"{period} 期间没有 {catalog_code} 考评细则的已接收报送，未评分 / "
                         f"no accepted submission for catalog {catalog_code} in {period}: not scored")


@dataclass
class RunInputs:
    """Everything one scoring reads; `sha256` identifies it. `values` and `history` already hold
    the adjusted values of `adjustments` (人工调整)."""

    values: pd.DataFrame
    history: pd.DataFrame
    units: pd.DataFrame
    previous_rankings: pd.DataFrame
    data_cutoff_at: datetime | None
    parts: PartRuns | None = None
    part_run_ids: list[int] = field(default_factory=list)
    adjustments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ADJUSTMENT_COLUMNS))


def _frame(session: Session, query) -> pd.DataFrame:
    """The rows of a small query as a DataFrame (SQLAlchemy converts the types)."""
    result = session.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _driver_frame(session: Session, query) -> pd.DataFrame:
    """The rows of `query` as the driver returns them, text columns as categoricals.

    At province scale SQLAlchemy's Row objects cost more than the query, so the DBAPI cursor is read
    directly, CHUNK rows at a time; and a Python string per row and text column would hold more
    memory than all the numbers (millions of values), so each chunk's texts become codes.
    """
    text = [c.key for c in query.selected_columns if isinstance(c.type, String)]
    tables = {name: {None: -1} for name in text}
    result = session.connection().execute(query)
    with result:
        names = list(result.keys())
        parts = []
        for rows in iter(lambda: result.cursor.fetchmany(CHUNK), []):
            part = pd.DataFrame(rows, columns=names)
            for name in text:
                part[name] = text_codes(part[name].to_numpy(dtype=object), tables[name])
            parts.append(part)
    # a chunk whose values are all NULL comes out as object: infer again as one frame would
    frame = pd.concat(parts, ignore_index=True).infer_objects() if parts else pd.DataFrame(columns=names)
    for name in text:
        frame[name] = pd.Categorical.from_codes(frame[name].to_numpy(dtype=np.int32),
                                                [v for v in tables[name] if v is not None])
    return frame


def _value_columns(catalog: Catalog, *columns) -> tuple:
    """The fact_value columns the engine reads; `own`: the row is of this catalog."""
    return (*columns, FactValue.unit_code, FactValue.indicator_code, FactValue.value,
            FactValue.id.label("fact_value_id"), (FactValue.catalog_code == catalog.code).label("own"))


def _value_query(catalog: Catalog, codes: list[str], periods, *columns):
    """fact_value rows of accepted submissions for the given codes and periods; `own`: of this catalog."""
    return (select(*_value_columns(catalog, *columns))
            .join(Submission, Submission.id == FactValue.submission_id)
            .where(Submission.status == "accepted", FactValue.period.in_(periods),
                   FactValue.indicator_code.in_(codes),
                   # true of every row (fact_value → dim_indicator → dim_catalog), but it lets the database
                   # search ix_fact_value_lookup (catalog_code, period, indicator_code) instead of scanning
                   FactValue.catalog_code.in_(select(DimCatalog.code))))


def _own_last(frame: pd.DataFrame) -> pd.DataFrame:
    """Values in id order with this catalog's rows last (the engine keeps the last of duplicates)."""
    order = np.lexsort((frame["fact_value_id"].to_numpy(), frame["own"].to_numpy(dtype=bool)))
    return frame.take(order).drop(columns="own").reset_index(drop=True)


def _departments(catalog: Catalog) -> list[str]:
    return sorted({i.source for i in catalog.collected()})


def data_cutoff(session: Session, catalog: Catalog, period: Period) -> datetime | None:
    """When the newest accepted submission of the period from the catalog's departments arrived (None: none)."""
    return session.scalar(select(func.max(Submission.received_at)).where(
        Submission.status == "accepted", Submission.period == period.code,
        Submission.department_code.in_(_departments(catalog))))


def period_values(session: Session, catalog: Catalog, period: Period) -> pd.DataFrame:
    """The period's values sent by the catalog's source departments in accepted submissions."""
    submissions = select(Submission.id).where(Submission.status == "accepted", Submission.period == period.code,
                                              Submission.department_code.in_(_departments(catalog)))
    # the few submissions' rows through the (submission_id, …) unique index, in table order: cheaper
    # than ix_fact_value_lookup's indicator-by-indicator visits, and _own_last fixes the row order
    query = select(*_value_columns(catalog)).where(
        FactValue.submission_id.in_(submissions), FactValue.period == period.code,
        FactValue.indicator_code.in_([i.code for i in catalog.collected()]))
    return _own_last(_driver_frame(session, query))


def history_values(session: Session, catalog: Catalog, period: Period) -> pd.DataFrame:
    """Earlier values of the same grain for the codes `previous` and yoy need (any catalog)."""
    codes = sorted(history_codes(catalog))
    if not codes:
        return pd.DataFrame(columns=["period", "unit_code", "indicator_code", "value", "fact_value_id"])
    earlier = select(DimPeriod.code).where(DimPeriod.grain == period.grain, DimPeriod.ordinal < period.ordinal)
    return _own_last(_driver_frame(session, _value_query(catalog, codes, earlier, FactValue.period)))


def previous_rankings(session: Session, catalog: Catalog, period: Period) -> pd.DataFrame:
    """Rankings of the latest published run of each earlier period alerts and rank change look at."""
    back = max(1, (catalog.alerts.last_place_streak or 1) - 1)
    periods, p = [], period
    for _ in range(back):
        p = p.previous()
        periods.append(p.code)
    runs = _frame(session, select(ScoreRun.id, ScoreRun.period)
                  .join(DimCatalog, DimCatalog.code == ScoreRun.catalog_code)
                  .join(DimPeriod, DimPeriod.code == ScoreRun.period)
                  .where(ScoreRun.status == "published", ScoreRun.period.in_(periods),
                         DimCatalog.assessed_kind == catalog.assessed_kind, DimCatalog.year == DimPeriod.year)
                  .order_by(ScoreRun.published_at, ScoreRun.id))
    latest = runs.drop_duplicates("period", keep="last")
    return _frame(session, select(ScoreRun.period, FactRanking.run_id, FactRanking.unit_code,
                                  FactRanking.group_code.label("group"), FactRanking.rank, FactRanking.grade)
                  .join(ScoreRun, ScoreRun.id == FactRanking.run_id)
                  .where(FactRanking.run_id.in_(latest["id"].tolist())))


def part_run_ids(session: Session, catalog: Catalog, period: Period) -> dict[str, int]:
    """For a combined year: the latest published run of this catalog for each of its quarters / months."""
    periods = [p for part in catalog.combine if part.from_ != "year" for p in part_periods(period.year, part.from_)]
    if not catalog.combined(period.grain) or not periods:
        return {}
    runs = _frame(session, select(ScoreRun.id, ScoreRun.period)
                  .where(ScoreRun.status == "published", ScoreRun.catalog_code == catalog.code,
                         ScoreRun.period.in_(periods)).order_by(ScoreRun.published_at, ScoreRun.id))
    return dict(zip(runs["period"], runs["id"].astype(int)))


def part_runs(session: Session, catalog: Catalog, runs: dict[str, int]) -> PartRuns:
    """The combined year's part runs as the engine reads them (rankings, category scores, the items it needs)."""
    ids = list(runs.values())
    period = {run_id: p for p, run_id in runs.items()}
    rankings = _frame(session, select(FactRanking.run_id, FactRanking.unit_code, FactRanking.category_total,
                                      FactRanking.bonus, FactRanking.penalty, FactRanking.total)
                      .where(FactRanking.run_id.in_(ids)))
    categories = _frame(session, select(FactCategoryScore.run_id, FactCategoryScore.unit_code,
                                        FactCategoryScore.category_code, FactCategoryScore.score)
                        .where(FactCategoryScore.run_id.in_(ids)))
    codes = [*catalog.tie_breakers, *(v.code for v in catalog.vetoes)]
    scores = _frame(session, select(FactScore.run_id, FactScore.unit_code, FactScore.indicator_code,
                                    FactScore.score, FactScore.value_used)
                    .where(FactScore.run_id.in_(ids), FactScore.indicator_code.in_(codes)))
    frames = [f.assign(period=f["run_id"].map(period)).drop(columns="run_id") for f in (rankings, categories, scores)]
    return PartRuns(*frames)


def read_inputs(session: Session, units: pd.DataFrame, catalog: Catalog, period: Period) -> RunInputs:
    """The engine's inputs for one catalog × period (`units`: the registry's units it ranks, with
    REGISTRY_COLUMNS); raises NoData when nothing was accepted.

    A combined year (`combine`) with published quarter / month runs has data even without year files.
    """
    cutoff = data_cutoff(session, catalog, period)
    runs = part_run_ids(session, catalog, period)
    if cutoff is None and not runs:
        raise NoData(catalog.code, period.code)
    if cutoff is None:
        cutoff = session.scalar(select(func.max(ScoreRun.data_cutoff_at)).where(ScoreRun.id.in_(list(runs.values()))))
    adjustments = scoring_adjustments(session, catalog, period, sorted(history_codes(catalog)))
    return RunInputs(apply_adjustments(period_values(session, catalog, period), adjustments, period.code),
                     apply_adjustments(history_values(session, catalog, period), adjustments),
                     units[REGISTRY_COLUMNS].reset_index(drop=True), previous_rankings(session, catalog, period), cutoff,
                     part_runs(session, catalog, runs) if runs else None, sorted(runs.values()), adjustments)


def _column_bytes(column: pd.Series) -> bytes:
    """One column as bytes: numbers as IEEE doubles with a missing mask, anything else as text."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = column.to_numpy(dtype=float, na_value=np.nan)
        return np.isnan(numbers).tobytes() + np.nan_to_num(numbers, nan=0.0).astype("<f8").tobytes()
    return "\x1f".join(map(str, column.tolist())).encode()


def _canonical(frame: pd.DataFrame, key: list[str]) -> bytes:
    """A frame as bytes in a fixed row (by `key`) and column order: the form that is hashed."""
    frame = frame.sort_values(key, kind="stable")
    return b"\x1e".join(name.encode() + b"\x1f" + _column_bytes(frame[name]) for name in sorted(frame.columns))


def input_sha256(inputs: RunInputs, catalog: Catalog, period: Period, parameters: dict) -> str:
    """SHA-256 of everything the run depends on: values with ids, history, registry, earlier runs, settings."""
    digest = hashlib.sha256()
    head = {"catalog": catalog.code, "catalog_sha256": catalog.sha256, "period": period.code,
            "parameters": parameters, **({"part_runs": inputs.part_run_ids} if inputs.part_run_ids else {})}
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False).encode())
    earlier = inputs.previous_rankings.reindex(columns=["period", "run_id"]).drop_duplicates()
    for frame, key in ((inputs.values, ["fact_value_id"]), (inputs.history, ["fact_value_id"]),
                       (inputs.units, ["code"]), (earlier, ["period"])):
        digest.update(b"\x1d" + _canonical(frame, key))
    if len(inputs.adjustments):  # only then: runs made before adjustments existed keep their hash
        digest.update(b"\x1d" + _canonical(inputs.adjustments.reindex(columns=ADJUSTMENT_COLUMNS), ["id"]))
    return digest.hexdigest()


def produced_by() -> dict:
    """Who made a run: host, user and kaoping version."""
    try:
        version = metadata.version("kaoping")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"host": socket.gethostname(), "user": user, "version": version}


def _plain(column: pd.Series, sql_type) -> list:
    """A column as plain-Python values (NaN/NA → None, integer columns as int) for the driver."""
    if isinstance(sql_type, Integer) and not isinstance(sql_type, Boolean) and column.dtype.kind == "f":
        column = column.astype("Int64")  # rank_change is float with NaN for "none"
    return column.to_numpy(dtype=object, na_value=None).tolist()


def _row_chunks(frame: pd.DataFrame, table: Table, run_id: int) -> Iterator[list[tuple]]:
    """The frame's rows as plain-Python tuples led by `run_id`, CHUNK rows at a time (bounded memory)."""
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start:start + CHUNK]
        columns = [_plain(part[name], table.c[name].type) for name in part.columns]
        yield list(zip(repeat(run_id, len(part)), *columns))


def _bulk_insert(session: Session, table: Table, frame: pd.DataFrame, run_id: int) -> None:
    """A run's rows (`frame` plus its run id) into `table`, in the session's transaction."""
    bulk_insert(session, table, ["run_id", *frame.columns], _row_chunks(frame, table, run_id))


def store_run(session: Session, result: ScoreResult, catalog: Catalog, period: Period, parameters: dict,
              digest: str, cutoff: datetime | None, adjustments: pd.DataFrame) -> int:
    """A new draft score_run with its fact_score (UNITS_PER_BLOCK units at a time, with `adjustments`
    marked), fact_category_score and fact_ranking rows, and the lineage of its adjusted scores."""
    run = ScoreRun(period=period.code, catalog_code=catalog.code, status="draft", parameters=parameters,
                   input_sha256=digest, created_at=datetime.now(timezone.utc), data_cutoff_at=cutoff,
                   produced_by=produced_by())
    session.add(run)
    session.flush()
    scores = AdjustedBlocks(result.score_blocks(UNITS_PER_BLOCK), adjustments, catalog, period.code)
    for block in scores:
        _bulk_insert(session, FactScore.__table__, block, run.id)
    for model, frame in ((FactCategoryScore, result.category_scores), (FactRanking, result.rankings),
                         (FactScoreAdjustment, scores.lineage)):
        if len(frame):
            _bulk_insert(session, model.__table__, frame, run.id)
    fault_point("score")
    return run.id


def run_rankings(session: Session, run_id: int) -> pd.DataFrame:
    """A run's fact_ranking rows with unit names, in ranking order (group, rank, unit code)."""
    query = (select(FactRanking.__table__, DimUnit.name.label("unit_name"))
             .join(DimUnit, DimUnit.code == FactRanking.unit_code)
             .where(FactRanking.run_id == run_id))
    frame = _frame(session, query)
    frame["rank_change"] = frame["rank_change"].astype("Int64")
    return frame.sort_values(["group", "rank", "unit_code"], na_position="first", ignore_index=True)
