"""The `kaoping` command line (SPEC §9). Commands live in kaoping/commands/, one module per stage.

The click machinery that makes every command behave alike is in kaoping/cli_core.py: the global
options `-w/--workspace` and `--db` work before and after every subcommand, usage errors are one
Chinese / English line, and help shows no Python type names.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from kaoping import cli_core, stopping
from kaoping.cli_core import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, KaopingTyper, state  # noqa: F401 (re-exported)
from kaoping.config import ConfigError, workspace_path
from kaoping.display import line
from kaoping.resources import Resources
from kaoping.scoring.catalog import CatalogError
from kaoping.scoring.periods import Period
from kaoping.sources.registry import RegistryError
from kaoping.system_errors import system_fault_line
from kaoping.warehouse.engine import WarehouseError

app = KaopingTyper(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                   help="kaoping — 平安建设考评数据处理 / Ping'an assessment data pipeline")
console = Console()
err_console = Console(stderr=True)

USER_ERRORS = (ConfigError, CatalogError, RegistryError, WarehouseError)
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


def user_error_lines(exc: Exception) -> list[str]:
    """A user error as console lines: a catalog lists every problem, anything else is one line."""
    if isinstance(exc, CatalogError):
        head = (f"考评细则错误 {exc.path}：共 {len(exc.problems)} 个问题 / "
                f"catalog error in {exc.path}: {len(exc.problems)} problem(s)")
        return [head, *(f"  - {zh} / {en}" for zh, en in exc.problems)]
    return [str(exc).splitlines()[0]]


def main() -> None:
    """Entry point: click's own exit codes (usage 2, `typer.Exit(n)` n); user errors exit 2."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from kaoping import commands  # noqa: F401  (registers the commands on `app`)

    handlers = stopping.install()
    try:
        # standalone mode: click turns typer.Exit into sys.exit(code) and usage errors into exit 2;
        # outside it, a typer.Exit(1) would come back as a return value and end as exit 0
        app()
    except stopping.Stopped as stop:
        stopping.release()
        err_console.print(line(stop.message), highlight=False, soft_wrap=True)
        stopping.exit_now(stop.exit_code)
    except USER_ERRORS as exc:
        for text in user_error_lines(exc):
            err_console.print(line(text), highlight=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:
        fault = system_fault_line(exc)  # a full disk, a read-only folder, no memory
        if fault is None:
            raise
        err_console.print(line(fault), highlight=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
    finally:
        stopping.restore(handlers)
