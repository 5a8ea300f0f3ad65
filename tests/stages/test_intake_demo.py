"""The demo city's submissions (kaoping/demo, written separately): every layout it produces is read.

A sample keeps this fast: the last quarter (which holds deliberately bad files) and a few .xls and
.csv files. Whatever a file's fate, intake must find its header, department and period, and
every error must point at a cell.
"""
from __future__ import annotations

import re

import pytest

from kaoping.stages.resources import Resources
from kaoping.cli.init import init_workspace
from kaoping.stages.intake import examine_file

UNPARSED = {"unreadable", "unsupported_type", "no_header", "department_unknown", "department_conflict",
            "period_unknown", "period_conflict", "no_catalog"}


def test_demo_submissions_are_all_parsed(tmp_path, validator):
    pytest.importorskip("kaoping.demo.generator")
    ws = init_workspace(tmp_path / "demo", demo=True)
    res = Resources.open(ws, f"sqlite:///{tmp_path / 'w.db'}")
    inbox = res.settings.inbox_dir
    files = sorted(p for p in inbox.rglob("*") if p.is_file())
    sample = [p for p in files if re.search(r"2025Q4|四季度", p.name)]
    sample += [p for p in files if p.suffix == ".xls"][:4] + [p for p in files if p.suffix == ".csv"][:4]
    assert len(sample) >= 10
    for path in sample:
        hint = path.relative_to(inbox).parts[0]
        exam = examine_file(res, path, validator, department_hint=hint)
        assert not UNPARSED & {p.rule for p in exam.problems}, (path.name, exam.problems)
        assert exam.department == res.registry.resolve_department(hint)
        assert all(p.cell for p in exam.problems if p.severity == "error" and p.rule != "unit_incomplete"), path.name
    res.close()
