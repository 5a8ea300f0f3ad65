"""The completeness gate (SPEC §10 数据不完整): which source departments a period still waits for.

`completeness` is the one place that decides; everything else (distribution, the 数据不完整 or
缺报 mark on the workbooks, `kaoping status`) asks it. The gate opens when every source
department has an accepted file, or when the period's deadline has passed: the outputs then go
out with the departments still missing named 缺报.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import expected_departments, period_deadline_passed
from kaoping.warehouse.models import Submission


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
