"""Wall time and peak memory of one step, run as its own process (os.wait4 gives its rusage)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

OK, NOT_AVAILABLE, FAILED, TIMED_OUT = "ok", "not available", "failed", "timed out"
INNER_PREFIX = "BENCH-RESULT "  # a child step prints its own figures on one line after this


@dataclass
class Measurement:
    """One measured step; `seconds` is the whole process, `inner_seconds` the work it reports."""

    key: str
    label: str
    status: str = NOT_AVAILABLE
    seconds: float | None = None
    peak_rss_mb: float | None = None
    inner_seconds: float | None = None
    units: int | None = None
    exit_code: int | None = None
    detail: str = ""
    log: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def has_number(self) -> bool:
        return self.status in (OK, TIMED_OUT) and self.seconds is not None

    def as_dict(self) -> dict:
        return asdict(self)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait(proc: subprocess.Popen, timeout: float) -> tuple[int, object, bool]:
    """(exit status, rusage, timed out) of the child, polling so a timeout can stop it."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage, False
        if time.monotonic() > deadline:
            _kill_group(proc)
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage, True
        time.sleep(0.02)


def inner_result(log: Path) -> dict:
    """The figures a child step printed about itself (empty when it printed none)."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = [ln for ln in text.splitlines() if ln.startswith(INNER_PREFIX)]
    return json.loads(lines[-1][len(INNER_PREFIX):]) if lines else {}


def run_measured(m: Measurement, command: list[str], log: Path, timeout: float,
                 env: dict[str, str] | None = None, ok_codes: tuple[int, ...] = (0,)) -> Measurement:
    """Run `command`, filling `m` with its wall time, peak RSS, exit code and status."""
    log.parent.mkdir(parents=True, exist_ok=True)
    m.log = str(log)
    with open(log, "w", encoding="utf-8") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        code, usage, timed_out = _wait(proc, timeout)
        m.seconds = time.perf_counter() - start
    m.exit_code = code
    m.peak_rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
    if timed_out:
        m.status, m.detail = TIMED_OUT, f"stopped after {timeout:.0f} s (the time is a lower bound)"
    elif code in ok_codes:
        m.status = OK
    else:
        m.status, m.seconds, m.peak_rss_mb = FAILED, None, None
        m.detail = f"exit code {code}; see {log}"
    inner = inner_result(log)
    m.inner_seconds = inner.pop("seconds", None)
    m.extra.update(inner)
    return m


def python_step(name: str, *args: str) -> list[str]:
    """The command that runs one in-process step of this package in a fresh interpreter."""
    return [sys.executable, "-m", "benchmarks", "step", name, *args]


def report_inner(seconds: float, **figures) -> None:
    """Called by a child step: print its own figures for the parent to pick up."""
    print(INNER_PREFIX + json.dumps({"seconds": seconds, **figures}), flush=True)
