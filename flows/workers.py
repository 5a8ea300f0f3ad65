"""Worker processes for the output stage when flows run in this process (no Prefect server).

Writing a period's workbooks is CPU-bound Python; in a thread it would share one core with the
scoring of the next period. A small pool of spawned processes (not forked: Prefect runs threads)
lets the files of period t be written while period t+1 is scored, on the machine's other core.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _size() -> int:
    """Two workers at most: the parent keeps scoring while they write."""
    return max(1, min(2, os.cpu_count() or 1))


def pool() -> ProcessPoolExecutor:
    """The process-wide pool, started on first use and shut down at exit."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(_size(), mp_context=multiprocessing.get_context("spawn"))
            atexit.register(_pool.shutdown)
        return _pool


class WorkerDied(RuntimeError):
    """A worker process ended abruptly (killed, out of memory); its files were not all written."""


def run(fn, *args):
    """`fn(*args)` in a worker process; a dead worker raises WorkerDied and the pool is replaced."""
    global _pool
    try:
        return pool().submit(fn, *args).result()
    except BrokenProcessPool as exc:
        with _lock:
            _pool = None
        raise WorkerDied("输出进程意外终止，文件未全部写出，下次运行时重写 / "
                         "an output worker process died; its files are rewritten on the next run") from exc


def write_outputs(workspace: str, database_url: str, period: str) -> list[Path]:
    """The period's output files, written from its newest published runs (runs in a worker).

    Written again when a run of the period was published meanwhile by a concurrent flow, so
    the last files written are always those of the newest published runs.
    """
    from flows.state import published_run_ids
    from kaoping.resources import Resources
    from reports.publish import write_outputs as write

    res = Resources.open(workspace, database_url)
    try:
        while True:
            runs = published_run_ids(res, period)
            paths = write(res, period)
            if published_run_ids(res, period) == runs:
                return paths
    finally:
        res.close()
