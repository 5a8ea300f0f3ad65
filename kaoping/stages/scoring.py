"""The scoring stage: one catalog × period scored from the warehouse and stored as a draft run
(`score`; the run that exists when its inputs are unchanged), and a run published (`publish`).

The I/O edges are kaoping.warehouse.runs (inputs read and hashed, results stored); the rules are
the pure kaoping.scoring.engine.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from kaoping.reports.files import release_memory
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.engine import ScoreOptions, score_period
from kaoping.scoring.periods import Period
from kaoping.stages.resources import Resources
from kaoping.warehouse import queries
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.models import ScoreRun
from kaoping.warehouse.runs import NoData, input_sha256, read_inputs, store_run
from kaoping.warehouse.versions import PeriodClosed, is_closed, window_end

__all__ = ["NoData", "PeriodClosed", "publish", "publish_drafts", "run_parameters", "score"]  # score raises both


def run_parameters(res: Resources, sensitivity: bool | None) -> dict:
    """The settings a run was made with (sensitivity draws only when it ran)."""
    cfg = res.settings.scoring
    on = cfg.sensitivity if sensitivity is None else sensitivity
    return ({"sensitivity": True, "draws": cfg.sensitivity_draws, "width": cfg.sensitivity_width,
             "seed": cfg.seed} if on else {"sensitivity": False})


def score(res: Resources, catalog: Catalog, period: Period | str, sensitivity: bool | None = None) -> int:
    """Score one period under one catalog and store a draft run; the existing run when inputs are unchanged.

    Raises `PeriodClosed` when the period was finalised (定稿).
    """
    res.sync_dimensions()
    p = Period.parse(period) if isinstance(period, str) else period
    parameters = run_parameters(res, sensitivity)
    # what intake or the previous period freed, glibc keeps fragmented: at 20,000 units the main
    # process's peak (the last period's scoring) was 1,558 MiB with it, 1,390 MiB handed back
    release_memory()
    with res.warehouse.write_lock() as session:
        if is_closed(session, p.code):
            raise PeriodClosed(p.code)
        ensure_period(session, p)
        inputs = read_inputs(session, res.registry.units_in(p, catalog.assessed_kind), catalog, p)
        digest = input_sha256(inputs, catalog, p, parameters)
        latest = queries.latest_run(session, catalog.code, p.code)
        if latest is not None and latest.input_sha256 == digest:
            return latest.id
        options = ScoreOptions(p.code, parameters["sensitivity"], parameters.get("draws", 1000),
                               parameters.get("width", 0.2), parameters.get("seed", 0))
        result = score_period(catalog, inputs.values, inputs.units, inputs.history,
                              inputs.previous_rankings, options, inputs.parts)
        return store_run(session, result, catalog, p, parameters, digest, inputs.data_cutoff_at, inputs.adjustments)


def publish(res: Resources, run_id: int, now: datetime | None = None) -> None:
    """draft → published (published_at set); publishing a published run changes nothing.

    With `[publication] review_days` the run becomes a review version (征求意见稿) of the period's
    review window, opened now unless one is open already.
    """
    now = now or datetime.now(timezone.utc)
    with res.warehouse.write_lock() as session:
        run = session.get(ScoreRun, run_id)
        if run is None:
            raise LookupError(f"评分批次 {run_id} 不存在 / score run {run_id} does not exist")
        if run.status == "draft":
            days = res.settings.publication.review_days
            if days:
                run.review_until = window_end(session, run.period, days, ZoneInfo(res.settings.schedule.timezone),
                                              now)
            run.status, run.published_at = "published", now


def publish_drafts(res: Resources, period: str) -> list[int]:
    """Publish the newest run of each catalog of the period when it is still a draft; their ids."""
    published = []
    for catalog in res.catalogs_for(period):
        with res.warehouse.reading() as session:
            run = queries.latest_run(session, catalog.code, period)
            draft = run.id if run is not None and run.status == "draft" else None
        if draft is not None:
            publish(res, draft)
            published.append(draft)
    return published
