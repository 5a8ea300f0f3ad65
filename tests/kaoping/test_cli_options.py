"""Every command takes the global options before and after it, periods as people write them, and
usage errors as one Chinese / English line with exit 2 (SPEC §9, issue 13 "Command line")."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer

from kaoping.scoring.periods import Period
from tests.kaoping.cli_kit import kaoping


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "公安局_2025Q3.csv"
    path.write_text("单位,指标,数值\n", encoding="utf-8")
    return path


def command_args(name: str, a_file: Path, period: str = "2025Q3") -> list[str]:
    """The smallest valid arguments of each command that works in a workspace."""
    return {"ingest": ["ingest"], "validate": ["validate", str(a_file)], "status": ["status"],
            "template": ["template", "-p", period, "--out", str(a_file.parent / "t")],
            "score": ["score", "-p", period], "publish": ["publish", "-p", period],
            "run": ["run"], "backfill": ["backfill", "--from", period, "--to", period], "serve": ["serve"],
            "remind": ["remind"], "finalize": ["finalize", "-p", period],
            "adjust": ["adjust", "-p", period, "--unit", "U1", "--indicator", "A1", "--value", "1",
                       "--reason", "r"]}[name]


WORKSPACE_COMMANDS = ["ingest", "validate", "template", "score", "publish", "run", "backfill", "status", "serve",
                      "remind", "adjust", "finalize"]
PERIOD_COMMANDS = ["validate", "template", "score", "publish", "run", "status", "remind", "finalize", "adjust"]


def test_every_command_is_covered():
    from kaoping.cli import commands  # noqa: F401
    from kaoping.cli.app import app
    from typer.main import get_command

    assert set(get_command(app).commands) == {*WORKSPACE_COMMANDS, "init", "demo", "catalog"}  # catalog: its own tests


@pytest.mark.parametrize("placement", ["before", "after"])
@pytest.mark.parametrize("name", WORKSPACE_COMMANDS)
def test_global_options_work_before_and_after_every_command(name, placement, a_file, capsys, monkeypatch):
    from kaoping.cli import app as cli

    seen = {}

    def record():
        seen.update(workspace=cli.state.workspace, db=cli.state.database_url)
        raise typer.Exit(0)

    monkeypatch.setattr(cli, "workspace_folder", record)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    options = ["-w", str(a_file.parent / "ws"), "--db", "sqlite:///elsewhere.db"]
    args = command_args(name, a_file)
    code, _, err = kaoping(capsys, *(options + args if placement == "before" else args + options))
    assert code == 0, err
    assert seen == {"workspace": a_file.parent / "ws", "db": "sqlite:///elsewhere.db"}


def test_after_the_command_wins_over_before(a_file, capsys, monkeypatch):
    from kaoping.cli import app as cli

    seen = {}
    monkeypatch.setattr(cli, "workspace_folder", lambda: seen.update(ws=cli.state.workspace) or sys.exit(0))
    kaoping(capsys, "-w", "first", "ingest", "--workspace", "second")
    assert seen == {"ws": Path("second")}


@pytest.mark.parametrize("name", WORKSPACE_COMMANDS)
def test_outside_a_workspace_every_command_says_so_and_creates_nothing(name, a_file, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    empty = tmp_path / "not-a-workspace"
    empty.mkdir()
    code, _, err = kaoping(capsys, *command_args(name, a_file), "-w", str(empty))
    assert code == 2
    assert "不是 kaoping 工作区" in err and "not a kaoping workspace" in err and len(err.strip().splitlines()) == 1
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize("text, code", [
    ("2025年第三季度", "2025Q3"), ("2025年三季度", "2025Q3"), ("2025q3", "2025Q3"), ("2025-Q3", "2025Q3"),
    ("2025Q3", "2025Q3"), ("２０２５年第３季度", "2025Q3"), ("2025年9月", "2025-09"), ("2025-09", "2025-09"),
    ("2025年度", "2025"), ("2025", "2025"), (" 2025Q1 ", "2025Q1"),
])
def test_periods_as_people_write_them(text, code):
    assert Period.parse(text).code == code


@pytest.mark.parametrize("text", ["2025年", "2025Q5", "2025-Q9", "25Q3", "2025年第五季度", "2025-13", "Q3"])
def test_bad_periods_are_refused(text):
    with pytest.raises(ValueError, match="期间格式错误.* / bad period"):
        Period.parse(text)


def test_file_names_and_the_command_line_share_the_parser():
    from kaoping.sources.context import periods_in_text

    for text in ("2025年第三季度", "2025年三季度", "2025q3", "2025-Q3", "2025年9月", "2025年度"):
        assert periods_in_text(f"公安局_{text}_数据.xlsx") == [Period.parse(text).code]


@pytest.mark.parametrize("name", PERIOD_COMMANDS)
def test_a_period_in_words_is_taken_by_every_command(name, a_file, capsys, monkeypatch):
    from kaoping.cli import app as cli

    monkeypatch.setattr(cli, "workspace_folder", lambda: sys.exit(0))
    args = command_args(name, a_file, "2025年第三季度")
    if "-p" not in args:
        args += ["-p", "2025年第三季度"]
    code, _, err = kaoping(capsys, *args)
    assert code == 0, err


@pytest.mark.parametrize("name", PERIOD_COMMANDS + ["backfill"])
def test_a_bad_period_is_exit_2_in_one_line_everywhere(name, a_file, capsys):
    args = command_args(name, a_file, "2025-Q9")
    if name in ("validate", "run", "status", "remind"):
        args += ["--period", "2025-Q9"]
    code, out, err = kaoping(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "期间格式错误" in err and "bad period" in err


@pytest.mark.parametrize("args, zh, en", [
    (["frobnicate"], "没有命令 'frobnicate'", "No such command 'frobnicate'"),
    (["vaildate", "x"], "是否想用 'validate'", "Did you mean 'validate'"),
    (["validate"], "缺少参数", "Missing argument"),
    (["score"], "缺少选项 '--period'", "Missing option '--period'"),
    (["score", "--perod", "2025Q3"], "没有选项 --perod（是否想用 --period）", "No such option: --perod"),
    (["score", "-p"], "需要一个值", "requires an argument"),
    (["serve", "--limit", "many"], "'--limit' 的值无效", "invalid value for '--limit'"),
    (["status", "extra"], "多余的参数", "unexpected extra argument"),
])
def test_usage_errors_are_one_line_in_chinese_and_english(args, zh, en, capsys):
    code, out, err = kaoping(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and zh in err and en in err and "--help" in err
    assert "Traceback" not in err and "pydantic" not in err and "Input should" not in err


def test_version(capsys):
    from importlib.metadata import version

    code, out, _ = kaoping(capsys, "--version")
    assert code == 0 and out.strip() == f"kaoping {version('kaoping')}"


@pytest.mark.parametrize("name", [*WORKSPACE_COMMANDS, "init", "demo", None])
def test_help_shows_no_python_type_names(name, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = kaoping(capsys, *([name] if name else []), "--help")
    assert code == 0 and "--workspace" in out
    for type_name in ("<bool>", "<str>", "<int>", "<path>", "list[", "<Path>", "Optional"):
        assert type_name not in out
