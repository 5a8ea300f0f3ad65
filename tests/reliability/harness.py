"""The fault-matrix harness: a small demo workspace, `kaoping` in a subprocess with a fault armed,
and snapshots of the warehouse and the output folders to compare with a clean run's."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
KAOPING = [str(ROOT / ".venv" / "bin" / "kaoping")] if (ROOT / ".venv" / "bin" / "kaoping").exists() \
    else [sys.executable, "-m", "kaoping"]
PERIOD = "2025Q1"
SEED = 11
RUN_TIMEOUT_S = 900
RUN_STAMP = re.compile(r"评分批次 \d+|发布 \d{4}-\d\d-\d\d \d\d:\d\d")


def build_workspace(folder: Path) -> Path:
    """The demo city with one quarter of submissions (accepted, messy, superseded and rejected files)."""
    from kaoping.demo import DEMO_PROFILES, demo_files, generate_submissions
    from kaoping.cli.init import init_workspace
    from kaoping.sources.catalogs import load_catalogs
    from kaoping.sources.registry import Registry

    init_workspace(folder)
    for name, text in demo_files().items():
        # one quarter only: without the combined year (tests/flows/test_rules_e2e.py has it), what
        # the stages publish for the quarter and what a nightly run publishes are the same
        (folder / name).write_text(re.sub(r"(?m)^  combine: .*\n", "", text), encoding="utf-8")
    registry = Registry.load(folder)
    catalogs = load_catalogs(folder / "catalog", set(registry.departments["code"]))
    generate_submissions(folder, registry, catalogs, [PERIOD], seed=SEED, profiles=DEMO_PROFILES)
    return folder


def copy_workspace(template: Path, folder: Path) -> Path:
    """A fresh copy (modification times kept: they are the files' received_at)."""
    shutil.copytree(template, folder)
    return folder


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    def __str__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"


def kaoping_env(prefect_home: Path, fault: str | None = None) -> dict[str, str]:
    """The subprocess environment: a private Prefect home, no server URL, the fault (if any)."""
    env = {k: v for k, v in os.environ.items() if k not in ("KAOPING_FAULT", "PREFECT_API_URL")}
    env.update({"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
                "COLUMNS": "200", "KAOPING_FAULT_SLEEP_S": "30"})
    if fault:
        env["KAOPING_FAULT"] = fault
    return env


def start(ws: Path, db_url: str, *args: str, fault: str | None = None) -> subprocess.Popen:
    """`kaoping -w WS --db URL ARGS` started in its own process group, its output going to temp files.

    Not pipes: a Prefect server the command started would hold them open after a kill -9.
    """
    logs = (tempfile.TemporaryFile("w+", encoding="utf-8"), tempfile.TemporaryFile("w+", encoding="utf-8"))
    proc = subprocess.Popen([*KAOPING, "-w", str(ws), "--db", db_url, *args], cwd=ws,
                            env=kaoping_env(ws.parent / "prefect", fault), stdout=logs[0], stderr=logs[1],
                            start_new_session=True)
    proc.logs = logs
    return proc


def finish(proc: subprocess.Popen) -> Outcome:
    """Wait for the command, then kill whatever it left behind (e.g. an orphaned Prefect server)."""
    try:
        proc.wait(timeout=RUN_TIMEOUT_S)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    texts = []
    for log in proc.logs:
        log.seek(0)
        texts.append(log.read())
        log.close()
    return Outcome(proc.returncode, *texts)


def kaoping(ws: Path, db_url: str, *args: str, fault: str | None = None) -> Outcome:
    return finish(start(ws, db_url, *args, fault=fault))


def stages(ws: Path, db_url: str) -> list[Outcome]:
    """The stages one after the other, as an analyst runs them: ingest, score, publish."""
    return [kaoping(ws, db_url, "ingest"), kaoping(ws, db_url, "score", "--period", PERIOD),
            kaoping(ws, db_url, "publish", "--period", PERIOD)]


def _rows(session, query) -> list[tuple]:
    return [tuple(r) for r in session.execute(query).all()]


def warehouse_state(db_url: str) -> dict[str, object]:
    """What must match a clean run: submissions by file hash, values, the latest published ranking."""
    from kaoping.warehouse.engine import Warehouse
    from kaoping.warehouse.models import FactRanking, FactScore, FactValue, ScoreRun, Submission

    wh = Warehouse(db_url, migrate=False)
    try:
        with wh.session() as s:
            values = _rows(s, select(Submission.sha256, FactValue.unit_code, FactValue.indicator_code,
                                     FactValue.period, FactValue.value, FactValue.raw_text, FactValue.cell)
                           .join(Submission, Submission.id == FactValue.submission_id))
            published = _rows(s, select(ScoreRun.catalog_code, ScoreRun.period, ScoreRun.id)
                              .where(ScoreRun.status == "published").order_by(ScoreRun.id))
            latest = {(c, p): i for c, p, i in published}
            ranking = _rows(s, select(ScoreRun.catalog_code, ScoreRun.period, FactRanking.unit_code,
                                      FactRanking.total, FactRanking.rank, FactRanking.grade,
                                      FactRanking.is_vetoed, FactRanking.rank_change)
                            .join(ScoreRun, ScoreRun.id == FactRanking.run_id)
                            .where(FactRanking.run_id.in_(latest.values())))
            scores = _rows(s, select(FactScore.run_id, FactScore.unit_code, FactScore.indicator_code,
                                     FactScore.score).where(FactScore.run_id.in_(latest.values())))
            submissions = _rows(s, select(Submission.sha256, Submission.status, Submission.department_code,
                                          Submission.period, Submission.value_count))
    finally:
        wh.dispose()
    run_key = {i: k for k, i in latest.items()}
    return {"submissions": sorted(submissions, key=repr),
            "values": Counter((*r[:4], r[4] if r[4] is None else round(r[4], 9), *r[5:]) for r in values),
            "published_runs": Counter((c, p) for c, p, _ in published),
            "ranking": sorted(((*r[:3], round(r[3], 9), *r[4:]) for r in ranking), key=repr),
            "scores": sorted(((*run_key[r[0]], *r[1:3], r[3] if r[3] is None else round(r[3], 9))
                              for r in scores), key=repr)}


def distribution_rows(db_url: str) -> list[tuple]:
    """(recipient, email, file name, sha256, status) of every distribution row of the outputs (the
    报送 cycle's 回执/退回/催报 have their own once-only cases: tests/reliability/test_mail_faults.py)."""
    from kaoping.warehouse.engine import Warehouse
    from kaoping.warehouse.models import Distribution

    wh = Warehouse(db_url, migrate=False)
    try:
        with wh.session() as s:
            rows = _rows(s, select(Distribution.recipient, Distribution.email, Distribution.file_path,
                                   Distribution.sha256, Distribution.status).where(Distribution.kind == "outputs"))
    finally:
        wh.dispose()
    return [(r, e, Path(f).name, h, st) for r, e, f, h, st in rows]


def visible_files(folder: Path) -> list[Path]:
    """Files a reader would take (hidden files, e.g. an interrupted write's `.xxx.tmp`, excluded)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def broken_workbooks(folder: Path) -> list[str]:
    """Visible .xlsx files under `folder` that do not open, and visible temp files."""
    broken = [str(p) for p in visible_files(folder) if p.suffix == ".tmp"]
    for path in visible_files(folder):
        if path.suffix == ".xlsx":
            try:
                load_workbook(path, read_only=True).close()
            except Exception as exc:  # any failure to open is what a reader would see
                broken.append(f"{path}: {type(exc).__name__}")
    return broken


def _without_run_stamp(value: object) -> object:
    """A cell with the run id and publication time masked (they differ between any two runs)."""
    return RUN_STAMP.sub("…", value) if isinstance(value, str) else value


def first_sheet_values(path: Path) -> list[tuple]:
    """The cell values of a workbook's first sheet (run id and publication time masked)."""
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(map(_without_run_stamp, row)) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def document_text(path: Path) -> list[str]:
    """A Word document's paragraphs and table cells (run id and publication time masked): its bytes
    carry the time it was written."""
    from docx import Document

    doc = Document(str(path))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return [_without_run_stamp(text) for text in [p.text for p in doc.paragraphs] + cells]


def message_text(path: Path) -> tuple[str, str]:
    """A saved message's subject and body (its Date, Message-ID and file-name stamp differ per run)."""
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    return str(msg["Subject"]), msg.get_body(("plain",)).get_content()


def outputs_state(ws: Path) -> dict[str, object]:
    """The output and outbox files by relative path; workbooks by their first sheet's values, Word
    documents by their text, saved messages (named `<time>_<subject>.eml`) by subject and body."""
    state: dict[str, object] = {}
    for base in ("out", "outbox"):
        for path in visible_files(ws / base):
            key = f"{base}/{path.relative_to(ws / base).as_posix()}"
            if path.suffix == ".eml" and "【催报】" in path.name:
                continue  # reminders depend on the day, and a nightly run sends them where the stages do not
            if path.suffix == ".eml":
                key = re.sub(r"/\d{8}T\d+Z_([^/]*)$", r"/\1", key)
                state.setdefault(key, []).append(message_text(path))
            elif path.suffix == ".xlsx":
                state[key] = first_sheet_values(path)
            elif path.suffix == ".docx":
                state[key] = document_text(path)
            else:
                state[key] = path.read_bytes()
    return state


def sent_twice(db_url: str) -> list[tuple]:
    """(recipient, email, sha256) recorded as sent more than once."""
    sent = Counter((r, e, h) for r, e, _, h, st in distribution_rows(db_url) if st == "sent")
    return [k for k, n in sent.items() if n > 1]


def half_loaded(db_url: str) -> list[str]:
    """Files whose stored values are not exactly the count their submission row announces."""
    from sqlalchemy import func

    from kaoping.warehouse.engine import Warehouse
    from kaoping.warehouse.models import FactValue, Submission

    wh = Warehouse(db_url, migrate=False)
    try:
        with wh.session() as s:
            rows = s.execute(select(Submission.file_name, Submission.value_count, func.count(FactValue.id))
                             .outerjoin(FactValue, FactValue.submission_id == Submission.id)
                             .group_by(Submission.id, Submission.file_name, Submission.value_count)).all()
    finally:
        wh.dispose()
    return [name for name, announced, stored in rows if announced != stored]


class SmtpSink:
    """A loopback SMTP server that counts what each address received: (email, file name, sha256)."""

    def __init__(self):
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.received: Counter[tuple[str, str, str]] = Counter()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        import email
        import hashlib
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        for part in message.iter_attachments():
            digest = hashlib.sha256(part.get_payload(decode=True)).hexdigest()
            for rcpt in envelope.rcpt_tos:
                self.received[(rcpt, part.get_filename(), digest)] += 1
        return "250 OK"

    def configure(self, ws: Path) -> None:
        """Point the workspace's [smtp] section at this server."""
        toml = (ws / "kaoping.toml").read_text(encoding="utf-8")
        section = f'[smtp]\nhost = "127.0.0.1"\nport = {self.port}\nsecurity = "none"\nsender = "pab@example.cn"\n' \
                  'timeout_s = 10\nretries = 1\n'
        (ws / "kaoping.toml").write_text(toml.split("[smtp]")[0] + section, encoding="utf-8")

    def duplicates(self) -> dict[tuple[str, str, str], int]:
        return {k: n for k, n in self.received.items() if n > 1}
