"""SIGTERM and SIGINT stop `kaoping run` cleanly (issue 19 item 10): the ephemeral Prefect API
server (uvicorn) and the worker processes end with it, nothing is half-loaded or half-written,
and the next run completes. Processes are found through /proc (no psutil needed)."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import harness as h
import pytest

pytestmark = pytest.mark.reliability
STARTUP_S = 600


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, grandchildren…)."""
    parents = {int(d): _parent(int(d)) for d in os.listdir("/proc") if d.isdigit()}
    found, frontier = [], [pid]
    while frontier:
        children = [c for c, p in parents.items() if p in frontier]
        found += children
        frontier = children
    return found


def _wait_for_server_and_workers(pid: int) -> list[int]:
    """The command's processes once its uvicorn server and a pool worker both run."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        found = descendants(pid)
        commands = [_command(p) for p in found]
        workers = [c for c in commands if "multiprocessing" in c and "spawn_main" in c]
        if workers and any("uvicorn" in c for c in commands):
            return found
        time.sleep(0.2)
    raise AssertionError(f"no Prefect server and worker after {STARTUP_S} s")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return h.build_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_mid_run_leaves_no_process_and_nothing_half_done(template, tmp_path, signum):
    ws = h.copy_workspace(template, tmp_path / "ws")
    url = f"sqlite:///{ws / 'warehouse.db'}"
    proc = h.start(ws, url, "run")
    children = _wait_for_server_and_workers(proc.pid)
    proc.send_signal(signum)  # to the command alone, as systemd or a terminal's kill would
    proc.wait(timeout=120)
    time.sleep(1)
    survivors = [(p, _command(p)) for p in children if _alive(p)]
    outcome = h.finish(proc)
    assert survivors == [], survivors
    assert outcome.returncode == 128 + signum, outcome
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.strip().splitlines()[-1].startswith("已停止") and " / stopped by " in outcome.stderr
    assert h.half_loaded(url) == [] and h.broken_workbooks(ws / "out") == []
    assert not [p for p in h.visible_files(ws / "out") if p.suffix == ".tmp"]

    again = h.kaoping(ws, url, "run")  # the next night takes up what this one left
    assert again.returncode == 1 and "已发布 / published 2025Q1" in again.stdout, again
