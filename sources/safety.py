"""Checks made before any parser touches a file: size, zip bombs, truncation, encryption."""
from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import msoffcrypto

from kaoping.core.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.problems import FileRefused, make_problem

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_MB = 1024 * 1024


_LOCAL_HEADER = struct.Struct("<4s22xHH")
_STORED, _DEFLATED = 0, 8


def _refuse(rule: str, name: str, value: object = None, expected: str | None = None,
            detail: str | None = None) -> None:
    raise FileRefused(make_problem(rule, readable(name), value=value, expected=expected, detail=detail))


def _member_size(fh, member: zipfile.ZipInfo, budget: int) -> int:
    """The member's real uncompressed size, found by inflating its stream in 1 MB steps (never more
    than `budget` + 1 MB held or produced): a zip directory can state any size it likes."""
    fh.seek(member.header_offset)
    magic, name_len, extra_len = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
    if magic != b"PK\x03\x04":
        raise zipfile.BadZipFile("local header")
    fh.seek(member.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    if member.compress_type == _STORED:
        return member.compress_size
    if member.compress_type != _DEFLATED:
        raise zipfile.BadZipFile("compression method")
    inflate, left, size = zlib.decompressobj(-15), member.compress_size, 0
    while left > 0 and not inflate.eof:
        chunk = fh.read(min(_MB, left))
        if not chunk:
            raise EOFError
        left -= len(chunk)
        while chunk and not inflate.eof:
            size += len(inflate.decompress(chunk, _MB))
            chunk = inflate.unconsumed_tail
            if size > budget:
                return size
    return size


def _check_zip(path: Path, limits: IntakeSettings, name: str) -> None:
    """Refuse truncated archives, archives whose expansion is absurd (zip bombs, by the sizes the
    directory states and then by the sizes the streams really inflate to), encrypted ODF."""
    budget = int(limits.max_uncompressed_mb * _MB)
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as fh:
            members = archive.infolist()
            packed = max(sum(m.compress_size for m in members), 1)
            for unpacked in (sum(m.file_size for m in members), None):
                if unpacked is None:  # the directory's sizes passed: now the streams' own
                    unpacked = 0
                    for m in members:
                        if m.flag_bits & 0x1:
                            _refuse("encrypted", name)
                        real = _member_size(fh, m, budget - unpacked)
                        if real != m.file_size and real <= budget - unpacked:
                            _refuse("zip_bomb", name, detail=f"压缩包中「{m.filename}」记录的大小与实际不符")
                        unpacked += real
                if unpacked > budget:
                    _refuse("zip_bomb", name, f"{unpacked / _MB:.0f}MB", f"不超过 {limits.max_uncompressed_mb:g}MB")
                if unpacked / packed > limits.max_zip_ratio:
                    _refuse("zip_bomb", name, f"压缩比 {unpacked / packed:.0f}", f"不超过 {limits.max_zip_ratio:g}")
            # an ODF file saved with a password lists its encrypted parts in the manifest
            if "META-INF/manifest.xml" in archive.namelist() and \
                    b"encryption-data" in archive.read("META-INF/manifest.xml"):
                _refuse("encrypted", name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, struct.error, ValueError):
        _refuse("truncated", name)


def _check_ole(path: Path, name: str) -> None:
    """Refuse password-protected Office files (an OLE container holding an encrypted package)."""
    try:
        with path.open("rb") as fh:
            encrypted = msoffcrypto.OfficeFile(fh).is_encrypted()
    except Exception:  # msoffcrypto raises bare Exceptions for formats it does not know
        encrypted = False
    if encrypted:
        _refuse("encrypted", name)


def check_file(path: Path, limits: IntakeSettings, name: str | None = None) -> str:
    """The container kind (`zip`, `ole` or `text`) of a file that is safe to parse, else FileRefused;
    `name` is the file's own name for the messages (`path` may be kaoping's private copy)."""
    name = name or path.name
    size = path.stat().st_size
    if size > limits.max_file_mb * _MB:
        _refuse("file_too_large", name, f"{size / _MB:.1f}MB", f"不超过 {limits.max_file_mb:g}MB")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        _check_ole(path, name)
        return "ole"
    if head.startswith(ZIP_MAGIC) or Path(name).suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        _check_zip(path, limits, name)
        return "zip"
    return "text"
