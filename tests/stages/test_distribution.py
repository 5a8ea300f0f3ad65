"""Distribution: outbox folder and a real SMTP server (aiosmtpd) on loopback, failures included."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kaoping.core.config import SmtpSettings
from kaoping.reports.mailer import SmtpMailer
from kaoping.stages.distribution import distribute
from kaoping.stages.publishing import write_outputs
from kaoping.warehouse.models import Distribution
from mail_servers import smtp_server  # noqa: F401  (fixture)

RANKING = "t-county-2025_2025Q3_考评排名.xlsx"
BULLETIN = "t-county-2025_2025Q3_通报.docx"
FILES = 7  # two units × (feedback, ranking) + leaders × (ranking, 通报, rankings.csv)


def _smtp(port: int, retries: int = 2) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", sender="pingan@example.cn",
                        retries=retries, timeout_s=5)


def _rows(res) -> list[Distribution]:
    with res.warehouse.session() as session:
        return list(session.scalars(select(Distribution).order_by(Distribution.id)))


def test_outbox_copies_each_recipients_files_once(published):
    res = published.res
    write_outputs(res, "2025Q3")
    report = distribute(res, "2025Q3")
    outbox = res.workspace / "outbox"
    assert sorted(p.name for p in (outbox / "A01" / "2025Q3").iterdir()) == ["A01_东城区.xlsx", RANKING]
    assert sorted(p.name for p in (outbox / "leaders" / "2025Q3").iterdir()) == ["rankings.csv", RANKING, BULLETIN]
    assert not (outbox / "GA").exists()  # departments get no rankings
    assert report.ok and len(report.sent) == FILES and not report.skipped
    rows = _rows(res)
    assert {(r.recipient, r.channel, r.status, r.email) for r in rows} == {
        ("A01", "outbox", "sent", ""), ("A02", "outbox", "sent", ""), ("leaders", "outbox", "sent", "")}
    feedback = res.workspace / "out" / "2025Q3" / "反馈" / "A01_东城区.xlsx"
    assert hashlib.sha256(feedback.read_bytes()).hexdigest() in {r.sha256 for r in rows}

    again = distribute(res, "2025Q3")
    assert len(again.skipped) == FILES and not again.sent and len(_rows(res)) == FILES

    feedback.write_bytes(feedback.read_bytes() + b"\0")  # a changed file is new content: sent again
    third = distribute(res, "2025Q3")
    assert [(r.recipient, r.path.name) for r in third.sent] == [("A01", "A01_东城区.xlsx")]


def test_smtp_delivers_messages_with_chinese_attachment_names(published, smtp_server):
    inbox, port = smtp_server()
    res = published.res
    write_outputs(res, "2025Q3")
    report = distribute(res, "2025Q3", SmtpMailer(_smtp(port), backoff_s=0.01))
    assert report.ok and len(report.sent) == FILES
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == [
        "dc@example.cn", "leader@example.cn", "xc@example.cn"]
    east = next(m for m in inbox.messages if "dc@example.cn" in str(m["To"]))
    assert east["Subject"] == "2025年第三季度平安建设考评结果"
    assert east["To"].addresses[0].display_name == "东城区平安办"
    assert "东城区平安办：" in east.get_body(("plain",)).get_content()
    attachments = {a.get_filename(): a.get_content() for a in east.iter_attachments()}
    feedback = res.workspace / "out" / "2025Q3" / "反馈" / "A01_东城区.xlsx"
    assert set(attachments) == {"A01_东城区.xlsx", RANKING}
    assert attachments["A01_东城区.xlsx"] == feedback.read_bytes()
    assert {r.channel for r in _rows(res)} == {"smtp"}
    leader = next(m for m in inbox.messages if "leader@example.cn" in str(m["To"]))
    bulletin = res.workspace / "out" / "2025Q3" / "通报" / BULLETIN
    assert {a.get_filename(): a.get_content() for a in leader.iter_attachments()}[BULLETIN] == bulletin.read_bytes()

    again = distribute(res, "2025Q3", SmtpMailer(_smtp(port), backoff_s=0.01))
    assert len(again.skipped) == FILES and len(inbox.messages) == 3


def test_transient_failures_are_retried_then_reported(published, smtp_server):
    inbox, port = smtp_server(["451 4.3.0 try again later"] * 20)
    res = published.res
    write_outputs(res, "2025Q3")
    report = distribute(res, "2025Q3", SmtpMailer(_smtp(port, retries=2), backoff_s=0.01))
    assert not report.ok and len(report.failed) == FILES and not inbox.messages
    assert {r.attempts for r in report.failed} == {3}
    rows = _rows(res)
    assert {r.status for r in rows} == {"failed"} and all("451" in r.error for r in rows)

    inbox.replies.clear()  # the server recovers: nothing counts as sent before, so all go now
    retry = distribute(res, "2025Q3", SmtpMailer(_smtp(port), backoff_s=0.01))
    assert retry.ok and len(retry.sent) == FILES and len(inbox.messages) == 3


def test_one_transient_failure_succeeds_on_the_second_attempt(published, smtp_server):
    inbox, port = smtp_server(["451 4.3.0 busy"])
    write_outputs(published.res, "2025Q3")
    report = distribute(published.res, "2025Q3", SmtpMailer(_smtp(port), backoff_s=0.01))
    assert report.ok
    assert sorted(r.attempts for r in report.sent)[-1] == 2


def test_permanent_rejection_is_not_retried(published, smtp_server):
    _, port = smtp_server(["550 5.7.1 rejected"] * 20)
    write_outputs(published.res, "2025Q3")
    report = distribute(published.res, "2025Q3", SmtpMailer(_smtp(port, retries=3), backoff_s=0.01))
    assert {r.attempts for r in report.failed} == {1} and len(report.failed) == FILES


def test_publish_command_exits_1_when_sending_fails(published, smtp_server):
    from kaoping.cli import commands  # noqa: F401  (registers the commands)
    from kaoping.cli.app import app

    _, port = smtp_server(["550 5.7.1 rejected"] * 20)
    res = published.res
    (res.workspace / "kaoping.toml").write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nretries = 0\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["-w", str(res.workspace), "--db", res.settings.database_url,
                                      "publish", "--period", "2025Q3"])
    assert result.exit_code == 1, result.output
    assert "失败 7 个" in result.output
    assert (res.workspace / "out" / "2025Q3" / "rankings.csv").exists()
