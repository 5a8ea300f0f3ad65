"""The intake mailbox's bookkeeping (SPEC §10): which messages were taken, which were left and why."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kaoping.warehouse.models import MailAttachment, MailMessage


def taken_message(session: Session, message_id: str) -> MailMessage | None:
    """The message's row when its files were already taken (so it is never taken twice)."""
    return session.scalar(select(MailMessage).where(MailMessage.message_id == message_id,
                                                    MailMessage.status == "taken"))


def record_left(session: Session, message_id: str, sender: str, subject: str, received_at: datetime,
                status: str, note: str) -> None:
    """A message left in the mailbox (unknown sender, no spreadsheet, too large), upserted."""
    now = datetime.now(timezone.utc)
    row = session.scalar(select(MailMessage).where(MailMessage.message_id == message_id))
    if row is None:
        session.add(MailMessage(message_id=message_id, sender=sender, subject=subject, received_at=received_at,
                                status=status, note=note, seen_at=now))
    else:
        row.status, row.note, row.seen_at = status, note, now


def record_taken(session: Session, message_id: str, sender: str, subject: str, received_at: datetime,
                 department: str | None, files: list[tuple[str, str, str, int]], note: str) -> int:
    """A taken message with its saved files (name, sha256, inbox path, size); returns its row id."""
    now = datetime.now(timezone.utc)
    row = session.scalar(select(MailMessage).where(MailMessage.message_id == message_id))
    if row is None:
        row = MailMessage(message_id=message_id, sender=sender, subject=subject, received_at=received_at,
                          seen_at=now, status="taken")
        session.add(row)
    row.status, row.department_code, row.note, row.seen_at = "taken", department, note, now
    session.flush()
    known = set(session.scalars(select(MailAttachment.sha256).where(MailAttachment.message_pk == row.id)))
    for name, sha256, path, size in files:
        if sha256 not in known:
            known.add(sha256)
            session.add(MailAttachment(message_pk=row.id, file_name=name, sha256=sha256, inbox_path=path, size=size))
    return row.id


def mark_moved(session: Session, message_id: str) -> None:
    session.execute(update(MailMessage).where(MailMessage.message_id == message_id)
                    .values(moved_at=datetime.now(timezone.utc)))


def senders_of(session: Session, hashes: list[str]) -> dict[str, str]:
    """File SHA-256 → the address of the message it came in (the earliest, for a file sent twice)."""
    rows = session.execute(select(MailAttachment.sha256, MailMessage.sender)
                           .join(MailMessage, MailMessage.id == MailAttachment.message_pk)
                           .where(MailAttachment.sha256.in_(hashes)).order_by(MailMessage.received_at.desc()))
    return {sha: sender for sha, sender in rows}


def left_messages(session: Session) -> pd.DataFrame:
    """Messages seen but not taken, newest first (for `kaoping status`)."""
    stmt = (select(MailMessage.sender, MailMessage.subject, MailMessage.received_at, MailMessage.status,
                   MailMessage.note).where(MailMessage.status != "taken")
            .order_by(MailMessage.received_at.desc()))
    return pd.DataFrame(session.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))
