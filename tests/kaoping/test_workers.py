"""The worker processes of the flows: a dead worker is reported and replaced; workers never
outlive the flow's process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.sources.intake_kit import GOOD_ROWS, HEADER, write_csv, write_xlsx

from kaoping.stages import workers
from kaoping.stages.intake import discover, prepared_file
from kaoping.warehouse.dimensions import ensure_period
from kaoping.sources.examine import validated


def test_a_dead_worker_raises_and_the_next_call_gets_a_new_pool():
    first, = workers.run_each((os.getpid,))
    with pytest.raises(workers.WorkerDied, match="工作进程意外终止"):
        workers.run_each((os._exit, 9))
    second, = workers.run_each((os.getpid,))
    assert first != os.getpid() and second not in (first, os.getpid())


def test_calls_run_at_once_in_both_workers_and_come_back_in_order():
    spans = workers.run_each((_span, 1.0, "a"), (_span, 1.0, "b"))
    assert [tag for _, tag, _, _ in spans] == ["a", "b"]
    assert len({pid for pid, *_ in spans}) == 2 and os.getpid() not in {pid for pid, *_ in spans}
    assert max(start for *_, start, _ in spans) < min(end for *_, end in spans)  # side by side


def test_workers_exit_when_the_parent_is_killed():
    code = ("from kaoping.stages import workers; import os, time; print(*workers.run_each((os.getpid,)), flush=True); "
            "time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    worker = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10 * workers.PARENT_CHECK_S + 5
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.2)
    assert not _alive(worker), "a worker outlived its killed parent"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def _span(seconds: float, tag: str) -> tuple[int, str, float, float]:
    start = time.time()
    time.sleep(seconds)
    return os.getpid(), tag, start, time.time()


def test_batches_keep_the_order_and_stay_under_the_limit_unless_one_file_is_larger():
    sizes = [300, 300, 500, 2000, 100, 100, 900]
    files = [type("F", (), {"size": size, "name": k})() for k, size in enumerate(sizes)]
    got = [[f.name for f in batch] for batch in workers.batches(files, 1000)]
    assert got == [[0, 1], [2], [3], [4, 5], [6]]
    assert workers.batches([], 1000) == []


def test_workers_validate_batches_as_the_flow_would_alone(res, validator):
    inbox = res.settings.inbox_dir / "公安局"
    write_xlsx(inbox / "公安局_2025Q3.xlsx", [HEADER, *GOOD_ROWS])
    write_csv(inbox / "公安局_2025Q2.csv", [HEADER, ["东城县", "九十", 12], ["无此县", 80, 1]])
    write_csv(inbox / "公安局_2025Q1.csv", [HEADER, ["东城县", 95, 12], ["东城县", 96, 12]])
    files = discover(res)
    assert len(workers.batches(files)) == 1  # the three in one worker task, one GX run
    res.sync_dimensions()
    alone = [prepared_file(res, f) for f in files]
    for exam in alone:
        validated(res, [exam], validator)
    remote = list(workers.prepared_files(str(res.workspace), res.settings.database_url, files))
    assert [e.suite_ran for e in remote] == [True, True, True]
    assert [[(p.rule, p.cell, p.message) for p in e.problems] for e in remote] == \
        [[(p.rule, p.cell, p.message) for p in e.problems] for e in alone]
    assert sum(len(e.problems) for e in remote) >= 3


def test_warm_sets_a_worker_up_for_the_workspace_before_any_file(res):
    workers.warm(str(res.workspace), res.settings.database_url)
    states = workers.run_each(*[(_set_up, str(res.workspace), res.settings.database_url)] * 2)
    assert any(loaded and gx for loaded, gx in states)


def _set_up(workspace: str, database_url: str) -> tuple[bool, bool]:
    time.sleep(0.5)  # both workers busy at once: one call each
    return (workspace, database_url) in workers._resources, bool(workers._validator)


def test_workers_close_their_warehouse_connections_when_they_end(res, tmp_path):
    """SQLite folds the WAL into the database only when the last connection closes: a worker that
    ended holding one would leave that work, and the WAL's recovery, to the next command."""
    workspace, url = str(res.workspace), res.settings.database_url
    res.close()
    script = ("from kaoping.stages import workers\n"
              "from tests.kaoping.test_workers import _write_in_worker\n"
              f"workers.run_each(*[(_write_in_worker, {workspace!r}, {url!r})] * 2)\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=Path(__file__).parents[2])
    assert not (tmp_path / "warehouse.db-wal").exists()


def _write_in_worker(workspace: str, database_url: str) -> None:
    time.sleep(0.5)  # both workers busy at once: each holds a connection of its own
    with workers._worker_resources(workspace, database_url).warehouse.session() as session:
        ensure_period(session, f"2025Q{os.getpid() % 4 + 1}")
