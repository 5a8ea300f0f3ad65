"""催报 (SPEC §10): each department that still owes a file for an open period is reminded
`before_days` before the deadline, the day after it, then every `every_days`; each reminder once.

Open periods: those of the grains the warehouse has seen for a catalog year (a year with 2025Q1
files expects 2025Q2…Q4 too) that have begun, or the one asked for. The time is injected
(`now`), so tests never sleep.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from kaoping.reports import texts
from kaoping.reports.mailer import Mailer
from kaoping.stages.distribution import (MessageOutcome, mailer_for, message_sent, office_name,
                                         send_department_message)
from kaoping.stages.resources import Resources
from kaoping.scoring.deadlines import reminder_due
from kaoping.scoring.periods import Period, period_range, sort_periods
from kaoping.stages.timeliness import deadline_of, expected_departments, first_accepted, today
from kaoping.warehouse.models import DimPeriod

ITEMS_SHOWN = 30


@dataclass(frozen=True)
class DueReminder:
    department: str
    period: str
    key: str  # before | after-0 | after-1 …
    deadline: date

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"reminder|{self.department}|{self.period}|{self.key}".encode()).hexdigest()


def open_periods(res: Resources, day: date) -> list[str]:
    """Periods of the grains seen per catalog year, from the year's first to the last begun by `day`."""
    with res.warehouse.reading() as session:
        seen = session.execute(select(DimPeriod.year, DimPeriod.grain).distinct()).all()
    out: set[str] = set()
    for year, grain in seen:
        if not res.catalogs_for(str(year)):
            continue
        first = Period.from_ordinal(year * {"year": 1, "quarter": 4, "month": 12}[grain], grain)
        last = Period.from_ordinal(first.ordinal + first.per_year - 1, grain)
        out |= {p.code for p in period_range(first.code, last.code) if p.start <= day}
    return sort_periods(sorted(out))


def due_reminders(res: Resources, now: datetime | None = None, period: str | None = None) -> list[DueReminder]:
    """The reminders to send now (not yet sent), per department × open period."""
    day, settings = today(res, now), res.settings.reminders
    due = []
    for code in [period] if period else open_periods(res, day):
        received = first_accepted(res, code)
        for department in expected_departments(res, code):
            deadline = deadline_of(res, department, code)
            if department in received or deadline is None:
                continue
            slot = reminder_due(deadline, day, settings.before_days, settings.every_days, set())
            if slot and not message_sent(res, "reminder", DueReminder(department, code, slot[0], deadline).sha256):
                due.append(DueReminder(department, code, slot[0], deadline))  # the latest one, once
    return due


def _body(res: Resources, reminder: DueReminder, day: date, mailbox: str) -> str:
    name, label = res.registry.department_name(reminder.department), Period.parse(reminder.period).label
    deadline = f"{reminder.deadline:%Y年%m月%d日}"
    if reminder.key == "before":
        body = texts.REMINDER_BEFORE.format(department=name, label=label, deadline=deadline,
                                            days_left=(reminder.deadline - day).days)
    else:
        body = texts.REMINDER_AFTER.format(department=name, label=label, deadline=deadline,
                                           days_late=(day - reminder.deadline).days)
    indicators = {i.code: i for c in res.catalogs_for(reminder.period) for i in c.collected(reminder.department)}
    items = "".join(texts.ITEM.format(k=k, text=f"{i.code} {i.name}（{i.unit or '—'}）")
                    for k, i in enumerate(list(indicators.values())[:ITEMS_SHOWN], start=1))
    short = next(iter(res.registry.departments.set_index("code").loc[reminder.department, "aliases"]), name)
    example = f"{short}_{reminder.period}.xlsx"
    return body + texts.REMINDER_WHAT.format(n=len(indicators), items=items, address=mailbox, example=example) \
        + texts.MAIL_FOOTER.format(office=office_name(res))


def send_reminders(res: Resources, mailer: Mailer | None = None, now: datetime | None = None,
                   period: str | None = None) -> list[MessageOutcome]:
    """Send the reminders due now to each department's recipients.csv addresses (or its outbox)."""
    reminders = due_reminders(res, now, period)
    if not reminders:
        return []
    mailer, day = mailer or mailer_for(res), today(res, now)
    mailbox = res.settings.mailbox.user if res.settings.mailbox.enabled and "@" in res.settings.mailbox.user \
        else office_name(res)
    mailbox = texts.REMINDER_ADDRESS_MAIL.format(address=mailbox) if "@" in mailbox else mailbox
    outcomes = []
    for r in reminders:
        name = res.registry.department_name(r.department)
        subject = texts.REMINDER_SUBJECT.format(label=Period.parse(r.period).label, department=name)
        outcomes.append(send_department_message(res, mailer, "reminder", r.department,
                                                res.registry.department_addresses(r.department), subject,
                                                _body(res, r, day, mailbox), r.period, f"催报 {r.period} {r.key}",
                                                r.sha256))
    return outcomes
