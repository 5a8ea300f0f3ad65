"""Worker processes for the CPU-bound stages around the warehouse writer.

Reading and cleaning inbox files, and writing a period's workbooks, are CPU-bound Python; in a
thread they would share one core with the flow. A small pool of spawned processes (not forked:
Prefect runs threads) reads the next files while the flow validates and loads the current one,
and writes the files of period t while period t+1 is scored, on the machine's other core.
"""
from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from kaoping.sources.context import readable
from kaoping.sources.examine import Examination
from kaoping.sources.problems import make_problem
from kaoping.sources.suites import Validator
from kaoping.stages.intake import validated_files
from kaoping.stages.publishing import PARTS, write_outputs as write
from kaoping.stages.resources import Resources
from kaoping.stages.state import published_run_ids

PARENT_CHECK_S = 1.0
BATCH_BYTES = 1 << 20  # inbox bytes read and validated by one worker task: GX's fixed cost per run shared
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
                                        initializer=_start_worker, initargs=(os.getpid(),))
            atexit.register(_pool.shutdown)
            # a spawn pool starts a process only when none is idle: two calls submitted while the
            # first worker is idle would both run in it, one after the other. Start every worker now.
            for _ in range(_size()):
                _pool.submit(os.getpid)
        return _pool


def terminate() -> None:
    """Stop the pool's processes now, mid-task too (on a stop signal; their writes are atomic)."""
    global _pool
    with _lock:
        stopping, _pool = _pool, None
    if stopping is None:
        return
    processes = list((stopping._processes or {}).values())
    for process in processes:
        process.terminate()
    stopping.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)


def _start_worker(parent: int) -> None:
    """A worker ends with its parent, and closes its warehouse connections when it ends: SQLite
    checkpoints the WAL into the database file only when its last connection closes, so a worker
    left holding one would hand that work (and the WAL's recovery) to the next command."""
    _exit_with_parent(parent)
    multiprocessing.util.Finalize(None, _close_resources, exitpriority=0)


def _close_resources() -> None:
    while _resources:
        _resources.popitem()[1][1].close()


