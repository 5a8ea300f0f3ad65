"""The distribution stage (SPEC §8): each recipient gets its files by SMTP, or in `outbox/<recipient>/`.

Every file × recipient outcome is recorded in `distribution`; a file already sent to a
recipient address (same SHA-256) is never sent again, and failures are returned, never hidden.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from kaoping.core.faults import fault_point
from kaoping.core.layout import bulletin_path, feedback_path, ranking_path, rankings_csv_path
from kaoping.reports import texts
from kaoping.reports.data import bulletin_due
from kaoping.reports.mailer import Delivery, Mailer, OutboxMailer, SendError, SmtpMailer, compose
from kaoping.scoring.periods import Period
from kaoping.sources.registry import LEADERS
from kaoping.stages.resources import Resources
from kaoping.warehouse import queries
from kaoping.warehouse.models import Distribution
from kaoping.warehouse.versions import run_version


def mailer_for(res: Resources) -> Mailer:
    """SMTP when a host is configured, else the outbox folder."""
    if res.settings.smtp.enabled:
        return SmtpMailer(res.settings.smtp)
    return OutboxMailer(res.settings.outbox_dir, res.settings.smtp.sender or "kaoping@localhost")


@dataclass(frozen=True)
class SendRecord:
    """The outcome for one file × recipient address."""

    recipient: str
    email: str
    path: Path
    sha256: str
    channel: str
    status: str  # sent | failed | skipped (already sent earlier)
    attempts: int = 0
    error: str | None = None


@dataclass
class DistributionReport:
    period: str
    records: list[SendRecord] = field(default_factory=list)

    def _with(self, status: str) -> list[SendRecord]:
        return [r for r in self.records if r.status == status]

    @property
    def sent(self) -> list[SendRecord]:
        return self._with("sent")

    @property
    def failed(self) -> list[SendRecord]:
        return self._with("failed")

    @property
    def skipped(self) -> list[SendRecord]:
        return self._with("skipped")

    @property
    def ok(self) -> bool:
        return not self.failed


def _period_files(res: Resources, period: str) -> tuple[list[Path], dict[str, list[Path]]]:
    """Ranking workbooks and 通报 of the period (the leaders' files), and each ranked unit's files."""
    rankings: list[Path] = []
    bulletins: list[Path] = []
    per_unit: dict[str, list[Path]] = {}
    with res.warehouse.reading() as session:
        for catalog in res.catalogs_for(period):
            run = queries.latest_run(session, catalog.code, period, status="published")
            if run is None:
                continue
            workbook = ranking_path(res.settings.out_dir, catalog.code, period)
            rankings.append(workbook)
            if bulletin_due(run_version(session, run)):
                bulletins.append(bulletin_path(res.settings.out_dir, catalog.code, period))
            for r in queries.ranking_rows(session, run.id).itertuples():
                per_unit.setdefault(r.unit_code, []).extend(
                    [feedback_path(res.settings.out_dir, period, r.unit_code, r.unit_name), workbook])
    return rankings + bulletins, per_unit


def planned_deliveries(res: Resources, period: str, by_email: bool) -> list[Delivery]:
    """Who gets what: a unit its feedback and its catalog's ranking; `leaders` every ranking,
    every 通报 and rankings.csv. Outbox deliveries go once per recipient (`by_email` False)."""
    rankings, per_unit = _period_files(res, period)
    if not rankings:
        return []
    out: dict[tuple[str, str], Delivery] = {}
    for r in res.registry.recipients.itertuples(index=False):
        if r.recipient == LEADERS:
            files = (*rankings, rankings_csv_path(res.settings.out_dir, period))
        elif r.recipient in per_unit:
            files = tuple(per_unit[r.recipient])
        else:
            continue
        email = r.email if by_email else ""
        out.setdefault((r.recipient, email), Delivery(r.recipient, r.name, email, files, period))
    return list(out.values())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _already_sent(res: Resources, delivery: Delivery) -> set[str]:
    with res.warehouse.session() as session:
        return set(session.scalars(select(Distribution.sha256).where(
            Distribution.recipient == delivery.recipient, Distribution.email == delivery.email,
            Distribution.status == "sent")))


def _record(res: Resources, period: str, records: list[SendRecord]) -> None:
    now = datetime.now(timezone.utc)
    with res.warehouse.session() as session:
        for r in records:
            session.add(Distribution(recipient=r.recipient, email=r.email, period=period,
                                     file_path=str(r.path), sha256=r.sha256, channel=r.channel,
                                     status=r.status, attempts=r.attempts, error=r.error, sent_at=now))


def office_name(res: Resources) -> str:
    """The office that signs kaoping's mail: `[office] name`, else 平安办."""
    return res.settings.office.name or texts.OFFICE_DEFAULT


def _deliver(res: Resources, mailer: Mailer, period: str, delivery: Delivery) -> list[SendRecord]:
    """Send the files this address has not had yet; record and return every file's outcome."""
    base = dict(recipient=delivery.recipient, email=delivery.email, channel=mailer.channel)
    missing = [p for p in delivery.files if not p.exists()]
    records = [SendRecord(**base, path=p, sha256="", status="failed",
                          error=texts.SEND_MISSING_FILE.format(path=p)) for p in missing]
    sent_before = _already_sent(res, delivery)
    hashes = {p: _sha256(p) for p in delivery.files if p.exists()}
    records += [SendRecord(**base, path=p, sha256=h, status="skipped") for p, h in hashes.items() if h in sent_before]
    todo = {p: h for p, h in hashes.items() if h not in sent_before}
    if todo:
        label = Period.parse(period).label
        names = "、".join(p.name for p in todo)
        try:
            attempts, status, error = mailer.send(
                Delivery(delivery.recipient, delivery.name, delivery.email, tuple(todo), period),
                texts.MAIL_SUBJECT.format(label=label),
                texts.MAIL_BODY.format(name=delivery.name, label=label, files=names, office=office_name(res))), "sent", None
        except SendError as exc:
            attempts, status, error = exc.attempts, "failed", str(exc)
        records += [SendRecord(**base, path=p, sha256=h, status=status, attempts=attempts, error=error)
                    for p, h in todo.items()]
        fault_point("distribute")
    _record(res, period, [r for r in records if r.status != "skipped"])
    return records


def distribute(res: Resources, period: str, mailer: Mailer | None = None) -> DistributionReport:
    """Send the period's outputs to every recipient that has not had them yet."""
    mailer = mailer or mailer_for(res)
    report = DistributionReport(Period.parse(period).code)
    for delivery in planned_deliveries(res, report.period, by_email=mailer.channel == "smtp"):
        report.records += _deliver(res, mailer, report.period, delivery)
    return report


@dataclass(frozen=True)
class MessageOutcome:
    """One 回执 / 退回 / 催报 sent (or not) to one department."""

    kind: str  # receipt | return | reminder
    recipient: str
    emails: tuple[str, ...]
    subject: str
    channel: str
    status: str  # sent | failed
    period: str = ""
    error: str | None = None


def message_sent(res: Resources, kind: str, sha256: str) -> bool:
    """True when a message of `kind` answering `sha256` (a file's or a reminder key's) went out."""
    with res.warehouse.reading() as session:
        return session.scalar(select(Distribution.id).where(
            Distribution.kind == kind, Distribution.sha256 == sha256, Distribution.status == "sent").limit(1)) is not None


def send_department_message(res: Resources, mailer: Mailer, kind: str, department: str, to: list[tuple[str, str]],
                            subject: str, body: str, period: str, about: str, sha256: str,
                            attachments: tuple[Path, ...] = ()) -> MessageOutcome:
    """Compose, send (SMTP to `to`; the outbox when there is no SMTP or no address) and record one
    message; `about` is the file (or reminder) it concerns, `sha256` its once-only key."""
    to = [(name, addr) for name, addr in to if addr] if mailer.channel == "smtp" else to
    channel = mailer if to or mailer.channel == "outbox" else OutboxMailer(res.settings.outbox_dir, mailer.sender)
    known = department in set(res.registry.departments["code"])
    shown = to or [(res.registry.department_name(department) if known else department or texts.UNKNOWN_SENDER, "")]
    msg = compose(channel.sender, shown, subject, body, attachments)
    try:
        attempts, status, error = channel.send_message(msg, department or "unknown"), "sent", None
    except SendError as exc:
        attempts, status, error = exc.attempts, "failed", str(exc)
    emails = tuple(addr for _, addr in to if addr)
    with res.warehouse.session() as session:
        session.add(Distribution(recipient=department or "", email="|".join(emails) if channel.channel == "smtp" else "",
                                 period=period or "", file_path=about, sha256=sha256, channel=channel.channel,
                                 status=status, attempts=attempts, error=error, sent_at=datetime.now(timezone.utc),
                                 kind=kind, subject=subject))
    fault_point("message-sent")
    return MessageOutcome(kind, department, emails, subject, channel.channel, status, period, error)
