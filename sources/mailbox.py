"""The intake mailbox behind a small interface (SPEC §10), with its IMAP implementation (imap-tools).

The protocol is imap-tools'; this module only says what kaoping needs of a mailbox: list the
messages of the intake folder with their sizes, read one whole, move one to the processed folder
(created when missing). Nothing is ever deleted or flagged \\Deleted by kaoping itself.
"""
from __future__ import annotations

import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass

from kaoping.core.config import MailboxSettings


class MailboxDown(RuntimeError):
    """The mailbox could not be reached or refused us (the run goes on with the folder inbox)."""


@dataclass(frozen=True)
class Listed:
    """A message in the intake folder: its UID, size and header bytes, before its body is fetched."""

    uid: str
    size: int
    header: bytes


class Mailbox(ABC):
    """An open intake mailbox; use as a context manager."""

    @abstractmethod
    def __enter__(self) -> "Mailbox": ...

    @abstractmethod
    def __exit__(self, *exc) -> None: ...

    @abstractmethod
    def listed(self) -> list[Listed]:
        """Every message now in the intake folder, oldest first."""

    @abstractmethod
    def raw(self, uid: str) -> bytes:
        """The whole message (RFC 822 bytes), without marking it read."""

    @abstractmethod
    def move_to_processed(self, uid: str) -> None:
        """Move the message to the processed folder."""


_ERRORS: tuple[type[BaseException], ...] = (OSError, ssl.SSLError, EOFError)


class ImapMailbox(Mailbox):
    """A real IMAP server (SSL, STARTTLS or plain), through imap-tools."""

    def __init__(self, settings: MailboxSettings):
        self.settings = settings
        self._box = None

    def __enter__(self) -> "ImapMailbox":
        from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
        from imap_tools.errors import ImapToolsError

        s = self.settings
        kind = {"ssl": MailBox, "starttls": MailBoxStartTls, "none": MailBoxUnencrypted}[s.tls]
        try:
            box = kind(s.host, s.port, timeout=s.timeout_s)
            box.email_message_class = _kept_message_class()
            box.login(s.user, s.password, initial_folder=None)
            if not box.folder.exists(s.processed_folder):
                box.folder.create(s.processed_folder)
            box.folder.set(s.folder)
        except (*_ERRORS, ImapToolsError, box_error()) as exc:
            raise MailboxDown(str(exc) or type(exc).__name__) from exc
        self._box = box
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._box.logout()
        except Exception:  # noqa: BLE001 — a connection already gone needs no goodbye
            pass

    def _call(self, fn, *args, **kwargs):
        from imap_tools.errors import ImapToolsError

        try:
            return fn(*args, **kwargs)
        except (*_ERRORS, ImapToolsError, box_error()) as exc:
            raise MailboxDown(str(exc) or type(exc).__name__) from exc

    def listed(self) -> list[Listed]:
        msgs = self._call(lambda: list(self._box.fetch("ALL", mark_seen=False, headers_only=True, bulk=True)))
        return sorted((Listed(m.uid, m.size_rfc822, m.raw_bytes) for m in msgs if m.uid), key=lambda m: int(m.uid))

    def raw(self, uid: str) -> bytes:
        found = self._call(lambda: list(self._box.fetch(f"UID {uid}", mark_seen=False)))
        if not found:
            raise MailboxDown(f"UID {uid} vanished")
        return found[0].raw_bytes

    def move_to_processed(self, uid: str) -> None:
        self._call(self._box.move, uid, self.settings.processed_folder)


def box_error() -> type[BaseException]:
    """imaplib's own error (login refused, bad command), which imap-tools lets through."""
    import imaplib

    return imaplib.IMAP4.error


def _kept_message_class():
    """imap-tools' message class that also keeps the bytes as the server holds them."""
    from imap_tools import MailMessage

    class KeptMessage(MailMessage):
        def __init__(self, fetch_data: list) -> None:
            super().__init__(fetch_data)
            self.raw_bytes = self._get_message_data_parts(fetch_data)[0]

    return KeptMessage
