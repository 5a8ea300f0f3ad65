"""Mailbox intake against a real Dovecot on loopback: messages built as mail clients send them."""
from __future__ import annotations

import io
import os
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from tests.sources.intake_kit import GOOD_ROWS, HEADER, make_workspace, write_xlsx
from sqlalchemy import select

from kaoping.core.config import MailboxSettings
from kaoping.stages.mailbox import pull_mailbox
from kaoping.sources.mailbox import ImapMailbox
from kaoping.warehouse.models import MailAttachment, MailMessage
from mail_servers import department_mail, dovecot_server, free_port, mail_account  # noqa: F401  (fixtures)

GA_SENDER = "ga-office@example.cn"
DEPARTMENTS = f"code,name,aliases,email\nGA,公安局,市公安局,{GA_SENDER}|GA2@example.cn\nSF,司法局,市司法局,sf@example.cn\n"


def _workbook(tmp_path: Path, rows=GOOD_ROWS) -> bytes:
    return write_xlsx(tmp_path / "made" / "f.xlsx", [HEADER, *rows]).read_bytes()


@pytest.fixture
def mail_res(tmp_path: Path, mail_account):
    res = make_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'warehouse.db'}")
    (res.workspace / "departments.csv").write_text(DEPARTMENTS, encoding="utf-8")
    res.settings.mailbox = MailboxSettings(host=mail_account.host, port=mail_account.port, tls="none",
                                           user=mail_account.user, password_env="KP_TEST_MAILBOX_PW")
    os.environ["KP_TEST_MAILBOX_PW"] = mail_account.password
    yield res
    os.environ.pop("KP_TEST_MAILBOX_PW", None)
    res.close()


def _messages(res) -> list[MailMessage]:
    with res.warehouse.session() as session:
        return list(session.scalars(select(MailMessage).order_by(MailMessage.id)))


def test_a_department_message_is_saved_under_its_folder_with_the_received_time_and_moved(
        mail_res, mail_account, tmp_path):
    data = _workbook(tmp_path)
    mail_account.append(department_mail("GA-Office@example.cn", "公安局2025年三季度数据",
                                        [("公安局_2025Q3.xlsx", data)]))
    report = pull_mailbox(mail_res)
    saved = mail_res.settings.inbox_dir / "GA" / "公安局_2025Q3.xlsx"
    assert report.saved == [saved] and report.down is None
    assert saved.read_bytes() == data
    assert datetime.fromtimestamp(saved.stat().st_mtime, timezone.utc) == datetime(2025, 10, 13, 1, 30, tzinfo=timezone.utc)
    assert mail_account.subjects("INBOX") == []
    assert mail_account.subjects("kaoping-processed") == ["公安局2025年三季度数据"]
    [row] = _messages(mail_res)
    assert (row.status, row.department_code, row.sender) == ("taken", "GA", "ga-office@example.cn")
    assert row.moved_at is not None


def test_a_second_pull_takes_nothing_again_even_when_the_message_is_put_back(mail_res, mail_account, tmp_path):
    msg = department_mail(GA_SENDER, "三季度", [("公安局_2025Q3.xlsx", _workbook(tmp_path))])
    mail_account.append(msg)
    pull_mailbox(mail_res)
    mail_account.append(msg)  # someone moves it back (same Message-ID)
    again = pull_mailbox(mail_res)
    assert again.saved == [] and mail_account.subjects("INBOX") == []
    with mail_res.warehouse.session() as session:
        assert session.query(MailAttachment).count() == 1


def test_unknown_senders_and_messages_without_spreadsheets_stay_and_are_recorded(mail_res, mail_account):
    mail_account.append(department_mail("stranger@example.com", "数据", [("公安局_2025Q3.xlsx", b"PK")]))
    mail_account.append(department_mail(GA_SENDER, "只有文字", [("说明.docx", b"doc")]))
    report = pull_mailbox(mail_res)
    assert report.saved == [] and len(report.left) == 2
    assert sorted(mail_account.subjects("INBOX")) == ["只有文字", "数据"]
    assert {(m.sender, m.status) for m in _messages(mail_res)} == {("stranger@example.com", "unknown_sender"),
                                                                   (GA_SENDER, "no_spreadsheet")}
    pull_mailbox(mail_res)  # seen again: still one row each
    assert len(_messages(mail_res)) == 2


