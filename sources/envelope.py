"""What intake reads from a message's header: Message-ID, sender, subject and received time."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime


@dataclass(frozen=True)
class Envelope:
    message_id: str
    sender: str
    subject: str
    received_at: datetime


def parsed_message(raw: bytes) -> EmailMessage:
    """A message parsed with the modern policy (headers decoded, parts as EmailMessage)."""
    return BytesParser(policy=policy.default).parsebytes(raw)


def received_at(msg: EmailMessage) -> datetime:
    """When our server received it (its newest Received: line), else the sender's Date:."""
    stamps = [str(r).rpartition(";")[2].strip() for r in msg.get_all("Received", [])] + [str(msg.get("Date", ""))]
    for stamp in stamps:
        try:
            when = parsedate_to_datetime(stamp)
        except (TypeError, ValueError, IndexError):
            continue
        if when is not None:
            return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return datetime.now(timezone.utc)


def envelope(header: bytes) -> Envelope:
    """Message-ID (or a stable stand-in from the header bytes), sender address, subject, received time."""
    msg = parsed_message(header)
    try:
        message_id = str(msg.get("Message-ID", "")).strip()
        sender = next((addr.lower() for _, addr in getaddresses([str(msg.get("From", ""))]) if "@" in addr), "")
        subject = str(msg.get("Subject", ""))[:500]
    except (ValueError, IndexError, TypeError):  # a header the email package cannot even parse
        message_id, sender, subject = "", "", ""
    return Envelope(message_id or f"<{hashlib.sha256(header).hexdigest()}@kaoping>", sender, subject,
                    received_at(msg))
