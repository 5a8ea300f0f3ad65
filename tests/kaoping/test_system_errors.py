"""Machine faults found through the wrappers around them (kaoping/system_errors.py)."""
from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from kaoping.core.system_errors import system_fault_line


def _wrapped(inner: BaseException) -> BaseException:
    """`inner` as Prefect and the worker pool hand it on: the cause of another exception."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("Task run failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize("inner, zh, en", [
    (OSError(errno.ENOSPC, "No space left on device", "/ws/out/2025Q3/x.xlsx"), "磁盘空间不足",
     "no space left on device: /ws/out/2025Q3/x.xlsx"),
    (OSError(errno.ENOSPC, "No space left on device"), "磁盘空间不足", "no space left on device"),
    (OSError(errno.EROFS, "Read-only file system", "/ws/out"), "只读", "read-only or permission denied): /ws/out"),
    (PermissionError(errno.EACCES, "Permission denied", "/ws/out"), "没有权限", "permission denied): /ws/out"),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")), "磁盘空间不足", "warehouse"),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database")), "只读",
     "warehouse"),
    (MemoryError("Unable to allocate 52.2 GiB"), "内存不足", "out of memory"),
])
def test_a_machine_fault_is_one_bilingual_line_however_wrapped(inner, zh, en):
    for exc in (inner, _wrapped(inner)):
        line = system_fault_line(exc)
        assert line is not None and "\n" not in line
        chinese, english = line.split(" / ")
        assert zh in chinese and en in english


@pytest.mark.parametrize("exc", [FileNotFoundError(errno.ENOENT, "No such file", "x"), ValueError("bug"),
                                 _wrapped(KeyError("code"))])
def test_a_bug_is_not_taken_for_a_machine_fault(exc):
    assert system_fault_line(exc) is None