class _GbkZipInfo(zipfile.ZipInfo):
    """A member named the way Windows' Chinese zip tools name it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _zip(members: dict[str, bytes], utf8_names: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = (zipfile.ZipInfo if utf8_names else _GbkZipInfo)(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def test_spreadsheets_inside_a_zip_with_gbk_member_names_are_taken(mail_res, mail_account, tmp_path):
    data = _workbook(tmp_path)
    archive = _zip({"报表/公安局_2025Q3.xlsx": data, "说明.txt": b"x"}, utf8_names=False)
    mail_account.append(department_mail(GA_SENDER, "压缩包", [("三季度数据.zip", archive)]))
    report = pull_mailbox(mail_res)
    assert report.saved == [mail_res.settings.inbox_dir / "GA" / "公安局_2025Q3.xlsx"]


def test_a_zip_bomb_is_stopped_from_the_stream_and_the_message_left(mail_res, mail_account):
    bomb = _zip({"公安局_2025Q3.xlsx": b"\0" * 60_000_000})  # 60 MB of zeros: a few dozen kB zipped
    mail_account.append(department_mail(GA_SENDER, "炸弹", [("数据.zip", bomb)]))
    report = pull_mailbox(mail_res)
    assert report.saved == [] and "压缩炸弹" in report.left[0][1]
    assert mail_account.subjects("INBOX") == ["炸弹"]


def test_path_tricks_and_raw_gbk_names_become_safe_base_names(mail_res, mail_account, tmp_path):
    data = _workbook(tmp_path)
    msg = department_mail(GA_SENDER, "路径", [("../../../etc/公安局_2025Q3.xlsx", data)])
    raw = msg.as_bytes()
    gbk = department_mail(GA_SENDER, "GBK", [("placeholder.xlsx", data)]).as_bytes()
    # Chinese mail clients put the name as raw GBK bytes in the header, no RFC 2047/2231 at all
    gbk = gbk.replace(b"filename=\"placeholder.xlsx\"", b"filename=\"" + "司法局_2025Q3.xlsx".encode("gbk") + b"\"")
    gbk = gbk.replace(b"filename=placeholder.xlsx", b"filename=\"" + "司法局_2025Q3.xlsx".encode("gbk") + b"\"")
    with mail_account.client() as box:
        box.append(raw, "INBOX")
        box.append(gbk, "INBOX")
    report = pull_mailbox(mail_res)
    inbox = mail_res.settings.inbox_dir
    assert sorted(p.relative_to(inbox).as_posix() for p in report.saved) == ["GA/公安局_2025Q3.xlsx",
                                                                             "GA/司法局_2025Q3.xlsx"]
    assert not (mail_res.workspace.parent / "etc").exists()


def test_an_attachment_over_the_size_limit_is_not_taken(mail_res, mail_account):
    mail_res.settings.intake.max_file_mb = 0.5
    mail_account.append(department_mail(GA_SENDER, "大文件", [("公安局_2025Q3.xlsx", os.urandom(800_000))]))
    report = pull_mailbox(mail_res)
    assert report.saved == [] and mail_account.subjects("INBOX") == ["大文件"]
    assert _messages(mail_res)[0].status in ("too_large", "no_spreadsheet")


def test_a_mailbox_that_is_down_is_a_warning_not_an_error(mail_res):
    mail_res.settings.mailbox.port = free_port()  # nothing listens there
    report = pull_mailbox(mail_res)
    assert report.saved == [] and "无法连接" in report.down


def test_a_wrong_password_is_reported_as_down(mail_res):
    os.environ["KP_TEST_MAILBOX_PW"] = "wrong"
    report = pull_mailbox(mail_res)
    assert report.down and "无法连接" in report.down


def test_the_processed_folder_is_created_when_missing(mail_res, mail_account):
    mail_res.settings.mailbox.processed_folder = "已处理"
    with ImapMailbox(mail_res.settings.mailbox) as box:
        assert box.listed() == []
    with mail_account.client() as client:
        assert client.folder.exists("已处理")
