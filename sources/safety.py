"""Checks made before any parser touches a file: size, zip bombs, truncation, encryption."""
from __future__ import annotations

import zipfile
from pathlib import Path

import msoffcrypto

from kaoping.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.problems import FileRefused, make_problem

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_MB = 1024 * 1024


def _refuse(rule: str, path: Path, value: object = None, expected: str | None = None,
            detail: str | None = None) -> None:
    raise FileRefused(make_problem(rule, readable(path.name), value=value, expected=expected, detail=detail))


def _check_zip(path: Path, limits: IntakeSettings) -> None:
    """Refuse truncated archives, archives whose expansion is absurd (zip bombs), encrypted ODF."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            packed = max(sum(m.compress_size for m in members), 1)
            if unpacked > limits.max_uncompressed_mb * _MB:
                _refuse("zip_bomb", path, f"{unpacked / _MB:.0f}MB", f"不超过 {limits.max_uncompressed_mb:g}MB")
            if unpacked / packed > limits.max_zip_ratio:
                _refuse("zip_bomb", path, f"压缩比 {unpacked / packed:.0f}", f"不超过 {limits.max_zip_ratio:g}")
            # an ODF file saved with a password lists its encrypted parts in the manifest
            if "META-INF/manifest.xml" in archive.namelist() and \
                    b"encryption-data" in archive.read("META-INF/manifest.xml"):
                _refuse("encrypted", path)
    except (zipfile.BadZipFile, OSError, EOFError):
        _refuse("truncated", path)


def _check_ole(path: Path) -> None:
    """Refuse password-protected Office files (an OLE container holding an encrypted package)."""
    try:
        with path.open("rb") as fh:
            encrypted = msoffcrypto.OfficeFile(fh).is_encrypted()
    except Exception:  # msoffcrypto raises bare Exceptions for formats it does not know
        encrypted = False
    if encrypted:
        _refuse("encrypted", path)


def check_file(path: Path, limits: IntakeSettings) -> str:
    """The container kind (`zip`, `ole` or `text`) of a file that is safe to parse, else FileRefused."""
    size = path.stat().st_size
    if size > limits.max_file_mb * _MB:
        _refuse("file_too_large", path, f"{size / _MB:.1f}MB", f"不超过 {limits.max_file_mb:g}MB")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        _check_ole(path)
        return "ole"
    if head.startswith(ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        _check_zip(path, limits)
        return "zip"
    return "text"
