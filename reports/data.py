"""What the report writers read: one published run with its frames, and where its files go."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaoping.core.config import OfficeSettings
from kaoping.stages.resources import Resources
from kaoping.reports import texts
from kaoping.reports.changes import Version
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.stages.timeliness import department_states
from kaoping.warehouse import queries
from kaoping.warehouse.adjustments import REPORT_COLUMNS, run_adjustments
from kaoping.warehouse.versions import FINAL, REVIEW, previous_version, run_version, version_number
from kaoping.warehouse.models import DimDepartment, DimIndicator, FactScore, FactValue, Submission

# the columns of RunData.details read from the warehouse, numbers as float (NaN = NULL), every other
# one categorical; indicator_name, unit, file_name and department are derived from them
DETAIL_COLUMNS = (FactScore.unit_code, FactScore.indicator_code, FactScore.value_used, FactScore.score,
                  FactScore.points, FactScore.flags, FactScore.value_period, FactValue.raw_text,
                  FactValue.sheet, FactValue.cell, FactValue.submission_id)
DETAIL_NUMBERS = ("value_used", "score", "points")
FETCH_ROWS = 50_000


@dataclass(frozen=True)
class RunInfo:
    """The facts about a score run the reports print (a detached copy of the row)."""

    id: int
    status: str
    input_sha256: str
    created_at: datetime
    published_at: datetime | None
    data_cutoff_at: datetime | None
    produced_by: dict
    parameters: dict
    version: str = FINAL  # draft, review (征求意见稿) or final (SPEC §11)
    number: int = 1  # which published version of the catalog × period this is (1: the first)

    @property
    def is_review(self) -> bool:
        return self.version == REVIEW

    @property
    def stamp(self) -> datetime:
        """The fixed time written into document properties (publication, else creation)."""
        return self.published_at or self.created_at


@dataclass
class RunData:
    """One catalog × period: its latest published run and the frames the writers need."""

    catalog: Catalog
    period: Period
    run: RunInfo
    rankings: pd.DataFrame
    categories: pd.DataFrame
    details: pd.DataFrame
    submissions: pd.DataFrame
    history: pd.DataFrame
    tz: ZoneInfo
    office: OfficeSettings = field(default_factory=OfficeSettings)
    timeliness: list = field(default_factory=list)  # DepartmentState per department, as of publication
    awaited: tuple[str, ...] = ()  # names of the departments the period still waits for (数据不完整)
    late_missing: tuple[str, ...] = ()  # names of the departments missing after the deadline (缺报)
    adjustments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPORT_COLUMNS))
    previous: Version | None = None  # the version before this one, for 变更说明 (None: this is the first)
    inputs: pd.DataFrame | None = None  # 计算依据: reports.inputs.input_rows of `details` (None: none)

    @property
    def grouped(self) -> bool:
        return self.catalog.rank_within == "group"

    @property
    def has_stability(self) -> bool:
        return bool(self.rankings["median_rank"].notna().any())

    def local(self, when: datetime | None) -> datetime | None:
        """A stored time in the workspace's time zone, naive (as Excel wants it)."""
        if when is None:
            return None
        aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return aware.astimezone(self.tz).replace(tzinfo=None, microsecond=0)


def bulletin_due(version: str) -> bool:
    """Whether a run yields the 通报: final versions only, not review versions (SPEC §11)."""
    return version == FINAL


def marked(data: RunData, title: str) -> str:
    """`title` with the 征求意见稿 mark of a review version (SPEC §11), then the 数据不完整 mark while
    the period waits for departments, or the 缺报 mark once they are missing after the deadline (SPEC §10)."""
    if data.run.is_review:
        return texts.REVIEW_MARK + _completeness_marked(data, title)
    return _completeness_marked(data, title)


def _completeness_marked(data: RunData, title: str) -> str:
    if data.awaited:
        return texts.INCOMPLETE_MARK.format(departments="、".join(data.awaited)) + title
    if data.late_missing:
        return texts.MISSING_MARK.format(departments="、".join(data.late_missing)) + title
    return title


def scheme_name(catalog: Catalog) -> str:
    """The catalog's name without its leading year (`2025年度县…考评` → `县…考评`)."""
    return re.sub(r"^\s*\d{4}\s*年度?\s*", "", catalog.name) or catalog.name


def _run_info(session: Session, run) -> RunInfo:
    return RunInfo(run.id, run.status, run.input_sha256, run.created_at, run.published_at,
                   run.data_cutoff_at, dict(run.produced_by or {}), dict(run.parameters or {}),
                   run_version(session, run), version_number(session, run))


def _coded(values: np.ndarray, table: dict) -> np.ndarray:
    """Codes of `values` in `table` (value → code, seeded {None: -1}; new values are added)."""
    codes, uniques = pd.factorize(values)
    known = np.array([table.setdefault(v, len(table) - 1) for v in uniques.tolist()] + [-1], dtype=np.int32)
    return known[codes]


