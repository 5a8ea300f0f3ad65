"""The flows: `ingest`, `score`, `publish`, `nightly`, `backfill` and the per-period `period`.

Parameters are plain JSON (workspace folder, optional database URL, period codes) so the same
flows run in-process from the CLI and as deployments on workers. Periods are scored in time
order and each is published before the next is scored: rank changes and alerts of a period
read the published rankings before it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture

from kaoping.flows import artifacts, fanout, progress, tasks
from kaoping.stages import intake, state
from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import completeness


# files per intake task: validated in one GX run each (fewer, larger runs are cheaper), while a
# retry after a failure redoes little
FILES_PER_TASK = 50


@dataclass
class RunSummary:
    """What one flow run did: files taken in, runs published per period, periods skipped, files written."""

    outcomes: list = field(default_factory=list)
    runs: dict[str, list[int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    reminders: list = field(default_factory=list)
    withheld: dict[str, tuple[str, ...]] = field(default_factory=dict)  # period → departments awaited
    finalized: list[str] = field(default_factory=list)  # periods made final (定稿) by this run
    closed: list[str] = field(default_factory=list)  # finalised periods asked for again: not rescored
    failed: dict[str, list] = field(default_factory=dict)  # period → SendRecords that failed

    @property
    def rejected(self) -> list:
        """Files rejected, and files refused unread (a hardlink, a file outside the inbox)."""
        return [o for o in self.outcomes if o.status in ("rejected", "refused")]


def open_resources(workspace: str, database_url: str | None) -> Resources:
    """The workspace's resources, with registries and catalogs synced into the warehouse."""
    res = Resources.open(workspace, database_url)
    res.sync_dimensions()
    return res


def ingest_files(res: Resources) -> list:
    """New mail pulled into the inbox, then every new inbox file processed in received order, a
    chunk per task (GX is not run concurrently); then each processed file's 回执 or 退回."""
    mail = tasks.pull_mailbox(res)
    if mail.down:
        get_run_logger().warning(mail.down)
    scanned = tasks.discover_files(res)
    found = scanned.files
    progress.report("ingest-total", len(found))
    validator = tasks.new_validator() if found else None
    outcomes = list(scanned.skipped)
    for start in range(0, len(found), FILES_PER_TASK):
        chunk = found[start:start + FILES_PER_TASK]
        outcomes += tasks.process_files(res, chunk, validator, len(chunk),
                                        lambda outcome: progress.report("ingest", Path(outcome.path).name))
    receipts = tasks.send_receipts(res)
    if failed := [r for r in receipts if r.status != "sent"]:
        get_run_logger().warning("%d 份回执/退回发送失败，下次运行时重试", len(failed))
    artifacts.post_intake(res, outcomes)
    get_run_logger().info("收到 %d 个文件，退回 %d 个", len(outcomes),
                          sum(o.status == "rejected" for o in outcomes))
    return outcomes


def score_in_order(res: Resources, periods: list[str], summary: RunSummary, publish: bool,
                   after_publish: Callable[[str], None] = lambda period: None, now: datetime | None = None) -> None:
    """Each period scored with every catalog of its year, in time order; published before the next.

    A year that a catalog combines from quarters / months is scored after them whenever one is.
    Finalised (定稿) periods are not rescored: they are listed in `summary.closed`.
    """
    ordered, logger = state.with_combined_years(res, periods), get_run_logger()
    summary.closed = state.closed_periods(res, ordered)
    ordered = [p for p in ordered if p not in summary.closed]
    progress.report("score-total", len(ordered))
    for period in ordered:
        run_ids = [r for c in res.catalogs_for(period) if (r := tasks.score(res, c.code, period)) is not None]
        for run_id in run_ids:
            if publish:
                tasks.publish(res, run_id, now)
            artifacts.post_ranking(res, run_id)
            logger.info("期间 %s：评分批次 %d%s", period, run_id, "（已发布）" if publish else "")
        if run_ids:
            summary.runs[period] = run_ids
            if publish:
                after_publish(period)
        else:
            summary.skipped.append(period)
        progress.report("score", period)
    if summary.skipped:
        logger.warning("以下期间没有已接收的报送，未排名：%s", "、".join(summary.skipped))


def write_period(res: Resources, period: str, written: PrefectFuture | None = None,
                 summary: RunSummary | None = None) -> list[Path]:
    """The period's output files written (or awaited, when `written` was submitted earlier) and,
    once its data are complete (SPEC §10), distributed; a link artifact of them. Returns the files
    that exist; withheld periods and failed sends are noted in `summary`."""
    summary, logger = summary if summary is not None else RunSummary(), get_run_logger()
    paths = written.result() if written is not None else tasks.write_outputs(res, period)
    paths = [p for p in paths if p.is_file()]
    gate = completeness(res, period)
    if not gate.open:
        summary.withheld[period] = gate.names
        logger.warning("期间 %s 数据不完整（待报送：%s），输出未分发", period, "、".join(gate.names))
        state.mark_outputs_done(res, period, paths, withheld=True)
    else:
        sent = tasks.distribute(res, period)
        if sent.failed:
            summary.failed[period] = sent.failed
            logger.warning("期间 %s 有 %d 份文件分发失败，下次运行时重试", period, len(sent.failed))
        else:
            state.mark_outputs_done(res, period, paths)
    artifacts.post_outputs(period, paths)
    progress.report("outputs", period)
    return paths


