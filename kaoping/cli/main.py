"""The `kaoping` entry point: the commands registered on `app`, signals and user errors handled,
exit codes as SPEC §9."""
from __future__ import annotations

import os
import sys

from kaoping.cli import commands  # noqa: F401  (registers the commands on `app`)
from kaoping.cli import stopping
from kaoping.cli.app import app, err_console
from kaoping.cli.core import EXIT_USAGE
from kaoping.core.config import ConfigError
from kaoping.core.display import line
from kaoping.core.system_errors import system_fault_line
from kaoping.scoring.catalog import CatalogError
from kaoping.sources.registry import RegistryError
from kaoping.warehouse.engine import WarehouseError

USER_ERRORS = (ConfigError, CatalogError, RegistryError, WarehouseError)


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
