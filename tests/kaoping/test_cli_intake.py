"""What `kaoping ingest` lists on the console: every error, a bounded number of warnings."""
from __future__ import annotations

from kaoping.commands.intake import WARNINGS_SHOWN, shown_problems
from kaoping.sources.messages import ERROR
from kaoping.sources.problems import make_problem


def test_every_error_is_shown_and_warnings_are_capped():
    warnings = [make_problem("text_stripped", f"f{i}.xlsx", "Sheet1", f"B{i}") for i in range(WARNINGS_SHOWN + 7)]
    errors = [make_problem("non_numeric", "bad.xlsx", "Sheet1", f"C{i}") for i in range(WARNINGS_SHOWN + 3)]
    shown = shown_problems(warnings[:5] + errors + warnings[5:])
    assert [p for p in shown if p.severity == ERROR] == errors
    assert [p for p in shown if p.severity != ERROR] == warnings[:WARNINGS_SHOWN]
