"""`write_outputs`: the period's ranking workbooks, feedback workbooks and rankings.csv."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from kaoping.resources import Resources
from reports.data import RunData, feedback_path, published_runs, ranking_path, rankings_csv_path
from reports.feedback import feedback_context, feedback_workbook
from reports.ranking import ranking_workbook
from reports.rankings_csv import rankings_csv_bytes
from reports.xlsx import write_atomic

Progress = Callable[[str, int, int], None]
PARALLEL_FROM = 150  # units; below this, starting worker processes costs more than it saves
CHUNK = 50
_worker: dict = {}


def _start_worker(data: RunData) -> None:
    """Worker initializer: the run's data and its per-unit index, built once per process."""
    _worker.update(data=data, ctx=feedback_context(data), rows=list(data.rankings.itertuples()))


def _write_feedback_chunk(indices: list[int], paths: list[Path]) -> int:
    """Write the feedback workbooks of some units (by row index); returns how many."""
    data, ctx, rows = _worker["data"], _worker["ctx"], _worker["rows"]
    for i, path in zip(indices, paths):
        write_atomic(path, feedback_workbook(data, ctx, rows[i]))
    return len(indices)


def _workers(units: int) -> int:
    return min(os.cpu_count() or 1, 4) if units >= PARALLEL_FROM else 1


def _write_feedback(data: RunData, paths: list[Path], progress: Progress | None) -> None:
    """Every unit's feedback workbook; in worker processes when there are many units."""
    report = (lambda done: progress(data.catalog.code, done, len(paths))) if progress else (lambda done: None)
    chunks = [list(range(i, min(i + CHUNK, len(paths)))) for i in range(0, len(paths), CHUNK)]
    workers = _workers(len(paths))
    if workers == 1:
        _start_worker(data)
        done = 0
        for chunk in chunks:
            done += _write_feedback_chunk(chunk, [paths[i] for i in chunk])
            report(done)
        _worker.clear()
        return
    # spawn, not fork: the parent may hold database connections and threads
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(data,)) as pool:
        done = 0
        futures = [pool.submit(_write_feedback_chunk, chunk, [paths[i] for i in chunk]) for chunk in chunks]
        for future in as_completed(futures):
            done += future.result()
            report(done)


def _write_run(res: Resources, data: RunData, progress: Progress | None) -> list[Path]:
    period = data.period.code
    path = ranking_path(res, data.catalog.code, period)
    write_atomic(path, ranking_workbook(data))
    feedback = [feedback_path(res, period, r.unit_code, r.unit_name) for r in data.rankings.itertuples()]
    _write_feedback(data, feedback, progress)
    return [path, *feedback]


def write_outputs(res: Resources, period: str, progress: Progress | None = None) -> list[Path]:
    """Every output of the period's latest published runs; unchanged files are left untouched.

    Returns the output paths (ranking workbooks, feedback workbooks, rankings.csv), empty when
    no catalog of the period has a published run.
    """
    runs = published_runs(res, period)
    paths: list[Path] = []
    for data in runs:
        paths += _write_run(res, data, progress)
    if runs:
        csv_path = rankings_csv_path(res, runs[0].period.code)
        write_atomic(csv_path, rankings_csv_bytes(runs))
        paths.append(csv_path)
    return paths
