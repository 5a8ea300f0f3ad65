"""What the report writers read: one published run with its frames, and where its files go."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from kaoping.resources import Resources
from reports import texts
from scoring.catalog import Catalog
from scoring.periods import Period
from warehouse import queries

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


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


def scheme_name(catalog: Catalog) -> str:
    """The catalog's name without its leading year (`2025年度县…考评` → `县…考评`)."""
    return re.sub(r"^\s*\d{4}\s*年度?\s*", "", catalog.name) or catalog.name


def safe_file_part(text: str) -> str:
    """Text usable in a file name on Windows and POSIX."""
    return _UNSAFE_NAME.sub("_", str(text)).strip(" .") or "_"


def ranking_path(res: Resources, catalog_code: str, period: str) -> Path:
    name = texts.RANKING_FILE.format(catalog=safe_file_part(catalog_code), period=period)
    return res.settings.out_dir / period / texts.RANKING_DIR / name


def feedback_path(res: Resources, period: str, unit_code: str, unit_name: str) -> Path:
    name = f"{safe_file_part(unit_code)}_{safe_file_part(unit_name)}.xlsx"
    return res.settings.out_dir / period / texts.FEEDBACK_DIR / name


def rankings_csv_path(res: Resources, period: str) -> Path:
    return res.settings.out_dir / period / "rankings.csv"


def _run_info(run) -> RunInfo:
    return RunInfo(run.id, run.status, run.input_sha256, run.created_at, run.published_at,
                   run.data_cutoff_at, dict(run.produced_by or {}), dict(run.parameters or {}))


def published_runs(res: Resources, period: str) -> list[RunData]:
    """The latest published run of every catalog of the period, with its frames (catalog order)."""
    p = Period.parse(period)
    tz = ZoneInfo(res.settings.schedule.timezone)
    out = []
    with res.warehouse.session() as session:
        for catalog in res.catalogs_for(p):
            run = queries.latest_run(session, catalog.code, p.code, status="published")
            if run is None:
                continue
            out.append(RunData(
                catalog=catalog, period=p, run=_run_info(run), tz=tz,
                rankings=queries.ranking_rows(session, run.id),
                categories=queries.category_scores(session, run.id),
                details=queries.score_details(session, run.id, catalog.code),
                submissions=queries.submission_rows(session, catalog.code, p.code),
                history=queries.ranking_history(session, catalog.assessed_kind, p.code)))
    return out
