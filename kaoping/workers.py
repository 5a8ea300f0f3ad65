"""Worker processes for the CPU-bound stages around the warehouse writer.

Reading and cleaning inbox files, and writing a period's workbooks, are CPU-bound Python; in a
thread they would share one core with the flow. A small pool of spawned processes (not forked:
Prefect runs threads) reads the next files while the flow validates and loads the current one,
and writes the files of period t while period t+1 is scored, on the machine's other core.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

PARENT_CHECK_S = 1.0
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
            _pool = ProcessPoolExecutor(_size(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_exit_with_parent, initargs=(os.getpid(),))
            atexit.register(_pool.shutdown)
        return _pool


def _exit_with_parent(parent: int) -> None:
    """A worker ends when the flow's process is gone (killed -9, say) instead of idling forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class WorkerDied(RuntimeError):
    """A worker process ended abruptly (killed, out of memory); its files were not all written."""


def run(fn, *args):
    """`fn(*args)` in a worker process; a dead worker raises WorkerDied and the pool is replaced."""
    return _result(pool().submit(fn, *args))


def _result(future: Future):
    """The future's result; a dead worker raises WorkerDied and the pool is replaced."""
    global _pool
    try:
        return future.result()
    except BrokenProcessPool as exc:
        with _lock:
            _pool = None
        raise WorkerDied("工作进程意外终止，本次运行未完成，下次运行时继续 / "
                         "a worker process died; the next run takes up what this one left") from exc


def prepared_files(workspace: str, database_url: str, files: list, ahead: int = 4) -> Iterator:
    """`sources.intake.prepared_file` of each file, in order, computed in the workers at most
    `ahead` files in advance (a province file's cells take memory: no unbounded read-ahead)."""
    queue: deque[Future] = deque()
    waiting = iter(files)
    for inbox_file in waiting:
        queue.append(pool().submit(_prepared_file, workspace, database_url, inbox_file))
        if len(queue) >= ahead:
            break
    while queue:
        exam = _result(queue.popleft())
        following = next(waiting, None)
        if following is not None:
            queue.append(pool().submit(_prepared_file, workspace, database_url, following))
        yield exam


_resources: dict = {}


def _prepared_file(workspace: str, database_url: str, inbox_file):
    """One file read and cleaned (runs in a worker; the workspace's registries are loaded once)."""
    from kaoping.resources import Resources
    from kaoping.sources.intake import prepared_file

    key = (workspace, database_url)
    if key not in _resources:
        _resources[key] = Resources.open(workspace, database_url)
    return prepared_file(_resources[key], inbox_file)


def write_outputs(workspace: str, database_url: str, period: str) -> list[Path]:
    """The period's output files, written from its newest published runs (runs in a worker).

    Written again when a run of the period was published meanwhile by a concurrent flow, so
    the last files written are always those of the newest published runs.
    """
    from kaoping.flows.state import published_run_ids
    from kaoping.resources import Resources
    from kaoping.reports.publish import write_outputs as write

    res = Resources.open(workspace, database_url)
    try:
        while True:
            runs = published_run_ids(res, period)
            paths = write(res, period)
            if published_run_ids(res, period) == runs:
                return paths
    finally:
        res.close()