class OutputWriter:
    """Each period's files submitted the moment it is published; written in worker processes
    while the flow scores the next period, then awaited and distributed in time order."""

    def __init__(self, res: Resources) -> None:
        self.res, self.pending = res, {}

    def submit(self, period: str) -> None:
        self.pending[period] = tasks.write_outputs.submit(self.res, period)

    def finish(self, summary: RunSummary) -> None:
        progress.report("outputs-total", len(self.pending))
        for period, written in self.pending.items():
            summary.outputs[period] = write_period(self.res, period, written, summary)


def write_in_process(res: Resources, summary: RunSummary) -> None:
    """The files of every period that has runs."""
    writer = OutputWriter(res)
    for period, run_ids in summary.runs.items():
        if run_ids:
            writer.submit(period)
    writer.finish(summary)


@flow(name="ingest")
def ingest(workspace: str, database_url: str | None = None) -> RunSummary:
    """Take in every new file of the inbox."""
    res = open_resources(workspace, database_url)
    try:
        return RunSummary(outcomes=ingest_files(res))
    finally:
        res.close()


@flow(name="score")
def score(workspace: str, periods: list[str], database_url: str | None = None) -> RunSummary:
    """Draft score runs for the periods (not published)."""
    res, summary = open_resources(workspace, database_url), RunSummary()
    try:
        score_in_order(res, periods, summary, publish=False)
        return summary
    finally:
        res.close()


@flow(name="publish")
def publish(workspace: str, periods: list[str], database_url: str | None = None) -> RunSummary:
    """The newest run of each catalog of the periods published, then their files written and sent."""
    res, summary = open_resources(workspace, database_url), RunSummary()
    try:
        for period in state.publish_order(periods):
            summary.runs[period] = state.latest_run_ids(res, period)
            for run_id in summary.runs[period]:
                tasks.publish(res, run_id)
                artifacts.post_ranking(res, run_id)
        write_in_process(res, summary)
        return summary
    finally:
        res.close()


@flow(name="nightly")
def nightly(workspace: str, database_url: str | None = None, periods: list[str] | None = None,
            now: datetime | None = None) -> RunSummary:
    """Take in what is new, make final the review versions whose window has closed (SPEC §11),
    score the periods it touched (or those given) in time order, publish."""
    res, summary = open_resources(workspace, database_url), RunSummary()
    try:
        summary.outcomes = ingest_files(res)
        summary.finalized = tasks.finalize_due(res, now)
        unfinished = state.unfinished_periods(res)
        targets = list(periods) if periods else (intake.touched_periods(summary.outcomes) + state.unscored_periods(res)
                                                 + unfinished)
        targets = state.with_later_published(res, targets)
        writer = OutputWriter(res)
        score_in_order(res, targets, summary, publish=True, after_publish=writer.submit, now=now)
        for period in summary.closed:  # a finalised period is not rescored, but its files may be due
            if period in unfinished:
                writer.submit(period)
        if late := [p for p in summary.closed if p in intake.touched_periods(summary.outcomes)]:
            get_run_logger().warning("以下期间已定稿，新收到的报送不再计分：%s", "、".join(late))
        writer.finish(summary)
        artifacts.post_versions(res, state.period_versions(res))
        summary.reminders = tasks.send_reminders(res)
        return summary
    finally:
        res.close()


@flow(name="backfill")
def backfill(workspace: str, first: str, last: str, grain: str | None = None, rescore_only: bool = False,
             database_url: str | None = None) -> RunSummary:
    """Re-run a range of periods in time order; on a server, each period's files are its own flow run.

    The published periods after the range are checked too: their rank changes look back into it.
    """
    res, summary = open_resources(workspace, database_url), RunSummary()
    try:
        if not rescore_only:
            summary.outcomes = ingest_files(res)
        periods = state.backfill_targets(res, first, last, grain)
        if not fanout.available():
            writer = OutputWriter(res)
            score_in_order(res, periods, summary, publish=True, after_publish=writer.submit)
            writer.finish(summary)
            return summary
        submitted = {}
        score_in_order(res, periods, summary, publish=True, after_publish=lambda p: submitted.update(
            {p: fanout.submit_period(workspace, p, database_url)}))
        fanout.wait(submitted)
        return summary
    finally:
        res.close()


@flow(name="period")
def period_outputs(workspace: str, period: str, database_url: str | None = None) -> list[str]:
    """One period's files (ranking, feedback, CSV) written and distributed: the fanned-out unit."""
    res = open_resources(workspace, database_url)
    try:
        return [str(p) for p in write_period(res, period)]
    finally:
        res.close()
