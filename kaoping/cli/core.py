"""What makes every `kaoping` command behave alike (SPEC §9), on top of typer/click.

- the global options `-w/--workspace DIR` and `--db URL` are accepted before the subcommand (on
  the group) and after it (added to every command); given in both places, the later one wins;
- click's usage errors ("Missing argument", "No such command", "No such option" …) become one
  Chinese / English line and exit 2;
- help shows option names and metavars (DIR, URL, PERIOD), never Python type names (`<bool>`);
- `kaoping --version`.
"""
from __future__ import annotations

import functools
import inspect
import sys
import typing
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Optional

import typer

try:  # typer 0.2x carries its own copy of click, whose exceptions are the ones it raises
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover
    import click
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from kaoping.core.display import line

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
WORKSPACE_HELP = "工作区目录（默认：当前目录）/ workspace folder (default: .)"
DB_HELP = "数据库地址 / database URL"


class State:
    """The global options of the running command."""

    workspace: Optional[Path] = None
    database_url: Optional[str] = None


state = State()


def show_version(value: bool) -> None:
    """`--version`: print the installed version and stop."""
    if value:
        try:
            number = version("kaoping")
        except PackageNotFoundError:  # pragma: no cover (running from an uninstalled tree)
            number = "unknown"
        typer.echo(f"kaoping {number}")
        raise typer.Exit(EXIT_OK)


def with_global_options(func):
    """`func` taking `-w/--workspace` and `--db` too; given after the subcommand, they override the group's."""
    hints = typing.get_type_hints(func)
    signature = inspect.signature(func)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    extra = {
        "global_workspace": (Optional[Path], typer.Option(None, "-w", "--workspace", metavar="DIR", help=WORKSPACE_HELP)),
        "global_db": (Optional[str], typer.Option(None, "--db", metavar="URL", help=DB_HELP)),
    }

    @functools.wraps(func)
    def command(*args: Any, global_workspace: Optional[Path] = None, global_db: Optional[str] = None,
                **kwargs: Any) -> Any:
        if global_workspace is not None:
            state.workspace = global_workspace
        if global_db is not None:
            state.database_url = global_db
        return func(*args, **kwargs)

    params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
               for name, (kind, default) in extra.items()]
    command.__signature__ = signature.replace(parameters=params)
    command.__annotations__ = {**hints, **{name: kind for name, (kind, _) in extra.items()}}
    del command.__wrapped__  # typer reads the signature above, not the wrapped function's
    return command


# --- help without Python type names -------------------------------------------------------------

class _PlainOption(TyperOption):
    def display_type_rich(self, ctx: click.Context) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or self.name.upper()

    def display_type(self, ctx: click.Context) -> str:
        return self.display_type_rich(ctx) or ""


class _PlainArgument(TyperArgument):
    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None

    def display_type(self, ctx: click.Context) -> str:
        return ""


def _plain(params: list[click.Parameter]) -> list[click.Parameter]:
    for p in params:
        if type(p) is TyperOption:
            p.__class__ = _PlainOption
        elif type(p) is TyperArgument:
            p.__class__ = _PlainArgument
    return params


# --- usage errors in Chinese and English --------------------------------------------------------

def _hint(e: click.ClickException) -> str:
    hint = getattr(e, "param_hint", None)
    param = getattr(e, "param", None)
    if hint is None and param is not None:
        try:
            hint = param.get_error_hint()
        except TypeError:  # click's own parameters take the context
            hint = param.get_error_hint(e.ctx)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint or "")


def usage_error_zh(e: click.ClickException) -> str:
    """The Chinese half of a click usage error."""
    message = e.format_message()
    if isinstance(e, click.NoSuchOption):
        maybe = f"（是否想用 {'、'.join(e.possibilities)}）" if e.possibilities else ""
        return f"没有选项 {e.option_name}{maybe}"
    if isinstance(e, click.MissingParameter):
        kind_name = e.param_type or getattr(e.param, "param_type_name", "")
        kind = {"argument": "参数", "option": "选项"}.get(kind_name, "参数")
        return f"缺少{kind} {_hint(e)}"
    if isinstance(e, click.BadParameter):
        return f"{_hint(e)} 的值无效"
    if isinstance(e, click.BadOptionUsage):
        needs = "需要一个值" if "requires an argument" in message else "用法不正确"
        return f"选项 {e.option_name} {needs}"
    if message.startswith("No such command"):
        name, _, maybe = message.removeprefix("No such command ").partition(". Did you mean ")
        return f"没有命令 {name.rstrip('.')}" + (f"（是否想用 {maybe.rstrip('?')}）" if maybe else "")
    if message.startswith("Got unexpected extra argument"):
        return "多余的参数 " + message[message.rfind("("):]
    if message.startswith("Missing command"):
        return "缺少命令"
    return "用法不正确"


def usage_error_en(e: click.ClickException) -> str:
    """The English half: click's own words, except where they carry a validation library's text."""
    if isinstance(e, click.BadParameter) and not isinstance(e, click.MissingParameter):
        return f"invalid value for {_hint(e)}"
    return e.format_message()


def print_usage_error(e: click.ClickException) -> None:
    """One line: what is wrong in Chinese and English, and where help is."""
    command = e.ctx.command_path if getattr(e, "ctx", None) else "kaoping"
    Console(stderr=True).print(
        line((f"用法错误：{usage_error_zh(e)}", "red"), f" / usage error: {usage_error_en(e)}  "
             f"（{command} --help 查看用法 / see {command} --help）"),
        highlight=False, soft_wrap=True)


class KaopingCommand(TyperCommand):
    """A typer command whose help shows no Python type names."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return _plain(super().get_params(ctx))


class KaopingGroup(TyperGroup):
    """The `kaoping` group: plain help, and usage errors as one Chinese / English line."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return _plain(super().get_params(ctx))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.NoArgsIsHelpError as e:
            e.show()
            sys.exit(EXIT_USAGE)
        except click.UsageError as e:
            print_usage_error(e)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except typer.Abort:
            Console(stderr=True).print("已中止 / aborted")
            sys.exit(EXIT_REJECTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class KaopingTyper(typer.Typer):
    """A Typer app whose commands all take the global options and share KaopingCommand."""

    def __init__(self, **kwargs: Any):
        super().__init__(cls=KaopingGroup, **kwargs)

    def command(self, *args: Any, **kwargs: Any):
        register = super().command(*args, cls=kwargs.pop("cls", KaopingCommand), **kwargs)

        def decorator(func):
            register(with_global_options(func))
            return func

        return decorator
