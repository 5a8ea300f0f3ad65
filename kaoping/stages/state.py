"""What the orchestration reads back from the warehouse and the workspace: runs to publish, periods
that depend on others, which periods' outputs are done (the done markers), and who has sent what
(for `kaoping status` and the intake artifact)."""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from kaoping.core.layout import done_marker
from kaoping.scoring.deadlines import awaited_departments
from kaoping.scoring.periods import Period, backfill_periods, sort_periods
from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import completeness, expected_departments
from kaoping.warehouse import queries
from kaoping.warehouse.models import Adjustment, DimPeriod, RunFinalization, ScoreRun, Submission, SubmissionProblem
from kaoping.warehouse.versions import (NIGHTLY, REVIEW, PeriodVersion, due_periods, finalize, is_closed,
                                      period_version)
from kaoping.warehouse.versions import period_versions as all_period_versions

REASONS_SHOWN = 3


def latest_run_ids(res: Resources, period: str) -> list[int]:
    """The newest run of every catalog of the period that has one."""
    with res.warehouse.reading() as session:
        runs = [queries.latest_run(session, catalog.code, period) for catalog in res.catalogs_for(period)]
    return [run.id for run in runs if run is not None]


def with_later_published(res: Resources, periods: list[str]) -> list[str]:
    """`periods` plus the later published periods of the same grain that are not final, in time order.

    Rank changes and alerts of a period look at the rankings before it, so rescoring a period
    means rescoring the published ones after it (their runs stay the same when nothing changed).
    A finalised (定稿) period keeps the rank changes it was finalised with.
    """
    if not periods:
        return []
    parsed = [Period.parse(p) for p in periods]
    with res.warehouse.reading() as session:
        published = session.scalars(select(DimPeriod.code).join(ScoreRun, ScoreRun.period == DimPeriod.code)
                                    .where(ScoreRun.status == "published",
                                           ~ScoreRun.period.in_(select(RunFinalization.period))).distinct()).all()
    later = {code for code in published for p in parsed
             if Period.parse(code).grain == p.grain and Period.parse(code) > p}
    return sort_periods(sorted(set(periods) | later))


def backfill_targets(res: Resources, first: str, last: str, grain: str | None = None) -> list[str]:
    """The periods a backfill of `first`..`last` scores: the range (in `grain`), plus the later
    published periods whose rank changes look back into it."""
    return with_later_published(res, backfill_periods(first, last, grain))


def publish_order(periods: list[str]) -> list[str]:
    """Periods in the order they are published: time order, as each one's rank changes look back."""
    return sort_periods(periods)


def with_combined_years(res: Resources, periods: list[str]) -> list[str]:
    """`periods` plus the year of each quarter / month among them whose year a catalog combines (SPEC §4b):
    the year is scored after its quarters and re-scored when one changes."""
    years = {str(Period.parse(p).year) for p in periods
             if Period.parse(p).grain != "year"
             and any(c.combine and any(part.from_ == Period.parse(p).grain for part in c.combine)
                     for c in res.catalogs_for(p))}
    return sort_periods(sorted(set(periods) | years))


def unscored_periods(res: Resources) -> list[str]:
    """Periods with an accepted file processed, or an adjustment (人工调整) recorded, after their
    newest published run (or with none), unless they were finalised (定稿: never rescored).

    A nightly run scores these as well as the periods it touched, so a run that failed after
    intake is caught up by the next one, and recorded adjustments take effect.
    """
    newest_run = (select(ScoreRun.period, func.max(ScoreRun.created_at).label("at"))
                  .where(ScoreRun.status == "published").group_by(ScoreRun.period).subquery())
    stmt = (select(Submission.period).outerjoin(newest_run, newest_run.c.period == Submission.period)
            .where(Submission.status == "accepted",
                   (newest_run.c.at.is_(None)) | (Submission.processed_at > newest_run.c.at)).distinct())
    adjusted = (select(Adjustment.period).outerjoin(newest_run, newest_run.c.period == Adjustment.period)
                .where((newest_run.c.at.is_(None)) | (Adjustment.created_at > newest_run.c.at)).distinct())
    with res.warehouse.reading() as session:
        found = set(session.scalars(stmt).all()) | set(session.scalars(adjusted).all())
        return sort_periods([p for p in found if not is_closed(session, p)])


def published_run_ids(res: Resources, period: str) -> dict[str, tuple | None]:
    """catalog → (id, input hash) of the newest published run of each catalog of the period."""
    with res.warehouse.reading() as session:
        runs = {catalog.code: queries.latest_run(session, catalog.code, period, status="published")
                for catalog in res.catalogs_for(period)}
        return {code: (run.id, run.input_sha256) if run else None for code, run in runs.items()}


def _published_state(res: Resources, period: str) -> dict:
    """The period's newest published runs and their version (review / final) as JSON-comparable data:
    finalising a review version makes its files (征求意见稿 → 正式, the 通报) due again."""
    runs = {code: list(run) if run else None for code, run in published_run_ids(res, period).items()}
    with res.warehouse.reading() as session:
        return {**runs, "version": period_version(session, period).state}


def finalizable(res: Resources, now: datetime | None = None) -> list[str]:
    """The periods whose review window has closed by `now`, still to be made final."""
    with res.warehouse.reading() as session:
        return due_periods(session, now)


