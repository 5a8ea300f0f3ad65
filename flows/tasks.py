"""Prefect tasks at file, period and workbook grain; each calls one stage function."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from kaoping.stages import distribution, intake, mailbox, receipts, reminders, scoring, state, workers
from kaoping.stages.resources import Resources

# Warehouse writes are serialised by the warehouse's own write lock (PostgreSQL advisory lock,
# SQLite BEGIN IMMEDIATE), not by a Prefect tag concurrency limit: every tagged task run asks the
# API for a slot first, which cost about a second per task on a busy two-core machine.
# Great Expectations contexts are not thread-safe: one validation at a time per process, even
# when two flows run in threads of the same process.
GX_LOCK = threading.Lock()
IO_RETRIES = {"retries": 3, "retry_delay_seconds": exponential_backoff(backoff_factor=2),
              "retry_jitter_factor": 0.5}


@task(name="discover", cache_policy=NO_CACHE, **IO_RETRIES)
def discover_files(res: Resources):
    """The complete inbox files not yet in the warehouse, in received order, and those skipped or
    refused unread (a `stages.intake.Scan`)."""
    return intake.scan(res)


@task(name="pull-mailbox", cache_policy=NO_CACHE)
def pull_mailbox(res: Resources):
    """New mail's spreadsheets saved into the inbox (a mailbox that is down is reported, not raised)."""
    return mailbox.pull_mailbox(res)


@task(name="receipts", cache_policy=NO_CACHE)
def send_receipts(res: Resources) -> list:
    """A 回执 or 退回 for every processed file still owed one."""
    return receipts.send_receipts(res)


@task(name="reminders", cache_policy=NO_CACHE)
def send_reminders(res: Resources) -> list:
    """The 催报 reminders due today."""
    return reminders.send_reminders(res)


@task(name="validator", cache_policy=NO_CACHE)
def new_validator():
    """The Great Expectations validator, built once per run and used by one file at a time."""
    with GX_LOCK:
        return intake.Validator()


@task(name="process-files", task_run_name="files-{inbox_files[0].sha256:.12}-{n_files}",
      cache_policy=NO_CACHE, **IO_RETRIES)
def process_files(res: Resources, inbox_files: list, validator, n_files: int,
                  done: Callable[[object], None] = lambda outcome: None) -> list:
    """A chunk of files validated together (one GX run), then each loaded or rejected in its own
    transaction, in order; `done(outcome)` after each. A retry skips the files already recorded."""
    outcomes = []
    read_ahead = partial(workers.prepared_files, str(res.workspace), res.settings.database_url,
                         timeout_s=res.settings.intake.max_file_s)
    with GX_LOCK:
        for outcome in intake.process_files(res, inbox_files, validator, read_ahead):
            outcomes.append(outcome)
            done(outcome)
    return outcomes


@task(name="score", task_run_name="score-{catalog_code}-{period}", cache_policy=NO_CACHE)
def score(res: Resources, catalog_code: str, period: str, sensitivity: bool | None = None) -> int | None:
    """The run id of the catalog × period scoring, or None when the period has no accepted data."""
    try:
        return scoring.score(res, res.catalog(catalog_code), period, sensitivity=sensitivity)
    except scoring.NoData:
        return None


@task(name="publish-run", task_run_name="publish-run-{run_id}", cache_policy=NO_CACHE)
def publish(res: Resources, run_id: int, now: datetime | None = None) -> int:
    """The run, published (publishing a published run changes nothing); a review version while
    `[publication] review_days` is set."""
    scoring.publish(res, run_id, now)
    return run_id


@task(name="finalize-due", cache_policy=NO_CACHE)
def finalize_due(res: Resources, now: datetime | None = None) -> list[str]:
    """The periods whose review window had closed by `now`, made final (定稿)."""
    return state.finalize_due(res, now)


def unless_a_worker_died(task, task_run, state) -> bool:
    """Retry I/O failures, not a killed worker: what killed it (memory, an operator) would again."""
    try:
        state.result()
    except workers.WorkerDied:
        return False
    except Exception:
        return True
    return True


# Not cached: a cache keyed before the write skipped it when the files were gone (a workspace
# re-created at the same path, a deleted out/<period>/, a restored warehouse). Writing again is
# cheap where nothing changed: AtomicWrites leaves files holding the same bytes untouched.
@task(name="write-outputs", task_run_name="outputs-{period}", cache_policy=NO_CACHE,
      retry_condition_fn=unless_a_worker_died, **IO_RETRIES)
def write_outputs(res: Resources, period: str) -> list[Path]:
    """The period's workbooks and rankings.csv (unchanged files are not rewritten), written in the
    worker processes so that the flow goes on scoring meanwhile."""
    return workers.write_period(str(res.workspace), res.settings.database_url, period)


@task(name="distribute", task_run_name="distribute-{period}",
      cache_policy=NO_CACHE, **IO_RETRIES)
def distribute(res: Resources, period: str):
    """The period's files sent to their recipients (each file once)."""
    return distribution.distribute(res, period)
