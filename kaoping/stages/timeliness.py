"""报送时限 wired to a workspace (SPEC §10): each department's deadline for a period, the
department × period states that status, the workbooks and the intake artifact show, and the
completeness gate (数据不完整): which source departments a period still waits for. `completeness` is
the one place that decides; distribution, the workbook marks and `kaoping status` ask it.

The rules themselves are the pure functions of kaoping.scoring.deadlines; this module only finds
their inputs (catalogs, `[deadlines]` overrides, the office's time zone, the warehouse).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from kaoping.stages.resources import Resources
from kaoping.scoring.deadlines import (Completeness, DepartmentState, Timeliness, awaited_departments,
                                       deadline_date, deadline_passed, timeliness)
from kaoping.scoring.periods import Period
from kaoping.warehouse.models import Submission


def local_date(res: Resources, when: datetime) -> date:
    """The office's calendar date of an instant (schedule time zone, Asia/Shanghai by default)."""
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(res.settings.schedule.timezone)).date()


def today(res: Resources, now: datetime | None = None) -> date:
    return local_date(res, now or datetime.now(timezone.utc))


def expected_departments(res: Resources, period: str) -> list[str]:
    """The departments that source an indicator of a catalog of the period's year."""
    return sorted({ind.source for catalog in res.catalogs_for(period) for ind in catalog.collected()})


def deadline_days(res: Resources, department: str, period: str) -> int | None:
    """`[deadlines] departments` for the department, else the strictest `deadline_days` of the
    period's catalogs it sends to; None: no deadline."""
    override = res.settings.deadlines.departments.get(department)
    if override is not None:
        return override
    days = [c.deadline_days for c in res.catalogs_for(period)
            if c.deadline_days is not None and c.collected(department)]
    return min(days) if days else None


def deadline_of(res: Resources, department: str, period: str) -> date | None:
    days = deadline_days(res, department, period)
    return None if days is None else deadline_date(period, days)


def period_deadline_passed(res: Resources, period: str, now: datetime | None = None) -> bool:
    """True when the deadline of every department expected for the period has passed (for the
    completeness gate: after it, outputs go out with the missing departments named 缺报)."""
    departments = expected_departments(res, period)
    days = [deadline_days(res, d, period) for d in departments]
    return bool(days) and all(deadline_passed(period, d, today(res, now)) for d in days)


def file_timeliness(res: Resources, department: str | None, period: str | None,
                    received_at: datetime) -> Timeliness | None:
    """One file's own lateness (stored on its submission), None without a deadline."""
    if not department or not period:
        return None
    deadline = deadline_of(res, department, period)
    if deadline is None:
        return None
    return timeliness(deadline, local_date(res, received_at), local_date(res, received_at))


def first_accepted(res: Resources, period: str) -> dict[str, datetime]:
    """Department → received time of its first file for the period that was accepted (a
    superseded file was accepted once)."""
    stmt = (select(Submission.department_code, Submission.received_at)
            .where(Submission.period == period, Submission.status.in_(("accepted", "superseded")))
            .order_by(Submission.received_at))
    out: dict[str, datetime] = {}
    with res.warehouse.reading() as session:
        for code, received in session.execute(stmt):
            out.setdefault(code, received)
    return out


def department_states(res: Resources, period: str, now: datetime | None = None) -> list[DepartmentState]:
    """Every department expected for the period (and any other that sent a file), with its state."""
    first = first_accepted(res, period)
    names = dict(zip(res.registry.departments["code"], res.registry.departments["name"]))
    day = today(res, now)
    out = []
    for code in sorted(set(expected_departments(res, period)) | set(first)):
        deadline = deadline_of(res, code, period)
        received = first.get(code)
        state = timeliness(deadline, local_date(res, received) if received else None, day)
        out.append(DepartmentState(code, names.get(code, code), deadline, received, state))
    return out


def states_frame(states: list[DepartmentState]) -> pd.DataFrame:
    return pd.DataFrame([{"department_code": s.code, "department_name": s.name, "deadline": s.deadline,
                          "first_received": s.first_received, "state": s.label} for s in states])


def period_label(period: str) -> str:
    return Period.parse(period).label


def accepted_departments(res: Resources, period: str) -> set[str]:
    """The departments with an accepted file for the period."""
    with res.warehouse.reading() as session:
        return set(session.scalars(select(Submission.department_code).where(
            Submission.period == period, Submission.status == "accepted").distinct()))


def completeness(res: Resources, period: str) -> Completeness:
    """Whether the period's outputs may be distributed, and whom it waits for."""
    missing = awaited_departments(set(expected_departments(res, period)), accepted_departments(res, period))
    names = res.registry.departments.set_index("code")["name"].to_dict()
    passed = bool(missing) and period_deadline_passed(res, period)
    return Completeness(period, tuple(missing), tuple(names.get(code, code) for code in missing), passed)
