"""The mailbox stage (SPEC §10): each new message's spreadsheets saved under `inbox/<department>/`.

Per message, in this order, so that a crash anywhere loses nothing and takes nothing twice:
the files are written (atomically, mtime = the message's received time); the message and its
files are recorded in one transaction; the message is moved to the processed folder. A message
found recorded as taken is only moved again. Messages from unknown senders, without a
spreadsheet, or too large stay where they are, recorded for `kaoping status`.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from pathlib import Path

from kaoping.core.faults import fault_point
from kaoping.reports.files import write_atomic
from kaoping.sources import messages as M
from kaoping.sources.attachments import Limits, spreadsheets
from kaoping.sources.envelope import Envelope, envelope
from kaoping.sources.mailbox import ImapMailbox, Listed, Mailbox, MailboxDown
from kaoping.stages.resources import Resources
from kaoping.warehouse import mail as records

HEADER_SLACK = 1 << 20  # headers and text parts beside the attachments
BASE64_GROWTH = 4 / 3


@dataclass
class MailReport:
    """What one pull did: files saved (inbox paths), messages left with their reason, and the
    warning when the mailbox was down."""

    saved: list[Path] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)  # (sender, reason)
    down: str | None = None


def _limits(res: Resources) -> Limits:
    intake = res.settings.intake
    return Limits(int(intake.max_file_mb * 1e6), int(intake.max_uncompressed_mb * 1e6), intake.max_zip_ratio)


def _target(folder: Path, name: str, data: bytes, sha256: str) -> Path:
    """Where a file goes: its own name, or with its hash when another file holds that name."""
    path = folder / name
    if path.exists() and path.read_bytes() != data:
        stem, suffix = os.path.splitext(name)
        path = folder / f"{stem}-{sha256[:8]}{suffix}"
    return path


def _save(res: Resources, folder: Path, files: list[tuple[str, bytes]], when: datetime) -> list[tuple[str, str, str, int]]:
    """The files written under `folder` with mtime `when`; (name, sha256, inbox path, size) each."""
    saved = []
    for name, data in files:
        sha256 = hashlib.sha256(data).hexdigest()
        path = _target(folder, name, data, sha256)
        write_atomic(path, data)
        os.utime(path, (when.timestamp(), when.timestamp()))
        saved.append((name, sha256, str(path.relative_to(res.settings.inbox_dir)), len(data)))
    return saved


def _leave(res: Resources, env: Envelope, status: str, note: str, report: MailReport) -> None:
    with res.warehouse.write_lock() as session:
        records.record_left(session, env.message_id, env.sender, env.subject, env.received_at, status, note)
    report.left.append((env.sender, note))


def _take(res: Resources, box: Mailbox, listed: Listed, report: MailReport) -> None:
    """One message: taken (files saved, recorded, moved) or left with its reason."""
    env = envelope(listed.header)
    with res.warehouse.reading() as session:
        already = records.taken_message(session, env.message_id) is not None
    if already:  # recorded, but the move did not happen (a crash, or someone moved it back)
        box.move_to_processed(listed.uid)
        return
    limits = _limits(res)
    if listed.size > limits.max_file_bytes * BASE64_GROWTH + HEADER_SLACK:
        return _leave(res, env, "too_large", M.MAIL_MESSAGE_TOO_LARGE.format(
            mb=listed.size / 1e6, limit=limits.max_file_bytes / 1e6), report)
    departments = res.registry.departments_of_sender(env.sender)
    if not departments:
        return _leave(res, env, "unknown_sender", M.MAIL_UNKNOWN_SENDER.format(sender=env.sender or "?"), report)
    extracted = spreadsheets(message_from_bytes(box.raw(listed.uid)), limits)
    if not extracted.files:
        return _leave(res, env, "no_spreadsheet", "；".join([M.MAIL_NO_SPREADSHEET, *extracted.notes]), report)
    # one department: its folder; an address several departments share: the file names tell (§5)
    department = departments[0] if len(departments) == 1 else None
    folder = res.settings.inbox_dir / department if department else res.settings.inbox_dir
    saved = _save(res, folder, extracted.files, env.received_at)
    fault_point("mail-saved")
    with res.warehouse.write_lock() as session:
        records.record_taken(session, env.message_id, env.sender, env.subject, env.received_at, department,
                             saved, "；".join(extracted.notes))
    fault_point("mail-recorded")
    box.move_to_processed(listed.uid)
    with res.warehouse.write_lock() as session:
        records.mark_moved(session, env.message_id)
    report.saved += [res.settings.inbox_dir / path for _, _, path, _ in saved]
    report.left += [(env.sender, note) for note in extracted.notes]


def pull_mailbox(res: Resources, mailbox: Mailbox | None = None) -> MailReport:
    """Every message of the intake folder taken or left; a mailbox that is down is a warning."""
    report = MailReport()
    settings = res.settings.mailbox
    if mailbox is None:
        if not settings.enabled:
            return report
        mailbox = ImapMailbox(settings)
    res.sync_dimensions()
    try:
        with mailbox as box:
            for listed in box.listed():
                _take(res, box, listed, report)
    except MailboxDown as exc:
        report.down = M.MAIL_DOWN.format(host=settings.host, port=settings.port, error=exc)
    return report
