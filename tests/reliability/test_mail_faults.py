"""The mailbox intake under kill -9 (SPEC §10): `kaoping ingest` dies after saving a message's files,
after recording it, or after sending its 回执; the next run loses no message, takes none twice and
answers each file once. Real Dovecot and aiosmtpd; the process is really killed (KAOPING_FAULT)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mail_servers import department_mail, dovecot_server, mail_account, smtp_server  # noqa: F401

pytestmark = pytest.mark.reliability

GA = "ga-office@example.cn"
UNITS = "code,name,kind,parent,group,aliases,valid_from,valid_to\nU1,甲县,county,,,,,\nU2,乙县,county,,,,,\n"
CATALOG = """catalog:
  code: mini-2025
  name: 2025年度测试考评
  year: 2025
  assessed_kind: county
  deadline_days: 10
  grades: [{name: 合格}]
categories:
  - code: C01
    name: 治安
    points: 100
    indicators:
      - {code: A1, name: 破案率, unit: "%", source: GA, method: threshold, direction: higher_better,
         points: 100, target: 100, floor: 0, range: [0, 100]}
"""


def _workspace(root: Path, account, smtp_port: int) -> Path:
    for name in ("catalog", "inbox", "out", "archive", "outbox"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "units.csv").write_text(UNITS, encoding="utf-8")
    (root / "departments.csv").write_text(f"code,name,aliases,email\nGA,市公安局,公安局,{GA}\n", encoding="utf-8")
    (root / "catalog" / "mini.yaml").write_text(CATALOG, encoding="utf-8")
    (root / "kaoping.toml").write_text(
        f'[mailbox]\nhost = "{account.host}"\nport = {account.port}\ntls = "none"\nuser = "{account.user}"\n'
        f'password_env = "KP_FAULT_PW"\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        'retries = 0\ntimeout_s = 5\n', encoding="utf-8")
    return root


def _ingest(ws: Path, url: str, password: str, fault: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KP_FAULT_PW": password, "KAOPING_DATABASE_URL": url}
    env.pop("KAOPING_FAULT", None)
    if fault:
        env["KAOPING_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "kaoping", "-w", str(ws), "ingest"], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("fault", ["mail-saved", "mail-recorded", "message-sent"])
def test_a_run_killed_mid_mail_loses_nothing_and_takes_nothing_twice(tmp_path, db_url, mail_account, smtp_server,
                                                                     fault):
    smtp, port = smtp_server()
    ws = _workspace(tmp_path / "ws", mail_account, port)
    for k, period in enumerate(("2025Q2", "2025Q3")):
        mail_account.append(department_mail(GA, f"公安局{period}", [(f"公安局_{period}.csv",
                                                                   f"单位,破案率\n甲县,9{k}\n乙县,80\n".encode())]))
    killed = _ingest(ws, db_url, mail_account.password, f"{fault}:kill")
    assert killed.returncode == -9, killed.stderr
    again = _ingest(ws, db_url, mail_account.password, None)
    assert again.returncode == 0, again.stdout + again.stderr
    engine = create_engine(db_url)
    with engine.connect() as conn:
        subs = conn.execute(text("SELECT period, status FROM submission ORDER BY period")).all()
        attachments = conn.execute(text("SELECT count(*) FROM mail_attachment")).scalar()
        receipts = conn.execute(text("SELECT count(*) FROM distribution WHERE kind = 'receipt' "
                                     "AND status = 'sent'")).scalar()
    engine.dispose()
    assert subs == [("2025Q2", "accepted"), ("2025Q3", "accepted")]
    assert attachments == 2 and receipts == 2
    assert sorted(mail_account.subjects("kaoping-processed")) == ["公安局2025Q2", "公安局2025Q3"]
    assert mail_account.subjects("INBOX") == []
    receipt_subjects = [str(m["Subject"]) for m in smtp.messages]
    # a kill right after a send, before it was recorded, may repeat that one receipt (at least once)
    assert len(set(receipt_subjects)) == 2 and len(receipt_subjects) <= 2 + (fault == "message-sent")
