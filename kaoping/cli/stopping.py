"""SIGTERM and SIGINT (Ctrl+C) stop a command cleanly: the signal becomes `Stopped` in the main
thread, which unwinds like any error (open transactions roll back, temp files are removed),
then `release` ends what the command started — the worker processes and Prefect's ephemeral
API server (a uvicorn process that would otherwise outlive us, re-parented to init).
"""
from __future__ import annotations

import os
import signal
import sys

from kaoping.stages import workers

SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOPPED = ("已停止（收到信号 {name}），未完成的写入已撤销，下次运行时继续 / "
           "stopped by {name}; nothing was left half-written")


class Stopped(BaseException):
    """A stop signal arrived. A BaseException, like KeyboardInterrupt: no `except Exception`
    on the way (ours, Prefect's, click's) takes it for a failure to recover from."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def message(self) -> str:
        return STOPPED.format(name=signal.Signals(self.signum).name)


def _raise(signum: int, _frame) -> None:
    for s in SIGNALS:  # a second signal must not interrupt the clean-up
        signal.signal(s, signal.SIG_IGN)
    raise Stopped(signum)


def install() -> dict:
    """Turn SIGTERM and SIGINT into `Stopped` (call from the main thread); returns the handlers
    they had, for `restore`."""
    return {s: signal.signal(s, _raise) for s in SIGNALS}


def restore(previous: dict) -> None:
    """The handlers `install` replaced (a test calling the CLI in its own process gets its own back)."""
    for s, handler in previous.items():
        signal.signal(s, handler)


def release() -> None:
    """End the worker processes and any ephemeral Prefect API server this process started."""
    workers.terminate()
    server = getattr(sys.modules.get("prefect.server.api.server"), "SubprocessASGIServer", None)
    for instance in list(getattr(server, "_instances", {}).values()):  # none yet when stopped at import
        instance.stop()


def exit_now(code: int) -> None:
    """Exit without Prefect's exit handlers: they would retry for a minute or more to send the
    last logs and events to the API server just stopped. The stack has unwound by now (temp
    files removed, transactions rolled back); only the output streams need flushing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
