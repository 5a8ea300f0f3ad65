"""`kaoping demo`, `run`, `backfill`, `status` and `serve` from the command line, in this process.

The demo workspace is cut down to its 2025Q4 files (messy ones included) to keep this quick.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

if "prefect" not in sys.modules:  # Prefect reads its settings once, at import
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="kaoping-prefect-")
    os.environ.pop("PREFECT_API_URL", None)

from kaoping import flows  # noqa: E402,F401  (kaoping's Prefect defaults, as the CLI sets them before importing Prefect)
from tests.kaoping.cli_kit import kaoping as run_kaoping  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def private_prefect(tmp_path_factory):
    """Prefect's home for these tests, never ~/.prefect; no server configured."""
    from prefect.logging.handlers import APILogHandler
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    with temporary_settings(updates={PREFECT_HOME: str(tmp_path_factory.mktemp("prefect-home"))},
                            restore_defaults={PREFECT_API_URL}):
        yield
        APILogHandler().flush()  # the last run logs, before the API they go to stops
        SubprocessASGIServer().stop()  # the ephemeral API the commands started


def kaoping(capsys, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `kaoping ARGS` (newlines from wrapping removed)."""
    code, out, err = run_kaoping(capsys, *args)
    return code, out.replace("\n", ""), err


@pytest.fixture(scope="module")
def demo_q4(tmp_path_factory) -> Path:
    """The demo workspace with only the submissions for 2025Q4 left in its inbox."""
    from kaoping.cli.init import init_workspace

    ws = init_workspace(tmp_path_factory.mktemp("demo") / "ws", demo=True)
    for path in (ws / "inbox").rglob("*"):
        if path.is_file() and "2025Q4" not in path.name and "2025年第四季度" not in path.name:
            path.unlink()
    return ws


def test_demo_then_nothing_new_then_rejection_and_status(demo_q4, capsys, monkeypatch):
    from kaoping.cli.app import console

    monkeypatch.setattr(console, "width", 400)  # tables and paths on one line each, whatever the terminal
    code, out, _ = kaoping(capsys, "demo", str(demo_q4))
    workbook = demo_q4 / "out" / "2025Q4" / "排名" / "demo-county-2025_2025Q4_考评排名.xlsx"
    assert code == 0 and workbook.is_file()
    assert f"排名表 / ranking workbook: {workbook}" in out
    assert "已发布 / published 2025Q4" in out and "退回 交通运输局_2025Q4.xlsx" in out

    from kaoping.flows import api as flows_api

    def no_prefect():
        raise AssertionError("a run with nothing to do must not start Prefect")

    with monkeypatch.context() as patch:
        patch.setattr(flows_api, "ApiStarter", no_prefect)
        code, out, _ = kaoping(capsys, "run", "-w", str(demo_q4))
    assert code == 0 and "没有新内容 / nothing new" in out

    bad = demo_q4 / "inbox" / "公安局" / "公安局_2025Q4_补充.csv"
    bad.write_text("单位,命案现案破案率\n清河区,九十\n", encoding="utf-8")
    code, out, _ = kaoping(capsys, "run", "-w", str(demo_q4))
    assert code == 1 and "退回 公安局_2025Q4_补充.csv" in out

    code, out, _ = kaoping(capsys, "status", "-w", str(demo_q4), "--period", "2025Q4")
    assert code == 0
    assert "公安局_2025Q4_补充.csv" in out and "已退回" in out and "已接收" in out
    assert "缺报 / missing:" in out


@pytest.mark.parametrize("args, message", [
    (["backfill", "--from", "2025Q5", "--to", "2025Q4"], "bad period"),
    (["backfill", "--from", "2025Q1", "--to", "2025Q4", "--grain", "week"], "bad grain week"),
    (["run", "--period", "2025年"], "bad period"),
    (["serve"], "PREFECT_API_URL is not set"),
])
def test_usage_errors_exit_2_with_one_line(demo_q4, capsys, monkeypatch, args, message):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    code, _, err = kaoping(capsys, *args, "-w", str(demo_q4))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err and " / " in err


def test_not_a_workspace_exits_2(tmp_path, capsys):
    code, _, err = kaoping(capsys, "run", "-w", str(tmp_path))
    assert code == 2 and "不是 kaoping 工作区" in err and "kaoping init" in err
