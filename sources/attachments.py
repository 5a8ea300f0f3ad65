"""Spreadsheets out of an e-mail message (SPEC §10): attachments of the §5 types, also inside .zip.

Mail is outside input like any file: names arrive RFC 2047/2231-encoded or as raw GBK bytes, may
carry paths (`../../x.xlsx`, `C:\\x.xlsx`), and a .zip may be a bomb. Names are reduced to a safe
base name; sizes are checked on the bytes actually read, never on what a header or a zip
directory claims.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import collapse_rfc2231_value
from io import BytesIO
from pathlib import PurePosixPath

from kaoping.sources import messages as M

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
MAX_NAME = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_uncompressed_bytes: int
    max_zip_ratio: float


@dataclass
class Extracted:
    """The spreadsheets of one message (name, bytes) and why other parts were left out."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _undo_surrogates(text: str) -> str:
    """A name the email package could not decode (raw 8-bit bytes) read as GB18030, as Chinese
    Outlook and Foxmail send it."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("gb18030", "replace")


def attachment_name(part: Message) -> str:
    """The part's file name: RFC 2231 (`filename*=`), RFC 2047 (`=?gb2312?B?…?=`, as Outlook sends
    it) or raw 8-bit bytes; `part` comes from the compat32 parser, which keeps those bytes."""
    # raw_items: the headers as received; reading them through the policy would turn raw bytes into U+FFFD
    fixed = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            fixed[key] = _undo_surrogates(str(value))
    name = fixed.get_filename() or fixed.get_param("name") or ""
    if isinstance(name, tuple):  # an RFC 2231 value the email package left undecoded
        name = collapse_rfc2231_value(name)
    name = str(name)
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except (UnicodeDecodeError, LookupError, HeaderParseError):
            pass
    return name


def safe_name(name: str, fallback: str) -> str:
    """The base name only (no folders, no `..`, no control or reserved characters), NFC, bounded."""
    text = unicodedata.normalize("NFC", _undo_surrogates(name or "")).replace("\\", "/")
    base = _UNSAFE.sub("_", PurePosixPath(text).name).strip().lstrip(".").strip()
    if not base or base in (".", ".."):
        return fallback
    stem, dot, suffix = base.rpartition(".")
    if dot and len(suffix) <= 5 and len(base) > MAX_NAME:
        return stem[:MAX_NAME - len(suffix) - 1] + "." + suffix
    return base[:MAX_NAME]


def _suffix(name: str) -> str:
    return PurePosixPath(name.lower()).suffix


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member name as its writer meant it: without the UTF-8 flag, Windows' Chinese zip tools
    wrote GBK, which Python read as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The member's bytes, or None as soon as more than `limit` come out of the stream."""
    out = BytesIO()
    with archive.open(info) as stream:
        while block := stream.read(1 << 16):
            if out.tell() + len(block) > limit:
                return None
            out.write(block)
    return out.getvalue()


def _from_zip(zip_name: str, data: bytes, limits: Limits, out: Extracted) -> None:
    """Spreadsheet members of a .zip (no nesting), within the size and ratio limits."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        out.notes.append(M.MAIL_BAD_ZIP.format(name=zip_name))
        return
    budget = min(limits.max_uncompressed_bytes, int(max(len(data), 1) * limits.max_zip_ratio))
    with archive:
        for k, info in enumerate(members, start=1):
            name = safe_name(_member_name(info), f"附件{k}")
            if info.is_dir() or _suffix(name) not in SPREADSHEET_SUFFIXES:
                continue
            if info.flag_bits & 0x1:
                out.notes.append(M.MAIL_ZIP_ENCRYPTED.format(zip=zip_name, name=name))
                continue
            limit = min(limits.max_file_bytes, budget)
            try:
                content = _read_bounded(archive, info, limit)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
                out.notes.append(M.MAIL_BAD_ZIP.format(name=f"{zip_name}/{name}"))
                continue
            if content is None:
                out.notes.append(M.MAIL_ZIP_TOO_LARGE.format(zip=zip_name, name=name))
                break  # a bomb's next members are no better
            budget -= len(content)
            out.files.append((name, content))


def spreadsheets(message: Message, limits: Limits) -> Extracted:
    """Every spreadsheet attached to `message` (parsed with the compat32 policy, see
    `attachment_name`) and inside its .zip attachments, in message order."""
    out = Extracted()
    for k, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        raw_name = attachment_name(part)
        if not raw_name and part.get_content_disposition() != "attachment":
            continue  # the message's text
        name = safe_name(raw_name, f"附件{k}")
        suffix = _suffix(name)
        if suffix not in (*SPREADSHEET_SUFFIXES, ".zip"):
            continue
        data = part.get_payload(decode=True) or b""
        if len(data) > limits.max_file_bytes:
            out.notes.append(M.MAIL_ATTACHMENT_TOO_LARGE.format(name=name, mb=len(data) / 1e6,
                                                                limit=limits.max_file_bytes / 1e6))
        elif suffix == ".zip":
            _from_zip(name, data, limits, out)
        else:
            out.files.append((name, data))
    return out
