"""Temporary files that become ordinary files when renamed into place (ground floor: imports nothing
of the project).

`tempfile.mkstemp` creates files mode 0600; renamed into out/, outbox/ or a template folder they
would stay unreadable to a colleague or another service account. Here they get the mode an
ordinary file gets under the process umask (0644 under umask 022).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_beside(path: Path) -> tuple[int, str]:
    """A hidden temporary file in `path`'s folder (created if need be), with ordinary permissions:
    (open descriptor, its path)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~current_umask())
    return fd, tmp
