"""Faults of the machine, not of kaoping or its input: a full disk, a read-only or forbidden
folder, memory that cannot be had. The CLI ends each in one Chinese / English line (exit 2);
what was being written is left as it was (atomic writes, rolled-back transactions).

`system_fault_line` finds such a fault anywhere in an exception's chain: Prefect, the worker
pool and SQLAlchemy wrap the OSError or the driver's error they met.
"""
from __future__ import annotations

import errno

DISK_FULL = "磁盘空间不足，未写完的文件和数据已撤销，请清理空间后重新运行{zh} / no space left on device{en}"
READ_ONLY = "无法写入（只读或没有权限），未写完的文件和数据已撤销{zh} / cannot write (read-only or permission denied){en}"
NO_MEMORY = ("内存不足，运行已停止，未写完的文件和数据已撤销（可调小 [scoring] sensitivity_draws 等设置） / "
             "out of memory; nothing was left half-written")

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EROFS, errno.EACCES, errno.EPERM}
# what SQLite says through sqlite3.OperationalError when the disk or the file refuses a write
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_DENIED = ("attempt to write a readonly database", "unable to open database file", "readonly database")


def _chain(exc: BaseException):
    """The exception, its causes and contexts, and what wrapping libraries keep in `orig`."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]


def _where(place: object) -> dict[str, str]:
    return {"zh": f"：{place}", "en": f": {place}"} if place else {"zh": "", "en": ""}


def system_fault_line(exc: BaseException) -> str | None:
    """The one-line message for a machine fault in `exc`'s chain, or None when there is none."""
    for e in _chain(exc):
        if isinstance(e, MemoryError):
            return NO_MEMORY
        if isinstance(e, OSError) and e.errno in _FULL | _DENIED:
            return (DISK_FULL if e.errno in _FULL else READ_ONLY).format(**_where(e.filename))
        text = str(e).lower()
        if type(e).__name__ == "OperationalError":
            if any(s in text for s in _SQLITE_FULL):
                return DISK_FULL.format(**_where("warehouse"))
            if any(s in text for s in _SQLITE_DENIED):
                return READ_ONLY.format(**_where("warehouse"))
    return None
