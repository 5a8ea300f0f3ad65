"""Stand-ins for `kaoping.stages.workers._validated_files` in the worker processes (importable by name, as a
spawned worker needs): one file kills its worker, as the kernel's OOM killer would; one never ends."""
from __future__ import annotations

import os
import signal
import time


def killed_by_bomb(workspace: str, database_url: str, inbox_files: list, timeout_s=None):
    from kaoping.stages.workers import _validated_files

    if any("炸" in f.path.name for f in inbox_files):
        os.kill(os.getpid(), signal.SIGKILL)
    return _validated_files(workspace, database_url, inbox_files, timeout_s)


def slow_on_snail(workspace: str, database_url: str, inbox_files: list, timeout_s=None):
    """Reading a file named 慢 never ends (inside the file's time limit, as a stuck parse would)."""
    from kaoping.stages import intake
    from kaoping.stages.workers import _validated_files

    read = intake.prepared_file

    def stuck(res, inbox_file):
        if "慢" in inbox_file.path.name:
            time.sleep(3600)
        return read(res, inbox_file)

    intake.prepared_file = stuck
    try:
        return _validated_files(workspace, database_url, inbox_files, timeout_s)
    finally:
        intake.prepared_file = read
