"""The one shape of an intake problem (error or warning), shared by GX results and other checks."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from kaoping.sources.messages import ERROR, RULES, problem_message

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """One problem found in a submitted file; `message` is a complete Chinese sentence."""

    severity: str
    rule: str
    file: str
    sheet: str | None
    cell: str | None
    unit: str | None
    indicator: str | None
    value: str | None
    expected: str | None
    message: str

    def as_row(self) -> dict:
        return asdict(self)


def make_problem(rule: str, file: str, sheet: str | None = None, cell: str | None = None,
                 unit: str | None = None, indicator: str | None = None, value: object = None,
                 expected: str | None = None, detail: str | None = None) -> Problem:
    """A Problem whose severity comes from the rule (SPEC §6) and whose message is composed."""
    text = None if value is None or value != value else str(value)  # NaN (pandas' missing) is no value
    file, sheet, unit, indicator, text = (_printable(t) for t in (file, sheet, unit, indicator, text))
    return Problem(RULES[rule][0], rule, file, sheet, cell, unit, indicator, text, expected,
                   problem_message(rule, file, sheet, cell, unit, indicator, text, expected, detail))


def _printable(text: str | None) -> str | None:
    """Text without control characters (PostgreSQL refuses NUL; workbooks refuse the others)."""
    if not isinstance(text, str):
        return text if text is None else str(text)
    return _CONTROL.sub("", text)


def has_errors(problems: list[Problem]) -> bool:
    """True when any problem rejects the file."""
    return any(p.severity == ERROR for p in problems)


class FileRefused(Exception):
    """A file that cannot be parsed at all; carries the one problem that says why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem
