"""What `kaoping ingest` / `validate` list on the console: bounded numbers of errors and warnings
with the total stated, and the files refused or skipped by discovery."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from kaoping.cli.commands.intake import WARNINGS_SHOWN, shown_problems
from kaoping.sources.messages import ERROR
from kaoping.sources.problems import make_problem


def test_errors_are_shown_and_warnings_are_capped():
    warnings = [make_problem("text_stripped", f"f{i}.xlsx", "Sheet1", f"B{i}") for i in range(WARNINGS_SHOWN + 7)]
    errors = [make_problem("non_numeric", "bad.xlsx", "Sheet1", f"C{i}") for i in range(WARNINGS_SHOWN + 3)]
    shown = shown_problems(warnings[:5] + errors + warnings[5:])
    assert [p for p in shown if p.severity == ERROR] == errors
    assert [p for p in shown if p.severity != ERROR] == warnings[:WARNINGS_SHOWN]


ROOT = Path(__file__).resolve().parents[2]
KAOPING = [str(ROOT / ".venv" / "bin" / "kaoping")] if (ROOT / ".venv" / "bin" / "kaoping").exists() \
    else [sys.executable, "-m", "kaoping"]


def _workspace(tmp_path: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests" / "reliability"))
    import hostile_files as hf

    ws = hf.make_workspace(tmp_path / "ws")
    (ws / "inbox" / "公安局").mkdir(parents=True, exist_ok=True)
    return ws


def _kaoping(ws: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "KAOPING_INTAKE_SETTLE_S": "0"}
    return subprocess.run([*KAOPING, "-w", str(ws), "--db", f"sqlite:///{ws / 'wh.db'}", *args], cwd=ws, env=env,
                          capture_output=True, text=True, timeout=600)


def test_ingest_names_a_refused_hardlink_and_exits_1(tmp_path):
    ws = _workspace(tmp_path)
    outside = tmp_path / "passwd.csv"
    outside.write_text("root:x:0:0\n", encoding="utf-8")
    os.link(outside, ws / "inbox" / "公安局" / "x.csv")
    done = _kaoping(ws, "ingest")
    assert done.returncode == 1, done.stderr
    assert "拒绝读取" in done.stdout and "硬链接" in done.stdout and "Traceback" not in done.stderr
    assert not any(f.is_file() for f in (ws / "archive").rglob("*"))


def test_validate_lists_at_most_200_errors_and_states_the_total(tmp_path):
    ws = _workspace(tmp_path)
    path = ws / "inbox" / "公安局" / "公安局_2025Q3.csv"
    path.write_text("单位名称,刑事案件立案数\n" + "".join(f"未登记{i},1\n" for i in range(1000)), encoding="utf-8")
    done = _kaoping(ws, "validate", str(path), "--department", "公安局")
    assert done.returncode == 1, done.stderr
    assert 150 <= len(set(re.findall(r"未登记\d+", done.stdout))) <= 200
    assert re.search(r"共 10\d\d 条问题，仅列出 2\d\d 条", done.stdout.replace("\n", "")), done.stdout[-2000:]
