"""报送时限 (SPEC §10): deadlines, timeliness and the reminder schedule, as pure date arithmetic.

Dates are local calendar dates (the office's time zone); a file received on the deadline day is
on time. The completeness gate asks `deadline_passed`; intake, status and the workbooks ask
`timeliness`; reminders ask `reminder_due`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kaoping.scoring.periods import Period

ON_TIME, LATE, MISSING, NOT_DUE = "on_time", "late", "missing", "not_due"
STATE_ZH = {"on_time": "按时", "late": "迟报", "missing": "缺报", "not_due": "未到期"}


def deadline_date(period: Period | str, days: int) -> date:
    """The last day a file for `period` is on time: `days` after the period's last day."""
    p = Period.parse(period) if isinstance(period, str) else period
    return p.end + timedelta(days=days)


def deadline_passed(period: Period | str, days: int | None, today: date) -> bool:
    """True once the whole deadline day of `period` is over (False when no deadline is set)."""
    return days is not None and today > deadline_date(period, days)


@dataclass(frozen=True)
class Timeliness:
    """One department × period: `state` (on_time | late | missing | not_due) and days late."""

    state: str
    days_late: int = 0


def timeliness(deadline: date | None, first_accepted: date | None, today: date) -> Timeliness | None:
    """The state from the department's first accepted file (its local received date); None
    when no deadline applies."""
    if deadline is None:
        return None
    if first_accepted is not None:
        late = (first_accepted - deadline).days
        return Timeliness(LATE, late) if late > 0 else Timeliness(ON_TIME)
    if today > deadline:
        return Timeliness(MISSING, (today - deadline).days)
    return Timeliness(NOT_DUE)


def reminder_dates(deadline: date, today: date, before_days: int, every_days: int) -> list[tuple[str, date]]:
    """The reminder schedule up to `today`: (key, date) for `before_days` before the deadline, the
    day after it, then every `every_days`; keys are stable (`before`, `after-0`, `after-1`, …)."""
    out = [("before", deadline - timedelta(days=before_days))] if before_days else []
    k, day = 0, deadline + timedelta(days=1)
    while day <= today:
        out.append((f"after-{k}", day))
        k, day = k + 1, day + timedelta(days=every_days)
    return [(key, d) for key, d in out if d <= today]


def reminder_due(deadline: date, today: date, before_days: int, every_days: int,
                 sent: set[str]) -> tuple[str, date] | None:
    """The reminder to send today: the latest one scheduled by now, unless it was sent (so a
    missed night sends one reminder, not a burst, and none is ever sent twice)."""
    scheduled = reminder_dates(deadline, today, before_days, every_days)
    if not scheduled or scheduled[-1][0] in sent:
        return None
    return scheduled[-1]


@dataclass(frozen=True)
class DepartmentState:
    code: str
    name: str
    deadline: date | None
    first_received: datetime | None
    state: Timeliness | None

    @property
    def label(self) -> str:
        """按时 / 迟报3天 / 缺报 / 未到期 / — (no deadline; then 已报 or 未报)."""
        if self.state is None:
            return "已报" if self.first_received else "未报"
        if self.state.state == "late":
            return f"迟报{self.state.days_late}天"
        return STATE_ZH[self.state.state]


def on_time_rate(states: list[DepartmentState]) -> float | None:
    """Share of departments on time among those whose state is settled (on time, late or missing)."""
    settled = [s for s in states if s.state is not None and s.state.state != "not_due"]
    if not settled:
        return None
    return sum(s.state.state == ON_TIME for s in settled) / len(settled)


@dataclass(frozen=True)
class Completeness:
    """A period's source departments without an accepted file (codes and names, code order), and
    whether its deadline has passed."""

    period: str
    missing: tuple[str, ...]
    names: tuple[str, ...]
    deadline_passed: bool = False

    @property
    def open(self) -> bool:
        """The outputs may be distributed: nothing is missing, or the deadline is over."""
        return not self.missing or self.deadline_passed

    @property
    def awaited(self) -> tuple[str, ...]:
        """Names of the departments the closed gate waits for (数据不完整); empty once open."""
        return () if self.open else self.names

    @property
    def late_missing(self) -> tuple[str, ...]:
        """Names of the departments missing after the deadline (缺报), named on outputs that go out."""
        return self.names if self.open else ()


def awaited_departments(expected: set[str], accepted: set[str]) -> list[str]:
    """The expected departments with no accepted file."""
    return sorted(expected - accepted)
