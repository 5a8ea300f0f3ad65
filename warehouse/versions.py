"""Versions of a period's results (SPEC §11): draft, review (征求意见稿) and final (正式).

A published run with `review_until` is a review version until `run_finalization` holds it; a
published run without one was final at once (no review window). A period with a finalisation is
closed: it takes no adjustment and no new scoring. Times are passed in (`now`) so that tests
never wait for a window to close.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaoping.scoring.periods import sort_periods
from kaoping.warehouse.models import RunFinalization, ScoreRun

DRAFT, REVIEW, FINAL = "draft", "review", "final"
NIGHTLY = "nightly"  # finalized_by of a version the nightly run made final when its window closed


class PeriodClosed(RuntimeError):
    """The period was finalised (定稿): its results no longer change."""

    def __init__(self, period: str):
        self.period = period
        super().__init__(f"期间 {period} 已定稿，不再重新评分或调整 / period {period} is final: "
                         f"it is neither rescored nor adjusted")


@dataclass(frozen=True)
class PeriodVersion:
    """The state of a period's newest results: draft, review (until `review_until`) or final."""

    period: str
    state: str
    review_until: datetime | None = None

    def label(self, tz: ZoneInfo) -> str:
        """草稿 / 征求意见中，截至 <last day> / 已定稿 (SPEC §11)."""
        if self.state == REVIEW:
            return f"征求意见中，截至 {self.closes_on(tz):%Y-%m-%d}"
        return "已定稿" if self.state == FINAL else "草稿"

    def closes_on(self, tz: ZoneInfo) -> date | None:
        """The last local day of the review window."""
        if self.review_until is None:
            return None
        aware = self.review_until if self.review_until.tzinfo else self.review_until.replace(tzinfo=timezone.utc)
        return (aware.astimezone(tz) - timedelta(microseconds=1)).date()


def _utc(when: datetime | None) -> datetime:
    when = when or datetime.now(timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def window_end(session: Session, period: str, days: int, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """When the period's review window closes: that of its first review version still open, else
    the end of the local day `days` after `now` (a new scoring does not reopen the window)."""
    open_until = session.scalar(select(func.min(ScoreRun.review_until)).where(
        ScoreRun.period == period, ScoreRun.review_until.is_not(None),
        ~ScoreRun.id.in_(select(RunFinalization.run_id))))
    if open_until is not None:
        return _utc(open_until)
    last_day = _utc(now).astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(), tz).astimezone(timezone.utc)


def run_version(session: Session, run: ScoreRun) -> str:
    """draft, review or final."""
    if run.status != "published":
        return DRAFT
    if run.review_until is None or session.get(RunFinalization, run.id) is not None:
        return FINAL
    return REVIEW


def version_number(session: Session, run: ScoreRun) -> int:
    """Which published version of its catalog × period the run is (1: the first)."""
    return session.scalar(select(func.count()).select_from(ScoreRun).where(
        ScoreRun.catalog_code == run.catalog_code, ScoreRun.period == run.period,
        ScoreRun.status == "published", ScoreRun.id <= run.id))


def previous_version(session: Session, run: ScoreRun) -> ScoreRun | None:
    """The published run of the same catalog × period before this one (None: this is the first)."""
    return session.scalars(select(ScoreRun).where(
        ScoreRun.catalog_code == run.catalog_code, ScoreRun.period == run.period,
        ScoreRun.status == "published", ScoreRun.id < run.id).order_by(ScoreRun.id.desc()).limit(1)).first()


def is_closed(session: Session, period: str) -> bool:
    """Whether the period was finalised."""
    return session.scalar(select(func.count()).select_from(RunFinalization)
                          .where(RunFinalization.period == period)) > 0


def closed_refusal(session: Session, period: str) -> str | None:
    """The one-line Chinese / English refusal for changing a finalised period (None: it may change)."""
    return str(PeriodClosed(period)) if is_closed(session, period) else None


def _newest_published(session: Session, period: str) -> list[ScoreRun]:
    """The newest published run of each catalog of the period."""
    newest = (select(func.max(ScoreRun.id)).where(ScoreRun.period == period, ScoreRun.status == "published")
              .group_by(ScoreRun.catalog_code))
    return list(session.scalars(select(ScoreRun).where(ScoreRun.id.in_(newest)).order_by(ScoreRun.catalog_code)))


def period_version(session: Session, period: str) -> PeriodVersion:
    """The period's state: review while any catalog's newest published run is one, final when all
    are final, draft when nothing is published."""
    runs = _newest_published(session, period)
    if not runs:
        return PeriodVersion(period, DRAFT)
    reviews = [r for r in runs if run_version(session, r) == REVIEW]
    if reviews:
        return PeriodVersion(period, REVIEW, min(_utc(r.review_until) for r in reviews))
    return PeriodVersion(period, FINAL)


def period_versions(session: Session) -> list[PeriodVersion]:
    """The state of every period with a score run, in time order."""
    periods = sort_periods(list(session.scalars(select(ScoreRun.period).distinct()).all()))
    return [period_version(session, p) for p in periods]


def finalize(session: Session, period: str, by: str, now: datetime | None = None) -> list[int]:
    """Make the newest review version of each catalog of the period final; the run ids finalised."""
    done = []
    for run in _newest_published(session, period):
        if run_version(session, run) == REVIEW:
            session.add(RunFinalization(run_id=run.id, period=period, finalized_at=_utc(now), finalized_by=by))
            done.append(run.id)
    session.flush()
    return done


def due_periods(session: Session, now: datetime | None = None) -> list[str]:
    """Periods whose review window has closed by `now` and that still have a review version."""
    periods = session.scalars(select(ScoreRun.period).where(
        ScoreRun.status == "published", ScoreRun.review_until.is_not(None),
        ~ScoreRun.id.in_(select(RunFinalization.run_id))).distinct()).all()
    moment = _utc(now)
    return sort_periods([p for p in periods
                         if (v := period_version(session, p)).state == REVIEW and v.review_until <= moment])
