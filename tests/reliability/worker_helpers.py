"""Stand-ins for `kaoping.stages.workers._prepared_file` in the worker processes (importable by name, as a
spawned worker needs): one file kills its worker, as the kernel's OOM killer would; one never ends."""
from __future__ import annotations

import os
import signal
import time


def killed_by_bomb(workspace: str, database_url: str, inbox_file):
    from kaoping.stages.workers import _prepared_file

    if "炸" in inbox_file.path.name:
        os.kill(os.getpid(), signal.SIGKILL)
    return _prepared_file(workspace, database_url, inbox_file)


def slow_on_snail(workspace: str, database_url: str, inbox_file):
    from kaoping.stages.workers import _prepared_file

    if "慢" in inbox_file.path.name:
        time.sleep(3600)
    return _prepared_file(workspace, database_url, inbox_file)
