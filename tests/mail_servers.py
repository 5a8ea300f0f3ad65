"""Real mail servers on loopback for the tests: Dovecot (IMAP) and aiosmtpd (SMTP).

Dovecot runs with its own configuration in a temp folder, on a free port, plain login against a
passwd-file; each test gets a mailbox user of its own. With CI=true a missing Dovecot fails.
As root, Dovecot will not run mail processes as uid 0: the mail folders then belong to its own
`dovecot` user; otherwise everything runs as the current user.
"""
from __future__ import annotations

import email
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid) for the Dovecot configuration."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, os.getuid(), os.getgid()
    internal = pwd.getpwnam("dovecot")
    return "dovecot", "dovenull", internal.pw_uid, internal.pw_gid


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


USERS = 400  # made up front: Dovecot re-reads the passwd-file by mtime, too coarse for appends


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen
    users: list[tuple[str, str]]

    def add_user(self) -> tuple[str, str]:
        """A fresh mailbox user (address, password)."""
        return self.users.pop()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _wait_ready(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("dovecot did not start within 60 s")


def start_dovecot(root: Path) -> Dovecot:
    internal, login, uid, gid = _users()
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(parents=True, exist_ok=True)
    for name in ("mail", "home"):
        os.chown(root / name, uid, gid)
    users = [(f"kp{uuid.uuid4().hex[:10]}@example.cn", uuid.uuid4().hex) for _ in range(USERS)]
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users), encoding="utf-8")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, internal=internal, internal_group=internal, login=login,
                                  uid=uid, gid=gid), encoding="utf-8")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    _wait_ready(port, process, root / "dovecot.log")
    return Dovecot(root, port, process, users)


@pytest.fixture(scope="session")
def dovecot_server():
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI") == "true":
            pytest.fail("Dovecot is required in CI but /usr/sbin/dovecot is missing (apt-get install dovecot-imapd)")
        pytest.skip("dovecot not installed (apt-get install dovecot-imapd)")
    # not under pytest's temp folder: that is private to us (0700), and as root the mail
    # processes run as another user
    root = Path(tempfile.mkdtemp(prefix="kaoping-dovecot-"))
    os.chmod(root, 0o755)
    server = start_dovecot(root)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class MailAccount:
    host: str
    port: int
    user: str
    password: str

    def client(self):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted(self.host, self.port).login(self.user, self.password)

    def append(self, message: email.message.EmailMessage, folder: str = "INBOX") -> None:
        """Deliver a message the way the server would: appended to the folder."""
        with self.client() as box:
            box.append(message.as_bytes(policy=policy.SMTP), folder)

    def subjects(self, folder: str) -> list[str]:
        with self.client() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            return [m.subject for m in box.fetch("ALL", mark_seen=False)]


@pytest.fixture
def mail_account(dovecot_server: Dovecot) -> MailAccount:
    """A mailbox of its own on the session's Dovecot."""
    user, password = dovecot_server.add_user()
    return MailAccount("127.0.0.1", dovecot_server.port, user, password)


class SmtpInbox:
    """An aiosmtpd handler that keeps messages, or answers with `replies` (one per DATA, then 250)."""

    def __init__(self, replies: list[str] | None = None):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.replies = list(replies or [])

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.raw.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """start(replies=None) → (SmtpInbox, port): an SMTP server on loopback, stopped afterwards."""
    from aiosmtpd.controller import Controller

    servers = []

    def start(replies: list[str] | None = None) -> tuple[SmtpInbox, int]:
        handler, port = SmtpInbox(replies), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return handler, port

    yield start
    for controller in servers:
        controller.stop()


def department_mail(sender: str, subject: str, attachments: list[tuple[str, bytes]],
                    when: str = "Mon, 13 Oct 2025 09:30:00 +0800", message_id: str | None = None
                    ) -> email.message.EmailMessage:
    """A message as Foxmail or Outlook send it: text and HTML bodies (multipart/alternative), then
    attachments whose Chinese names the email package encodes per RFC 2231."""
    from email.utils import make_msgid

    msg = email.message.EmailMessage()
    msg["From"] = f"市公安局办公室 <{sender}>"
    msg["To"] = "pingan@example.cn"
    msg["Subject"] = subject
    msg["Date"] = when
    msg["Message-ID"] = message_id or make_msgid(domain="example.cn")
    msg.set_content("平安办：\n\n附件是本季度数据，请查收。\n\n市公安局")
    msg.add_alternative("<p>平安办：</p><p>附件是本季度数据，请查收。</p><p>市公安局</p>", subtype="html")
    for name, data in attachments:
        maintype, subtype = ("application", "zip") if name.endswith(".zip") else \
            ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg
