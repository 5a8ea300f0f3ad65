"""The mail edge of distribution: a `Mailer` sends one message by SMTP (`SmtpMailer`, with retries
on transient failures) or drops it into `outbox/<recipient>/` (`OutboxMailer`)."""
from __future__ import annotations

import mimetypes
import smtplib
import ssl
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from kaoping.core.config import SmtpSettings
from kaoping.reports import texts
from kaoping.reports.files import write_atomic


class SendError(RuntimeError):
    """A delivery that failed after `attempts` tries."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class Delivery:
    """One message: the files for one recipient address."""

    recipient: str
    name: str
    email: str
    files: tuple[Path, ...]
    period: str = ""


def compose(sender: str, to: list[tuple[str, str]], subject: str, body: str,
            attachments: tuple[Path, ...] = ()) -> EmailMessage:
    """One e-mail; attachment names are encoded per RFC 2231, so Chinese names survive."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(formataddr((name, email)) if email else name for name, email in to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="kaoping")
    msg.set_content(body)
    for path in attachments:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


class Mailer(ABC):
    """Where deliveries go: an SMTP server or the outbox folder."""

    channel: str
    sender: str = "kaoping@localhost"

    @abstractmethod
    def send(self, delivery: Delivery, subject: str, body: str) -> int:
        """Deliver; returns the number of attempts, raises SendError when it gave up."""

    @abstractmethod
    def send_message(self, msg: EmailMessage, recipient: str) -> int:
        """Deliver a whole message (回执, 退回, 催报) for `recipient` (a department code); returns
        the number of attempts, raises SendError when it gave up."""


def _eml_name(msg: EmailMessage) -> str:
    """`<time>_<subject>.eml`, safe as a file name and sortable by time."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    subject = "".join(c if c.isalnum() or c in "【】_-" else "_" for c in str(msg["Subject"]))[:60]
    return f"{stamp}_{subject}.eml"


class OutboxMailer(Mailer):
    """Copies each file to `outbox/<recipient>/<period>/` (atomically), when no SMTP server is set:
    every period's copies are kept (feedback workbooks and rankings.csv carry no period in their
    names); whole messages are saved under `outbox/<recipient>/` as `.eml` files (open them in any
    mail client to forward)."""

    channel = "outbox"

    def __init__(self, folder: Path, sender: str = "kaoping@localhost"):
        self.folder, self.sender = folder, sender

    def send(self, delivery: Delivery, subject: str, body: str) -> int:
        try:
            for path in delivery.files:
                write_atomic(self.folder / delivery.recipient / delivery.period / path.name, path.read_bytes())
        except OSError as exc:
            raise SendError(str(exc), 1) from exc
        return 1

    def send_message(self, msg: EmailMessage, recipient: str) -> int:
        try:
            write_atomic(self.folder / recipient / _eml_name(msg), msg.as_bytes())
        except OSError as exc:
            raise SendError(str(exc), 1) from exc
        return 1


def _transient(exc: Exception) -> bool:
    """4xx replies and lost connections are worth retrying; 5xx replies are final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError))


class SmtpMailer(Mailer):
    """Sends one e-mail per delivery through an SMTP server (SSL, STARTTLS or plain), with retries."""

    channel = "smtp"

    def __init__(self, settings: SmtpSettings, backoff_s: float = 2.0):
        self.settings = settings
        self.backoff_s = backoff_s
        self.sender = settings.sender or settings.user or "kaoping@localhost"

    def message(self, delivery: Delivery, subject: str, body: str) -> EmailMessage:
        """The e-mail of a delivery."""
        return compose(self.sender, [(delivery.name, delivery.email)], subject, body, delivery.files)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.user:
            smtp.login(s.user, s.password)
        return smtp

    def send(self, delivery: Delivery, subject: str, body: str) -> int:
        return self.send_message(self.message(delivery, subject, body), delivery.recipient)

    def send_message(self, msg: EmailMessage, recipient: str) -> int:
        attempts = 0
        while True:
            attempts += 1
            try:
                with self._connect() as smtp:
                    smtp.send_message(msg)
                return attempts
            except (smtplib.SMTPException, OSError) as exc:
                if not _transient(exc) or attempts > self.settings.retries:
                    raise SendError(texts.SEND_FAILED.format(attempts=attempts, error=exc), attempts) from exc
                time.sleep(self.backoff_s * 2 ** (attempts - 1))
