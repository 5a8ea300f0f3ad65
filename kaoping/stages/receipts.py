"""回执、退回 (SPEC §10): every processed file answered once, through the distribution channel.

Accepted: period, units and indicators taken, timeliness, warnings, and the file it replaced.
Rejected: the reasons and the 问题清单 workbook attached. To the sender of the message the file
came in, else the department's addresses in recipients.csv (else its outbox folder).
"""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from kaoping.reports import texts
from kaoping.reports.mailer import Mailer
from kaoping.stages.distribution import (MessageOutcome, mailer_for, message_sent, office_name,
                                         send_department_message)
from kaoping.stages.resources import Resources
from kaoping.scoring.periods import Period
from kaoping.stages.timeliness import deadline_of
from kaoping.warehouse.mail import senders_of
from kaoping.warehouse.models import FactValue, Submission, SubmissionProblem

ITEMS_SHOWN = 20
NAMES_SHOWN = 8


def _names(values: list[str]) -> str:
    shown = "、".join(values[:NAMES_SHOWN])
    return shown + (texts.LIST_MORE if len(values) > NAMES_SHOWN else "")


def _items(messages: list[str]) -> str:
    lines = "".join(texts.ITEM.format(k=k, text=m) for k, m in enumerate(messages[:ITEMS_SHOWN], start=1))
    return lines + (texts.MORE_ITEMS.format(n=len(messages) - ITEMS_SHOWN) if len(messages) > ITEMS_SHOWN else "")


def _local(res: Resources, when) -> str:
    """An instant as the office reads it (the deadlines' time zone)."""
    return when.astimezone(ZoneInfo(res.settings.schedule.timezone)).strftime("%Y-%m-%d %H:%M")


def _department(res: Resources, code: str | None) -> str:
    if code and code in set(res.registry.departments["code"]):
        return res.registry.department_name(code)
    return texts.UNKNOWN_SENDER


def _taken(res: Resources, session, sub: Submission) -> dict:
    """Units and indicators the accepted file's values cover, by name."""
    # each column's distinct values from the database: the (unit, indicator) pairs are every row
    # of the file (16,000 for a province), a tenth of a second per receipt to fetch
    units, indicators = (sorted(session.scalars(select(column).where(FactValue.submission_id == sub.id).distinct()))
                         for column in (FactValue.unit_code, FactValue.indicator_code))
    catalog = res.catalog(sub.catalog_code)
    ind_names = {i.code: i.name for i in catalog.all_indicators()}
    return {"units": len(units), "unit_names": _names([res.registry.unit_names.get(u, u) for u in units]),
            "indicators": len(indicators),
            "indicator_names": _names([f"{i} {ind_names.get(i, '')}".strip() for i in indicators])}


def _deadline_line(res: Resources, sub: Submission) -> str:
    deadline = deadline_of(res, sub.department_code, sub.period)
    if deadline is None or sub.timeliness is None:
        return ""
    state = texts.STATE_LATE.format(days=sub.days_late) if sub.timeliness == "late" else texts.STATE_ON_TIME
    return texts.RECEIPT_DEADLINE.format(deadline=f"{deadline:%Y年%m月%d日}", state=state)


def _receipt(res: Resources, session, sub: Submission, messages: list[str]) -> tuple[str, str, tuple[Path, ...]]:
    department, label = _department(res, sub.department_code), Period.parse(sub.period).label
    body = texts.RECEIPT_BODY.format(department=department, received=_local(res, sub.received_at),
                                     file=sub.file_name, label=label, values=sub.value_count,
                                     **_taken(res, session, sub))
    body += _deadline_line(res, sub)
    for old in session.scalars(select(Submission).where(Submission.superseded_by == sub.id)):
        body += texts.RECEIPT_REPLACES.format(received=_local(res, old.received_at), file=old.file_name)
    if messages:
        body += texts.RECEIPT_WARNINGS.format(n=len(messages), items=_items(messages))
    subject = texts.RECEIPT_SUBJECT.format(department=department, label=label, file=sub.file_name)
    return subject, body + texts.MAIL_FOOTER.format(office=office_name(res)), ()


def _return(res: Resources, sub: Submission, messages: list[str]) -> tuple[str, str, tuple[Path, ...]]:
    department = _department(res, sub.department_code)
    label = Period.parse(sub.period).label if sub.period else ""
    report = res.workspace / sub.problem_report if sub.problem_report else None
    attachments = (report,) if report and report.exists() else ()
    deadline = deadline_of(res, sub.department_code, sub.period) if sub.department_code and sub.period else None
    by = texts.RETURN_BY.format(deadline=f"{deadline:%Y年%m月%d日}") if deadline else ""
    body = texts.RETURN_BODY.format(department=department, received=_local(res, sub.received_at),
                                    file=sub.file_name, n=len(messages), items=_items(messages),
                                    report=report.name if attachments else "—", by=by)
    subject = texts.RETURN_SUBJECT.format(department=department, label=label, file=sub.file_name)
    return subject, body + texts.MAIL_FOOTER.format(office=office_name(res)), attachments


def _recipients(res: Resources, sub: Submission, senders: dict[str, str]) -> list[tuple[str, str]]:
    """The sender of the message the file came in, else the department's recipients.csv rows."""
    if sub.sha256 in senders:
        return [(_department(res, sub.department_code), senders[sub.sha256])]
    return res.registry.department_addresses(sub.department_code) if sub.department_code else []


def send_receipts(res: Resources, mailer: Mailer | None = None) -> list[MessageOutcome]:
    """A 回执 or 退回 for every processed file still owed one; a failed send is retried next run.

    Held under the warehouse's `receipts` lock: two runs at once (nightly and a backfill) must not
    both send one; a run killed between a send and its record sends it again (at least once)."""
    mailer = mailer or mailer_for(res)
    with res.warehouse.named_lock("receipts"):
        with res.warehouse.reading() as session:
            pending = list(session.scalars(select(Submission).where(Submission.receipt_pending.is_(True))
                                           .order_by(Submission.id)))
            senders = senders_of(session, [s.sha256 for s in pending]) if pending else {}
            session.expunge_all()
        return [outcome for sub in pending if (outcome := _answer(res, mailer, sub, senders)) is not None]


def _answer(res: Resources, mailer: Mailer, sub: Submission, senders: dict[str, str]) -> MessageOutcome | None:
    """Send the receipt or return `sub` is owed (None when it went out before) and clear the debt
    once sent."""
    kind = "return" if sub.status == "rejected" else "receipt"
    outcome = None
    if not message_sent(res, kind, sub.sha256):
        with res.warehouse.reading() as session:
            problems = session.execute(select(SubmissionProblem.severity, SubmissionProblem.message)
                                       .where(SubmissionProblem.submission_id == sub.id)
                                       .order_by(SubmissionProblem.id)).all()
            wanted = "error" if kind == "return" else "warning"
            messages = [m for severity, m in problems if severity == wanted]
            subject, body, attachments = (_return(res, sub, messages) if kind == "return"
                                          else _receipt(res, session, sub, messages))
        outcome = send_department_message(res, mailer, kind, sub.department_code or "", _recipients(res, sub, senders),
                                          subject, body, sub.period or "", sub.file_name, sub.sha256, attachments)
        if outcome.status != "sent":
            return outcome
    with res.warehouse.write_lock() as session:
        session.execute(update(Submission).where(Submission.id == sub.id).values(receipt_pending=False))
    return outcome