def finalize_due(res: Resources, now: datetime | None = None) -> list[str]:
    """Finalise every period whose review window has closed by `now` (the nightly run's step)."""
    with res.warehouse.write_lock() as session:
        periods = due_periods(session, now)
        for period in periods:
            finalize(session, period, NIGHTLY, now)
    return periods


def finalize_period(res: Resources, period: str, by: str) -> tuple[str, list[int]]:
    """`kaoping finalize`: the period's newest review version made final by `by` (SPEC §11). Returns
    the period's state before (draft / review / final) and the runs made final (none unless review)."""
    res.sync_dimensions()
    with res.warehouse.write_lock() as session:
        state = period_version(session, period).state
        return state, finalize(session, period, by) if state == REVIEW else []


def closed_periods(res: Resources, periods: list[str]) -> list[str]:
    """Those of `periods` that were finalised (定稿), in the given order."""
    with res.warehouse.reading() as session:
        return [p for p in periods if is_closed(session, p)]


def version_of(res: Resources, period: str) -> PeriodVersion:
    """The state of one period's results (draft / review / final)."""
    with res.warehouse.reading() as session:
        return period_version(session, period)


def period_versions(res: Resources) -> list[PeriodVersion]:
    """The state of every period with a score run, in time order (draft / review / final)."""
    with res.warehouse.reading() as session:
        return all_period_versions(session)


def mark_outputs_done(res: Resources, period: str, paths: list[Path], withheld: bool = False) -> None:
    """Record that the files of the period's current published runs (`paths`) were all written and
    sent, or (`withheld`) written and kept back by the completeness gate."""
    marker = done_marker(res.settings.state_dir, period)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f".{marker.name}.tmp")
    files = sorted(str(Path(p).relative_to(res.settings.out_dir)) for p in paths)
    tmp.write_text(json.dumps({"runs": _published_state(res, period), "files": files, "withheld": withheld},
                              sort_keys=True),
                   encoding="utf-8")
    os.replace(tmp, marker)


def _is_done(res: Resources, period: str) -> bool:
    """The marker matches the current published runs, every file it lists is still there, and
    outputs the gate kept back are still to be kept back."""
    marker = done_marker(res.settings.state_dir, period)
    try:
        done = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(done, dict) or done.get("runs") != _published_state(res, period):
        return False
    files = done.get("files")
    if not isinstance(files, list) or not all((res.settings.out_dir / name).is_file() for name in files):
        return False
    return not done.get("withheld") or not completeness(res, period).open


def unfinished_periods(res: Resources) -> list[str]:
    """Published periods whose files were not all written and sent (a run died mid-publish, a send
    failed), or whose files are gone since (a deleted out/<period>/).

    A nightly run takes these up again, so a crash after publishing is repaired without an analyst.
    """
    with res.warehouse.reading() as session:
        published = session.scalars(select(ScoreRun.period).where(ScoreRun.status == "published")
                                    .distinct()).all()
    return sort_periods([p for p in published if not _is_done(res, p)])


def submissions(res: Resources, period: str | None = None) -> pd.DataFrame:
    """One row per file received (for one period or all), with its first error reasons."""
    stmt = select(Submission.id, Submission.period, Submission.department_code, Submission.file_name,
                  Submission.received_at, Submission.status, Submission.error_count,
                  Submission.warning_count, Submission.rechecked_at)
    if period:
        stmt = stmt.where(Submission.period == period)
    with res.warehouse.reading() as session:
        rows = pd.DataFrame(session.execute(stmt.order_by(Submission.received_at, Submission.id)).all(),
                            columns=list(stmt.selected_columns.keys()))
        problems = session.execute(select(SubmissionProblem.submission_id, SubmissionProblem.message)
                                   .where(SubmissionProblem.severity == "error",
                                          SubmissionProblem.submission_id.in_(rows["id"].tolist()))
                                   .order_by(SubmissionProblem.id)).all()
    reasons: dict[int, list[str]] = {}
    for submission_id, message in problems:
        reasons.setdefault(submission_id, []).append(message)
    rows["reasons"] = [reasons.get(i, [])[:REASONS_SHOWN] for i in rows["id"]]
    return rows


def periods_with_submissions(res: Resources) -> list[str]:
    """Every period some file was received for, in time order."""
    with res.warehouse.reading() as session:
        codes = session.scalars(select(Submission.period).where(Submission.period.is_not(None))
                                .distinct()).all()
    return sort_periods(list(codes))


def missing_departments(res: Resources, period: str, received: pd.DataFrame) -> list[str]:
    """Departments expected for the period with no accepted file."""
    accepted = set(received.loc[received["status"] == "accepted", "department_code"])
    return awaited_departments(set(expected_departments(res, period)), accepted)


def empty_indicators(res: Resources, period: str) -> list[tuple[str, str]]:
    """(department, indicator name) of the columns sent empty for every unit in the period's
    accepted files: each is 缺报 for all units although its file counted."""
    with res.warehouse.reading() as session:
        rows = session.execute(select(Submission.department_code, SubmissionProblem.indicator)
                               .join(Submission, Submission.id == SubmissionProblem.submission_id)
                               .where(Submission.period == period, Submission.status == "accepted",
                                      SubmissionProblem.rule == "indicator_empty")
                               .order_by(Submission.department_code, SubmissionProblem.id)).all()
    return [(dept, indicator) for dept, indicator in dict.fromkeys(rows)]