def relabelled(column: pd.Series, labels: dict) -> pd.Categorical:
    """A categorical column whose categories are replaced by `labels[category]` (missing → NaN)."""
    new, uniques = pd.factorize(pd.Series([labels.get(c) for c in column.cat.categories], dtype=object))
    codes = column.cat.codes.to_numpy()
    return pd.Categorical.from_codes(np.where(codes >= 0, new[codes] if len(new) else -1, -1), uniques)


def positions(column: pd.Series, order: list) -> np.ndarray:
    """For each row of a categorical column, the place of its value in `order` (-1: not there)."""
    place = {v: k for k, v in enumerate(order)}
    by_code = np.array([place.get(c, -1) for c in column.cat.categories] + [-1], dtype=np.int64)
    return by_code[column.cat.codes.to_numpy()]


def grids(data: RunData, indicators: list, columns: dict[str, tuple[np.ndarray, object]]) -> dict[str, np.ndarray]:
    """Per-details-row `columns` {name: (values, fill)} laid out ranked unit × indicator (ranking
    order × `indicators`), `fill` where a unit has no row for an indicator."""
    rows = positions(data.details["unit_code"], list(data.rankings["unit_code"]))
    cols = positions(data.details["indicator_code"], [i.code for i in indicators])
    present = (rows >= 0) & (cols >= 0)
    rows, cols = rows[present], cols[present]
    out = {}
    for name, (values, fill) in columns.items():
        values = np.asarray(values)
        out[name] = np.full((len(data.rankings), len(indicators)), fill, dtype=values.dtype)
        out[name][rows, cols] = values[present]
    return out


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


def score_details(session: Session, run_id: int, catalog_code: str) -> pd.DataFrame:
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
                                                    if name in DETAIL_NUMBERS else _coded(table[:, k], tables[name]))
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


def sent_inputs(session: Session, catalog: Catalog, period: Period, as_of: datetime) -> pd.DataFrame:
    """The fact_value rows the run's formulas read (reports.inputs.VALUE_COLUMNS): of the codes its
    formulas read and the periods they look at, from the submissions accepted when the run was made
    (received by then, and not yet superseded by a file received by then); of duplicates, the last
    in the engine's order (other catalogs' rows first, then by id). One query."""
    from sqlalchemy.orm import aliased

    from kaoping.reports.inputs import VALUE_COLUMNS, input_periods, leaf_table

    codes = sorted(set(leaf_table(catalog)["code"]))
    if not codes:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    later = aliased(Submission)
    stmt = (select(FactValue.period, FactValue.unit_code, FactValue.indicator_code, FactValue.value,
                   FactValue.raw_text, FactValue.sheet, FactValue.cell, Submission.file_name,
                   func.coalesce(DimDepartment.name, Submission.department_code).label("department"),
                   (FactValue.catalog_code == catalog.code).label("own"), FactValue.id)
            .join(Submission, Submission.id == FactValue.submission_id)
            .outerjoin(later, later.id == Submission.superseded_by)
            .outerjoin(DimDepartment, DimDepartment.code == Submission.department_code)
            .where(FactValue.period.in_(input_periods(catalog, period)), FactValue.indicator_code.in_(codes),
                   Submission.received_at <= as_of,
                   (Submission.status == "accepted")
                   | ((Submission.status == "superseded") & (later.received_at > as_of))))
    frame = pd.DataFrame(session.execute(stmt).all(), columns=[*VALUE_COLUMNS, "own", "id"])
    order = np.lexsort((frame["id"].to_numpy(), frame["own"].to_numpy(dtype=bool)))
    return frame.take(order)[VALUE_COLUMNS].reset_index(drop=True)


def _previous(session: Session, run, catalog_code: str) -> Version | None:
    """The published version before `run`, as the change log reads it (None: `run` is the first)."""
    before = previous_version(session, run)
    if before is None:
        return None
    return Version(version_number(session, before), queries.ranking_rows(session, before.id),
                   score_details(session, before.id, catalog_code), run_adjustments(session, before.id))


def published_runs(res: Resources, period: str) -> list[RunData]:
    """The latest published run of every catalog of the period, with its frames (catalog order)."""
    from kaoping.reports.completeness import completeness
    from kaoping.reports.inputs import input_rows

    p = Period.parse(period)
    tz = ZoneInfo(res.settings.schedule.timezone)
    gate, out = completeness(res, p.code), []
    with res.warehouse.reading() as session:
        for catalog in res.catalogs_for(p):
            run = queries.latest_run(session, catalog.code, p.code, status="published")
            if run is None:
                continue
            details = score_details(session, run.id, catalog.code)
            out.append(RunData(
                catalog=catalog, period=p, run=_run_info(session, run), tz=tz, office=res.settings.office,
                rankings=queries.ranking_rows(session, run.id),
                categories=queries.category_scores(session, run.id),
                details=details,
                inputs=input_rows(details, catalog, sent_inputs(session, catalog, p, run.created_at), p),
                submissions=queries.submission_rows(session, catalog.code, p.code),
                history=queries.ranking_history(session, catalog.assessed_kind, p.code),
                timeliness=department_states(res, p.code, now=run.published_at or run.created_at),
                awaited=gate.awaited, late_missing=gate.late_missing,
                adjustments=run_adjustments(session, run.id), previous=_previous(session, run, catalog.code)))
    return out
