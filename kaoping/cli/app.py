"""The `kaoping` command line (SPEC §9): the app, its consoles and the helpers every command
shares. Commands live in kaoping/cli/commands/, one module per stage; kaoping/cli/main.py is the
entry point.

The click machinery that makes every command behave alike is in kaoping/cli/core.py: the global
options `-w/--workspace` and `--db` work before and after every subcommand, usage errors are one
Chinese / English line, and help shows no Python type names.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from kaoping.cli import core as cli_core
from kaoping.cli.core import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, KaopingTyper, state  # noqa: F401 (re-exported)
from kaoping.core.config import workspace_path
from kaoping.core.display import line
from kaoping.scoring.periods import Period
from kaoping.stages.resources import Resources

app = KaopingTyper(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                   help="kaoping — 平安建设考评数据处理 / Ping'an assessment data pipeline")
console = Console()
err_console = Console(stderr=True)

PERIOD_HELP = "考评期间，如 2025Q3、2025年第三季度、2025-09、2025年度 / period, e.g. 2025Q3"


@app.callback()
def _global(workspace: Optional[Path] = typer.Option(None, "-w", "--workspace", metavar="DIR",
                                                     help=cli_core.WORKSPACE_HELP),
            db: Optional[str] = typer.Option(None, "--db", metavar="URL", help=cli_core.DB_HELP),
            version: bool = typer.Option(False, "--version", is_eager=True, callback=cli_core.show_version,
                                         help="显示版本 / show the version")) -> None:
    state.workspace, state.database_url = workspace, db


def fail(zh: str, en: str, code: int = EXIT_USAGE) -> None:
    """Stop with a one-line Chinese / English message and an exit code."""
    err_console.print(line((zh, "red"), " / ", en), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def workspace_folder() -> Path:
    """The workspace chosen by the global options, or exit 2 when it is not a kaoping workspace.

    Checked before anything is opened, so a command run in the wrong folder creates nothing there.
    """
    folder = workspace_path(state.workspace)
    if not (folder / "kaoping.toml").is_file():
        fail(f"{folder} 不是 kaoping 工作区（缺少 kaoping.toml），可用 kaoping init 创建",
             f"{folder} is not a kaoping workspace (no kaoping.toml); create one with kaoping init")
    return folder


def resources() -> Resources:
    """The resources of the workspace chosen by the global options (a checked workspace)."""
    return Resources.open(workspace_folder(), state.database_url)


def checked_resources(workspace: Path | str | None = None) -> Resources:
    """The workspace's resources, loaded up front so configuration errors stop before any flow runs."""
    res = Resources.open(workspace or workspace_folder(), state.database_url)
    _ = res.registry, res.catalogs, res.warehouse
    return res


def period_code(text: str) -> str:
    """The canonical code of a `--period` text (any form file names accept), or exit 2."""
    try:
        return Period.parse(text).code
    except ValueError as exc:
        fail(*str(exc).split(" / ", 1))


def no_catalog(code: str) -> None:
    """Exit 2: no catalog scores `code` (the message says which year is missing)."""
    year = Period.parse(code).year
    fail(f"没有 {year} 年的考评细则：catalog/ 中没有 year: {year} 的文件，期间 {code} 无法处理",
         f"no {year} catalog: no file in catalog/ has year {year}, so {code} cannot be handled")
