"""Inbox discovery at the file-system level: which inbox files are complete and safe to take, and
kaoping's private copy of each one's bytes.

A file is taken only when it is complete: its size and modification time unchanged over the settle
interval (one wait for all young files), and unchanged while it is copied. The copy is made once,
while hashing: archive/<sha[:2]>/<sha><ext> is exactly the bytes hashed, and the bytes parsed.
Hardlinks (link count > 1: the same file is also somewhere else, perhaps outside the workspace) and
files whose real path lies outside the inbox are refused unread; nothing of them is copied.
"""
from __future__ import annotations

import hashlib
import os
import stat as st
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kaoping.sources.context import readable
from kaoping.core.tempfiles import current_umask
from kaoping.sources.problems import Problem, make_problem

CHUNK = 1 << 20
SUFFIX_MAX = 8  # an archive name keeps the file's extension only when it is short and plain


@dataclass(frozen=True)
class Complete:
    """A complete inbox file and its private copy."""

    path: Path
    sha256: str
    size: int
    received_at: datetime
    copy: Path


@dataclass
class Found:
    files: list[Complete] = field(default_factory=list)
    left: list[tuple[Path, str, Problem]] = field(default_factory=list)  # path, skipped | refused, why


def _signature(info: os.stat_result) -> tuple[int, int, int, int]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def received_at(mtime: float, now: float | None = None) -> datetime:
    """The modification time as the time received; one in the future or beyond what a date can hold
    (a year 11476 set by a broken clock or tool) counts as now."""
    now = time.time() if now is None else now
    try:
        return datetime.fromtimestamp(min(mtime, now), timezone.utc)
    except (ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(now, timezone.utc)


def _within(path: Path, root: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == root or root in real.parents


def _refusal(path: Path, info: os.stat_result, root: Path) -> Problem | None:
    name = readable(path.name)
    if info.st_nlink > 1:
        return make_problem("hardlink", name, value=f"链接数 {info.st_nlink}")
    if not _within(path, root):
        return make_problem("outside_inbox", name)
    return None


def archive_name(sha256: str, suffix: str) -> str:
    suffix = suffix.lower()
    plain = len(suffix) <= SUFFIX_MAX and suffix[1:].isascii() and suffix[1:].isalnum()
    return f"{sha256}{suffix if plain else ''}"


class FileChanged(Exception):
    """The file changed while it was copied (still being written)."""


def archive_copy(path: Path, archive_dir: Path, expected: os.stat_result | None = None) -> tuple[Path, str, int]:
    """The file's bytes copied (while hashed) to archive/<sha[:2]>/<sha><ext>; returns the copy, the
    SHA-256 and the size. FileChanged (nothing archived) when the file's size or modification time
    differs from `expected` before, during or after the copy."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        before = os.fstat(fd)
        if not st.S_ISREG(before.st_mode):
            raise FileNotFoundError(path)
        expected = expected or before
        digest, size = hashlib.sha256(), 0
        tmp_fd, tmp = tempfile.mkstemp(dir=archive_dir, prefix=".", suffix=".tmp")
        os.fchmod(tmp_fd, 0o666 & ~current_umask())  # an ordinary file once renamed, not mkstemp's 0600
        try:
            with os.fdopen(tmp_fd, "wb") as out:
                while block := os.read(fd, CHUNK):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
            if not _signature(before) == _signature(os.fstat(fd)) == _signature(os.lstat(path)) \
                    == _signature(expected) or size != expected.st_size:
                raise FileChanged(path)
            sha = digest.hexdigest()
            target = archive_dir / sha[:2] / archive_name(sha, path.suffix)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(tmp)
            else:
                os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    finally:
        os.close(fd)
    return target, sha, size


def _is_junk(name: str) -> bool:
    """Office lock files and operating-system litter, never a submission."""
    return name.startswith(("~$", ".~lock.", "._")) or name in (".DS_Store", "Thumbs.db", "desktop.ini") \
        or name.endswith(".tmp")


def candidates(inbox: Path) -> list[Path]:
    """Regular files under the inbox at any depth; links, lock files and OS litter skipped."""
    found = []
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if _is_junk(name) or path.is_symlink() or not path.is_file():
                continue
            found.append(path)
    return found


def complete_files(inbox: Path, archive_dir: Path, settle_s: float) -> Found:
    """The complete, safe files among the inbox's candidates, each with its private copy."""
    root = Path(os.path.realpath(inbox))
    found, waiting = Found(), []
    for path in candidates(inbox):
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            found.left.append((path, "skipped", make_problem("vanished", readable(path.name))))
            continue
        refusal = _refusal(path, info, root)
        if refusal is not None:
            found.left.append((path, "refused", refusal))
        else:
            waiting.append((path, info))
    now = time.time()
    if settle_s > 0 and any(now - info.st_mtime < settle_s for _, info in waiting):  # young, or dated ahead
        time.sleep(settle_s)
    for path, info in waiting:
        _take(found, path, info, archive_dir)
    return found


def _take(found: Found, path: Path, info: os.stat_result, archive_dir: Path) -> None:
    """The file copied when it has not changed since `info` (nor while copied); else left for later."""
    name = readable(path.name)
    try:
        copy, sha, size = archive_copy(path, archive_dir, info)
    except FileNotFoundError:
        found.left.append((path, "skipped", make_problem("vanished", name)))
    except FileChanged:
        found.left.append((path, "skipped", make_problem("still_writing", name)))
    else:
        found.files.append(Complete(path, sha, size, received_at(info.st_mtime), copy))
