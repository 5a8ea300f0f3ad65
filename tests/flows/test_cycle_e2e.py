"""The 报送 cycle end to end (SPEC §10): real Dovecot (IMAP) and aiosmtpd (SMTP) on loopback.

A department mails a file → the next run takes it → the sender gets a 回执; a bad file → the sender
gets the 问题清单; a corrected resubmission supersedes; nothing is taken twice; a mailbox that is
down is a warning while the folder inbox still runs; reminders go out on the right days, once.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from kaoping.flows.pipeline import nightly
from kaoping.stages.receipts import send_receipts
from kaoping.stages.reminders import send_reminders
from kaoping.stages.intake import ingest
from kaoping.warehouse.models import Distribution, Submission
from mail_servers import department_mail, dovecot_server, free_port, mail_account, smtp_server  # noqa: F401

GA = "ga-office@example.cn"
CHINA = timezone(timedelta(hours=8))
GOOD = "单位,破案率\n甲县,95\n乙县,90\n丙县,80\n丁县,70\n"
BAD = "单位,破案率\n甲县,95\n乙县,九十\n丙县,180\n丁县,70\n"


@pytest.fixture
def cycle(tiny, mail_account, smtp_server, monkeypatch):
    """The tiny workspace with a mailbox, an SMTP server, sender addresses and a 10-day deadline."""
    smtp, port = smtp_server()
    root = tiny.root
    (root / "departments.csv").write_text(f"code,name,aliases,email\nGA,市公安局,公安局,{GA}\n"
                                          "SF,市司法局,司法局,sf@example.cn\n", encoding="utf-8")
    (root / "recipients.csv").write_text("recipient,name,email\nleaders,市平安办,\nSF,市司法局,sf-boss@example.cn\n",
                                         encoding="utf-8")
    for path in (root / "catalog").glob("sample-*.yaml"):
        path.unlink()  # init's sample catalog sources departments this workspace does not have
    for path in (root / "catalog").glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("  full_marks: 100\n",
                                                                  "  full_marks: 100\n  deadline_days: 10\n"),
                        encoding="utf-8")
    (root / "kaoping.toml").write_text(
        f'[mailbox]\nhost = "{mail_account.host}"\nport = {mail_account.port}\ntls = "none"\n'
        f'user = "{mail_account.user}"\npassword_env = "KP_CYCLE_PW"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsender = "pingan@example.cn"\n'
        'retries = 0\ntimeout_s = 5\n', encoding="utf-8")
    monkeypatch.setenv("KP_CYCLE_PW", mail_account.password)
    tiny.smtp = smtp
    return tiny


def _subjects(smtp) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages]


def _run(tiny):
    res = tiny.resources()
    try:
        report = ingest(res)
        return report, send_receipts(res)
    finally:
        res.close()


def test_a_mailed_file_is_taken_by_the_next_run_and_the_sender_gets_a_receipt(cycle, mail_account):
    mail_account.append(department_mail("GA-Office@example.cn", "公安局三季度数据",
                                        [("公安局_2025Q3.csv", GOOD.encode("gbk"))],
                                        when="Fri, 10 Oct 2025 09:30:00 +0800"))
    summary = nightly(workspace=str(cycle.root), database_url=cycle.database_url)
    assert [o.status for o in summary.outcomes] == ["accepted"] and "2025Q3" in summary.runs
    [receipt] = [m for m in cycle.smtp.messages if str(m["Subject"]).startswith("【回执】")]
    assert any(str(m["Subject"]).startswith("【催报】") for m in cycle.smtp.messages)  # SF owes 2025
    assert receipt["To"].addresses[0].addr_spec == "ga-office@example.cn"
    assert str(receipt["Subject"]).startswith("【回执】市公安局2025年第三季度报送数据已接收")
    body = receipt.get_body(("plain",)).get_content()
    assert "采用单位：4 个" in body and "A1 破案率" in body and "本次报送按时" in body
    assert mail_account.subjects("kaoping-processed") == ["公安局三季度数据"]
    sent = len(cycle.smtp.messages)
    again = nightly(workspace=str(cycle.root), database_url=cycle.database_url)
    assert again.outcomes == [] and len(cycle.smtp.messages) == sent
    res = cycle.resources()
    with res.warehouse.session() as session:
        sub = session.scalar(select(Submission))
        assert (sub.timeliness, sub.days_late, sub.receipt_pending) == ("on_time", 0, False)
        kinds = session.scalars(select(Distribution.kind).where(Distribution.kind.in_(("receipt", "return")))).all()
    res.close()
    assert kinds == ["receipt"]


def test_a_bad_file_returns_to_its_sender_with_the_problem_list_then_a_correction_supersedes(cycle, mail_account):
    mail_account.append(department_mail(GA, "三季度", [("公安局_2025Q3.csv", BAD.encode())],
                                        when="Mon, 13 Oct 2025 09:00:00 +0800"))
    report, sent = _run(cycle)
    assert [o.status for o in report.outcomes] == ["rejected"] and [s.kind for s in sent] == ["return"]
    [returned] = cycle.smtp.messages
    assert str(returned["Subject"]).startswith("【退回】市公安局2025年第三季度报送文件未通过校验")
    body = returned.get_body(("plain",)).get_content()
    assert "九十" in body and "180" in body and "问题清单见附件" in body
    [attachment] = list(returned.iter_attachments())
    assert attachment.get_filename() == "公安局_2025Q3_问题清单.xlsx"
    assert re.search(rb"filename\*(0\*)?=utf-8''", cycle.smtp.raw[0])  # RFC 2231, as sent
    assert attachment.get_content()[:2] == b"PK"
    mail_account.append(department_mail(GA, "三季度（修改后）", [("公安局_2025Q3.csv", GOOD.encode())],
                                        when="Wed, 15 Oct 2025 09:00:00 +0800"))
    mail_account.append(department_mail(GA, "三季度（再次更正）", [("公安局_2025Q3（更正）.csv",
                                                              GOOD.replace("70", "72").encode())],
                                        when="Thu, 16 Oct 2025 09:00:00 +0800"))
    report, sent = _run(cycle)
    assert [o.status for o in report.outcomes] == ["accepted", "accepted"]
    last = cycle.smtp.messages[-1].get_body(("plain",)).get_content()
    # the first mailed name was taken by the rejected file in inbox/GA/: the correction kept its hash
    assert re.search(r"本文件替代你单位此前于 2025-10-15 09:00 报送的《公安局_2025Q3-[0-9a-f]{8}\.csv》", last)
    assert "迟报 6 天" in last, last  # due 2025-10-10
    assert _run(cycle)[1] == []  # each file answered once


def test_a_mailbox_that_is_down_warns_and_the_folder_inbox_still_runs(cycle):
    toml = cycle.root / "kaoping.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace(text.split("port = ")[1].split("\n")[0], str(free_port()), 1), encoding="utf-8")
    cycle.send("2025Q3", [95, 90, 80, 70], department="司法局")
    report, sent = _run(cycle)
    assert "无法连接" in report.mail.down
    assert [o.status for o in report.outcomes] == ["accepted"]
    [receipt] = cycle.smtp.messages  # a folder file: the department's recipients.csv address
    assert receipt["To"].addresses[0].addr_spec == "sf-boss@example.cn"


def test_without_smtp_receipts_are_saved_whole_as_eml_in_the_outbox(cycle):
    toml = cycle.root / "kaoping.toml"
    toml.write_text(toml.read_text(encoding="utf-8").split("[smtp]")[0] + '[office]\nname = "清河市平安办"\n',
                    encoding="utf-8")
    cycle.send("2025Q3", [95, 90, 80, 70], department="司法局")
    _run(cycle)
    [eml] = (cycle.root / "outbox" / "SF").glob("*.eml")
    msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert str(msg["Subject"]).startswith("【回执】市司法局2025年第三季度")
    body = msg.get_body(("plain",)).get_content()
    assert "\n清河市平安办\n（本邮件由 kaoping 考评系统自动发送。如有疑问，请与清河市平安办联系。）" in body  # signed by [office]


def test_reminders_go_out_before_the_deadline_the_day_after_then_every_three_days_once_each(cycle):
    cycle.send("2025Q3", [95, 90, 80, 70], department="公安局")  # GA has sent; SF owes 2025Q3
    _run(cycle)
    cycle.smtp.messages.clear()
    res = cycle.resources()
    sent_on = {}
    try:
        day = datetime(2025, 10, 1, 8, 0, tzinfo=CHINA)  # deadline 2025-10-10
        while day < datetime(2025, 10, 25, tzinfo=CHINA):
            for _ in range(2):  # a second run the same day sends nothing
                for o in send_reminders(res, now=day):
                    assert o.status == "sent"
                    if o.period == "2025Q3":  # 2025Q1 and Q2 are owed too (nothing came for them)
                        sent_on.setdefault(o.recipient, []).append(f"{day:%m-%d}")
            day += timedelta(days=1)
    finally:
        res.close()
    assert sent_on == {"SF": ["10-07", "10-11", "10-14", "10-17", "10-20", "10-23"]}
    first = next(m for m in cycle.smtp.messages if "第三季度" in str(m["Subject"]))
    assert str(first["Subject"]) == "【催报】请报送2025年第三季度平安建设考评数据（市司法局）"
    assert first["To"].addresses[0].addr_spec == "sf-boss@example.cn"
    body = first.get_body(("plain",)).get_content()
    assert "截止日期为 2025年10月10日（还有 3 天）" in body and "B1 调解成功率" in body
    later = [m for m in cycle.smtp.messages if "第三季度" in str(m["Subject"])][1].get_body(("plain",)).get_content()
    assert "已逾期 1 天" in later


def test_a_department_that_sends_is_reminded_no_more(cycle):
    res = cycle.resources()
    try:
        res.sync_dimensions()
        from kaoping.warehouse.dimensions import ensure_period

        with res.warehouse.write_lock() as session:
            ensure_period(session, "2025Q3")
        assert {o.recipient for o in send_reminders(res, now=datetime(2025, 10, 7, 9, tzinfo=CHINA),
                                                    period="2025Q3")} == {"GA", "SF"}
    finally:
        res.close()
    cycle.send("2025Q3", [95, 90, 80, 70], department="司法局")
    _run(cycle)
    res = cycle.resources()
    try:
        assert {o.recipient for o in send_reminders(res, now=datetime(2025, 10, 11, 9, tzinfo=CHINA),
                                                    period="2025Q3")} == {"GA"}
    finally:
        res.close()


def _cli(capsys, *args: str) -> tuple[int, str]:
    import sys

    from kaoping.cli.main import main

    capsys.readouterr()
    sys.argv = ["kaoping", *args]
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr().out


def test_remind_and_status_on_the_command_line(cycle, mail_account, capsys, monkeypatch):
    from kaoping.cli.app import console

    monkeypatch.setattr(console, "width", 80)
    mail_account.append(department_mail("stranger@example.com", "陌生人的数据", [("公安局_2025Q3.csv", b"x")]))
    cycle.send("2025Q3", [95, 90, 80, 70], department="公安局")
    code, out = _cli(capsys, "-w", str(cycle.root), "--db", cycle.database_url, "ingest")
    assert code == 0 and "邮箱中未接收的邮件 / left in the mailbox: 1" in out and "回执/退回 / receipts：已发送 / sent 1" in out
    code, out = _cli(capsys, "-w", str(cycle.root), "--db", cycle.database_url, "remind", "--period", "2025Q3")
    assert code == 0 and "【催报】请报送2025年第三季度平安建设考评数据（市司法局）" in out
    code, out = _cli(capsys, "-w", str(cycle.root), "--db", cycle.database_url, "remind", "--period", "2025Q3")
    assert code == 0 and "今天没有需要发送的催报" in out  # once
    code, out = _cli(capsys, "-w", str(cycle.root), "--db", cycle.database_url, "status", "--period", "2025Q3")
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    assert "市公安局（GA）" in out and "市司法局（SF）" in out and "缺报" in out and "按时报送率" in out
    assert "stranger@example.com" in out and "发件人未登记" in out and "已发催报" in out
