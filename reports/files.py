"""Atomic, durable writes of output files (SPEC §8: a crash never leaves a half-written file
where a reader would take it), batched so that thousands of feedback workbooks cost a few syncs."""
from __future__ import annotations

import ctypes
import filecmp
import os
from pathlib import Path

from kaoping.core.tempfiles import temp_beside
from kaoping.core.faults import fault_point

BATCH_FILES = 256  # files written per sync in AtomicWrites


def _syncfs():
    """Linux's syncfs(2) (one call syncs a whole file system), or None where there is none."""
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None


_SYNCFS = _syncfs()


def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


_MALLOC_TRIM = _malloc_trim()


def release_memory() -> None:
    """Hand freed heap memory back to the system (glibc keeps what large sheets leave fragmented,
    a few hundred MB at 20,000 units; elsewhere nothing to do)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _sync_files(paths: list[str]) -> None:
    """Make the files durable: one syncfs per file system, else one fsync per file."""
    devices: dict[int, str] = {}
    for path in paths:
        devices.setdefault(os.stat(path).st_dev, path)
    for path in (devices.values() if _SYNCFS else paths):
        fd = os.open(path, os.O_RDONLY)
        try:
            if _SYNCFS is None:
                os.fsync(fd)
            elif _SYNCFS(fd) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), path)
        finally:
            os.close(fd)


def _sync_dirs(folders: set[Path]) -> None:
    for folder in sorted(folders):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicWrites:
    """Files written atomically, in batches: each goes to a hidden temp file beside its target, and
    every BATCH_FILES files the batch is made durable at once (one syncfs instead of an fsync per
    file), renamed into place and its folders synced. A crash leaves each target old or new, never
    half-written; a file whose bytes are unchanged is left untouched. Use as a context manager:
    leaving it commits the last batch, or on an error removes the temp files not yet renamed."""

    def __init__(self, point: str = "publish") -> None:
        self.pending: list[tuple[str, Path]] = []
        self.point = point  # the fault point of its renames (docs/reliability.md)

    def __enter__(self) -> AtomicWrites:
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            self.discard()

    def _temp(self, path: Path) -> tuple[int, str]:
        return temp_beside(path)

    def write(self, path: Path, data: bytes) -> bool:
        """Queue `data` for `path`; False (nothing written) when the file already holds it."""
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        fd, tmp = self._temp(path)
        self.pending.append((tmp, path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return self._added()

    def stream(self, path: Path, produce) -> bool:
        """Queue what `produce(file)` writes for `path`, without holding it in memory."""
        fd, tmp = self._temp(path)
        self.pending.append((tmp, path))
        with os.fdopen(fd, "w+b") as handle:
            produce(handle)
        if path.is_file() and filecmp.cmp(tmp, path, shallow=False):
            self.pending.pop()
            os.unlink(tmp)
            return False
        return self._added()

    def _added(self) -> bool:
        if len(self.pending) >= BATCH_FILES:
            self.commit()
        return True

    def commit(self) -> None:
        """Sync the queued files, rename them into place, sync their folders."""
        _sync_files([tmp for tmp, _ in self.pending])
        folders = {path.parent for _, path in self.pending}
        while self.pending:
            tmp, path = self.pending[0]
            fault_point(self.point)
            os.replace(tmp, path)
            del self.pending[0]
        _sync_dirs(folders)

    def discard(self) -> None:
        """Remove the temp files not renamed yet."""
        for tmp, _ in self.pending:
            Path(tmp).unlink(missing_ok=True)
        self.pending.clear()


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temp file + sync + rename; False (untouched) when equal.

    Single files (outbox copies and messages, mail attachments, the catalog document) pass the
    fault point `write`, not `publish`: a fault meant for the period's outputs must not fire on
    the 回执 that intake saves first."""
    with AtomicWrites("write") as writes:
        return writes.write(path, data)
