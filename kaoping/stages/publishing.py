"""The publishing stage: a period's published runs read from the warehouse (`published_runs`), then
its ranking workbooks, 通报, feedback workbooks and rankings.csv written (`write_outputs`)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from kaoping.core.layout import bulletin_path, feedback_path, ranking_path, rankings_csv_path
from kaoping.reports.bulletin_data import bulletin_content, timeliness_frame
from kaoping.reports.changes import Version
from kaoping.reports.data import RunData, RunInfo, bulletin_due
from kaoping.reports.feedback import feedback_context
from kaoping.reports.feedback_render import FeedbackWriter
from kaoping.reports.files import AtomicWrites, release_memory
from kaoping.reports.inputs import input_periods, input_rows, leaf_table
from kaoping.reports.ranking import save_ranking
from kaoping.reports.rankings_csv import rankings_csv_bytes
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import completeness, department_states
from kaoping.warehouse import queries
from kaoping.warehouse.adjustments import run_adjustments
from kaoping.warehouse.details import run_details, sent_inputs
from kaoping.warehouse.versions import previous_version, run_version, version_number

Progress = Callable[[str, int, int], None]


def _run_info(session: Session, run) -> RunInfo:
    return RunInfo(run.id, run.status, run.input_sha256, run.created_at, run.published_at,
                   run.data_cutoff_at, dict(run.produced_by or {}), dict(run.parameters or {}),
                   run_version(session, run), version_number(session, run))


def _sent_inputs(session: Session, catalog: Catalog, period: Period, as_of: datetime) -> pd.DataFrame:
    """The sent values the catalog's formulas read, as the run made at `as_of` read them."""
    return sent_inputs(session, catalog.code, sorted(set(leaf_table(catalog)["code"])),
                       input_periods(catalog, period), as_of)


def _previous(session: Session, run, catalog_code: str) -> Version | None:
    """The published version before `run`, as the change log reads it (None: `run` is the first)."""
    before = previous_version(session, run)
    if before is None:
        return None
    return Version(version_number(session, before), queries.ranking_rows(session, before.id),
                   run_details(session, before.id, catalog_code), run_adjustments(session, before.id))


DOCUMENTS, FEEDBACK = "documents", "feedback"
PARTS = (DOCUMENTS, FEEDBACK)  # what two processes can write of one period at the same time


def published_runs(res: Resources, period: str, parts: tuple[str, ...] = PARTS) -> list[RunData]:
    """The latest published run of every catalog of the period, with its frames (catalog order).

    Without DOCUMENTS in `parts`, the frames only the ranking workbook and the 通报 read (the
    previous version, the 计算依据 inputs) are left out: seconds of reading at 2,000 units."""
    documents = DOCUMENTS in parts
    p = Period.parse(period)
    tz = ZoneInfo(res.settings.schedule.timezone)
    gate, out = completeness(res, p.code), []
    with res.warehouse.reading() as session:
        for catalog in res.catalogs_for(p):
            run = queries.latest_run(session, catalog.code, p.code, status="published")
            if run is None:
                continue
            details = run_details(session, run.id, catalog.code)
            out.append(RunData(
                catalog=catalog, period=p, run=_run_info(session, run), tz=tz, office=res.settings.office,
                rankings=queries.ranking_rows(session, run.id),
                categories=queries.category_scores(session, run.id),
                details=details,
                inputs=input_rows(details, catalog, _sent_inputs(session, catalog, p, run.created_at), p)
                if documents else None,
                submissions=queries.submission_rows(session, catalog.code, p.code),
                history=queries.ranking_history(session, catalog.assessed_kind, p.code),
                timeliness=department_states(res, p.code, now=run.published_at or run.created_at),
                awaited=gate.awaited, late_missing=gate.late_missing,
                adjustments=run_adjustments(session, run.id),
                previous=_previous(session, run, catalog.code) if documents else None))
    return out


def write_bulletin(res: Resources, data: RunData, writes: AtomicWrites) -> Path:
    """out/<period>/通报/<catalog>_<period>_通报.docx of one run."""
    # cold start: matplotlib and python-docx add 0.6-0.8 s to every CLI command and file-reading
    # worker that never writes a 通报 (measured on the 2-core machine, 2026-12)
    from kaoping.reports.bulletin import bulletin_docx  # cold start

    path = bulletin_path(res.settings.out_dir, data.catalog.code, data.period.code)
    writes.write(path, bulletin_docx(bulletin_content(data, res.settings.office, timeliness_frame(data.timeliness))))
    return path


def _documents(res: Resources, data: RunData, writes: AtomicWrites) -> list[Path]:
    """The ranking workbook and, for a final version, the 通报 of one run."""
    path = ranking_path(res.settings.out_dir, data.catalog.code, data.period.code)
    writes.stream(path, lambda out: save_ranking(data, out))
    release_memory()
    paths = [path]
    if bulletin_due(data.run.version):
        paths.append(write_bulletin(res, data, writes))
    return paths


def _feedback(res: Resources, data: RunData, writes: AtomicWrites, progress: Progress | None) -> list[Path]:
    """One feedback workbook per unit of one run."""
    writer, paths = FeedbackWriter(data, feedback_context(data)), []
    total = len(data.rankings)
    for k, row in enumerate(data.rankings.itertuples(), start=1):
        unit_path = feedback_path(res.settings.out_dir, data.period.code, row.unit_code, row.unit_name)
        writes.write(unit_path, writer.workbook(row))
        paths.append(unit_path)
        if progress is not None:
            progress(data.catalog.code, k, total)
    return paths


def write_outputs(res: Resources, period: str, progress: Progress | None = None,
                  parts: tuple[str, ...] = PARTS) -> list[Path]:
    """Every output of the period's latest published runs; unchanged files are left untouched.

    Returns the output paths (ranking workbooks, 通报, feedback workbooks, rankings.csv), empty when
    no catalog of the period has a published run. `parts` writes only some of them: DOCUMENTS (the
    ranking workbooks, 通报 and rankings.csv) or FEEDBACK (the feedback workbooks), so that two
    processes share a period's files.
    """
    runs = published_runs(res, period, parts)
    paths: list[Path] = []
    with AtomicWrites() as writes:
        for data in runs:
            if DOCUMENTS in parts:
                paths += _documents(res, data, writes)
            if FEEDBACK in parts:
                release_memory()  # before the feedback context is built on top
                paths += _feedback(res, data, writes, progress)
        if runs and DOCUMENTS in parts:
            csv_path = rankings_csv_path(res.settings.out_dir, runs[0].period.code)
            writes.write(csv_path, rankings_csv_bytes(runs))
            paths.append(csv_path)
    return paths
