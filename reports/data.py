"""What the report writers read: one published run with its frames (gathered by
kaoping.stages.publishing), and the marks and layouts every writer shares."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from kaoping.core.config import OfficeSettings
from kaoping.reports import texts
from kaoping.reports.changes import Version
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.warehouse.adjustments import REPORT_COLUMNS
from kaoping.warehouse.versions import FINAL, REVIEW


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
