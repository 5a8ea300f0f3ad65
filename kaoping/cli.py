"""The `kaoping` command line (SPEC §9). Commands live in kaoping/commands/, one module per stage."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from kaoping.config import ConfigError
from kaoping.resources import Resources
from kaoping.scoring.catalog import CatalogError
from kaoping.sources.registry import RegistryError
from kaoping.warehouse.engine import WarehouseError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="kaoping — 平安建设考评数据处理 / Ping'an assessment data pipeline")
console = Console()
err_console = Console(stderr=True)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
USER_ERRORS = (ConfigError, CatalogError, RegistryError, WarehouseError)


class State:
    workspace: Optional[Path] = None
    database_url: Optional[str] = None


state = State()


@app.callback()
def _global(workspace: Optional[Path] = typer.Option(None, "-w", "--workspace",
                                                     help="工作区目录 / workspace folder (default: .)"),
            db: Optional[str] = typer.Option(None, "--db", help="数据库地址 / database URL")) -> None:
    state.workspace, state.database_url = workspace, db


def resources() -> Resources:
    """The resources of the workspace chosen by the global options."""
    return Resources.open(state.workspace, state.database_url)


def fail(zh: str, en: str, code: int = EXIT_USAGE) -> None:
    """Stop with a one-line Chinese / English message and an exit code."""
    err_console.print(f"[red]{zh}[/red] / {en}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _user_error_line(exc: Exception) -> str:
    if isinstance(exc, CatalogError):
        zh, en = exc.problems[0]
        more = f"（另有 {len(exc.problems) - 1} 个问题）" if len(exc.problems) > 1 else ""
        return f"考评细则错误 {exc.path}: {zh}{more} / catalog error: {en}"
    return str(exc).splitlines()[0]


def main() -> None:
    """Entry point: click's own exit codes (usage 2, `typer.Exit(n)` n); user errors exit 2 in one line."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from kaoping import commands  # noqa: F401  (registers the commands on `app`)

    try:
        # standalone mode: click turns typer.Exit into sys.exit(code) and usage errors into exit 2;
        # outside it, a typer.Exit(1) would come back as a return value and end as exit 0
        app()
    except USER_ERRORS as exc:
        err_console.print(_user_error_line(exc), highlight=False, soft_wrap=True, markup=False)
        sys.exit(EXIT_USAGE)