def _exit_with_parent(parent: int) -> None:
    """A worker ends when the flow's process is gone (killed -9, say) instead of idling forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class WorkerDied(RuntimeError):
    """A worker process ended abruptly (killed, out of memory); its files were not all written."""


def run_each(*calls: tuple) -> list:
    """Each call `(fn, *args)` in a worker process, all at once; their results in order. A dead
    worker raises WorkerDied and the pool is replaced."""
    futures = [pool().submit(*call) for call in calls]
    return [_result(future) for future in futures]


class WorkerTimedOut(WorkerDied):
    """A worker took longer than its budget and was ended."""


def _result(future: Future):
    """The future's result; a dead worker raises WorkerDied (WorkerTimedOut when its time limit
    ended it) and the pool is replaced."""
    global _pool
    try:
        return future.result()
    except BrokenProcessPool as exc:
        with _lock:
            broken, _pool = _pool, None
        processes = list((getattr(broken, "_processes", None) or {}).values())
        for process in processes:  # all are ending: the dead one's exit code may not be collected yet
            process.join(timeout=5)
        if any(process.exitcode == -signal.SIGALRM for process in processes):
            raise WorkerTimedOut("工作进程超时，已终止 / a worker process ran out of time") from exc
        raise WorkerDied("工作进程意外终止，本次运行未完成，下次运行时继续 / "
                         "a worker process died; the next run takes up what this one left") from exc


def batches(files: list, limit_bytes: int = BATCH_BYTES) -> list[list]:
    """Consecutive files in groups of at most `limit_bytes` (a larger file alone)."""
    out: list[list] = []
    size = limit_bytes
    for inbox_file in files:
        if size + inbox_file.size > limit_bytes:
            out.append([])
            size = 0
        out[-1].append(inbox_file)
        size += inbox_file.size
    return out


def prepared_files(workspace: str, database_url: str, files: list, ahead: int = 3,
                   timeout_s: float | None = None) -> Iterator:
    """`stages.intake.validated_files` of each file, in order, computed in the workers a batch of
    files at a time (`batches`: one GX run each), at most `ahead` batches in advance (a province
    file's cells take memory: no unbounded read-ahead); each file's reading ends its worker past
    `timeout_s` seconds (`time_limit`).

    A worker that dies (killed for memory, say) or runs out of time takes the files in flight with
    it: each of them is then examined again alone, so the one that ends a worker is known; that
    one comes back as an examination refusing it (recorded, so never retried), the others as usual."""
    waiting, queue, alone = deque(batches(files)), deque(), deque()
    while waiting or queue or alone:
        if alone:
            inbox_file = alone.popleft()
            try:
                yield _result(pool().submit(_validated_files, workspace, database_url, [inbox_file], timeout_s))[0]
            except WorkerDied as died:
                yield _refused(inbox_file, died, timeout_s)
            continue
        while waiting and len(queue) < ahead:
            batch = waiting.popleft()
            queue.append((batch, pool().submit(_validated_files, workspace, database_url, batch, timeout_s)))
        batch, future = queue.popleft()
        try:
            exams = _result(future)
        except WorkerDied:
            alone.extend([*batch, *(f for b, _ in queue for f in b)])
            queue.clear()
            continue
        yield from exams


def _refused(inbox_file, died: WorkerDied, timeout_s: float | None):
    """The examination of a file that ended a worker on its own: rejected with the reason."""
    exam = Examination(readable(inbox_file.path.name))
    if isinstance(died, WorkerTimedOut):
        exam.problems = [make_problem("too_slow", exam.file, expected=f"不超过 {timeout_s:g} 秒")]
    else:
        exam.problems = [make_problem("worker_died", exam.file)]
    return exam


_resources: dict = {}
_validator: list[Validator] = []


def _validated_files(workspace: str, database_url: str, inbox_files: list, timeout_s: float | None = None) -> list:
    """The files read, cleaned and validated (runs in a worker; the workspace's registries are loaded
    once, and again when their files change; one GX context serves the worker's life). Each file's
    reading, and the GX run, within the per-file budgets: `[intake] max_file_memory_mb` more
    address space than the worker holds before it (beyond, allocations fail and the file is refused
    for memory) and `timeout_s` seconds."""
    res = _worker_resources(workspace, database_url)
    return validated_files(res, inbox_files, _validator[0],
                           partial(_file_budget, res.settings.intake.max_file_memory_mb, timeout_s))


def _worker_resources(workspace: str, database_url: str) -> Resources:
    """The worker's Resources of the workspace (loaded again when its registries or catalogs
    change) and its GX context, made once."""
    key, stamp = (workspace, database_url), _workspace_stamp(Path(workspace))
    if key not in _resources or _resources[key][0] != stamp:  # registries or catalogs edited since
        if key in _resources:
            _resources.pop(key)[1].close()
        _resources[key] = (stamp, Resources.open(workspace, database_url))
    if not _validator:
        _validator.append(Validator(keep=False).open())
    return _resources[key][1]


def _warmed(workspace: str, database_url: str) -> None:
    _worker_resources(workspace, database_url)


def warm(workspace: str, database_url: str) -> None:
    """The pool started and each worker set up for the workspace (registries, GX context: ~3 s)
    now, without waiting: meant to overlap the flow's own start-up, not the first files."""
    for _ in range(_size()):
        pool().submit(_warmed, workspace, database_url)


@contextmanager
def _file_budget(megabytes: float, seconds: float | None) -> Iterator[None]:
    with memory_budget(megabytes), time_limit(seconds):
        yield


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """This process ends past `seconds` meanwhile (SIGALRM at its default action: native code, a
    parse say, cannot be interrupted otherwise); counted from here, not from when the task waited."""
    if not seconds:
        yield
        return
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _workspace_stamp(workspace: Path) -> tuple:
    """Size and modification time of what a worker's Resources are loaded from (a few stats)."""
    paths = [workspace / n for n in ("kaoping.toml", "units.csv", "departments.csv")]
    paths += sorted((workspace / "catalog").glob("*.yaml"))
    return tuple((p.name, s.st_size, s.st_mtime_ns) for p in paths if (s := _stat(p)) is not None)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


@contextmanager
def memory_budget(megabytes: float) -> Iterator[None]:
    """RLIMIT_AS lowered to the address space in use plus `megabytes` meanwhile (Linux), restored after."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            in_use = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + int(megabytes * 1024 * 1024)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def write_outputs(workspace: str, database_url: str, period: str, parts: tuple[str, ...] = PARTS) -> list[Path]:
    """The period's output files (`parts` of them), written from its newest published runs (runs in
    a worker).

    Written again when a run of the period was published meanwhile by a concurrent flow, so
    the last files written are always those of the newest published runs.
    """
    res = Resources.open(workspace, database_url)
    try:
        while True:
            runs = published_run_ids(res, period)
            paths = write(res, period, parts=parts)
            if published_run_ids(res, period) == runs:
                return paths
    finally:
        res.close()


def write_period(workspace: str, database_url: str, period: str) -> list[Path]:
    """The period's output files written by the pool, its documents and its feedback workbooks at the
    same time (one period alone, after a file was replaced, would keep one core idle otherwise)."""
    written = run_each(*((write_outputs, workspace, database_url, period, (part,)) for part in PARTS))
    return [path for paths in written for path in paths]
