"""`kaoping adjust`: record overrides of values (人工调整, SPEC §11), one or a sheet of them.

Recording does not rescore: the next `kaoping run` (or `kaoping score`/`publish --period P`)
scores the period with them, as a new run (they are part of its input hash).
"""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from kaoping.cli.app import EXIT_OK, PERIOD_HELP, app, console, err_console, fail, period_code, resources
from kaoping.core.display import cell, line
from kaoping.sources.adjustments import AdjustmentError, read_sheet, resolve
from kaoping.stages.adjustments import record_adjustments

HEADERS = ("期间", "单位", "指标", "调整数值", "原因", "调整人")


def login_name(by: Optional[str]) -> str:
    """`by`, else the login name (who adjusted or finalised)."""
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _refused(exc: AdjustmentError) -> None:
    for problem in exc.problems[1:]:
        err_console.print(line(problem), highlight=False, soft_wrap=True)
    zh, _, en = exc.problems[0].partition(" / ")
    more = f"（共 {len(exc.problems)} 处问题，未记录任何调整）" if len(exc.problems) > 1 else "（未记录）"
    fail(zh + more, (en or zh) + " (nothing recorded)")


@app.command()
def adjust(period: Optional[str] = typer.Option(None, "--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
           unit: Optional[str] = typer.Option(None, "--unit", help="单位代码或名称 / unit code or name"),
           indicator: Optional[str] = typer.Option(None, "--indicator", help="指标代码或名称 / indicator"),
           value: Optional[str] = typer.Option(None, "--value", help="调整后的数值 / the value to use"),
           reason: Optional[str] = typer.Option(None, "--reason", help="调整原因 / why"),
           by: Optional[str] = typer.Option(None, "--by", help="调整人 / who (default: the login name)"),
           file: Optional[Path] = typer.Option(None, "--file", help="调整表 / a sheet of adjustments "
                                                                    "(单位, 指标, 数值, 原因, 调整人[, 期间])")) -> None:
    """人工调整：以记录的原因覆盖某一数值 / record an override of one value (or a sheet of them)."""
    single = (unit, indicator, value, reason)
    if file is None and not all(x is not None for x in (period, *single)):
        fail("请给出 --period、--unit、--indicator、--value 和 --reason，或用 --file 给出调整表",
             "give --period, --unit, --indicator, --value and --reason, or --file")
    if file is not None and any(x is not None for x in single):
        fail("--file 与 --unit/--indicator/--value/--reason 不能同时使用", "use either --file or a single adjustment")
    if period is not None:
        period = period_code(period)
    if file is not None and not file.is_file():
        fail(f"调整表 {file} 不存在", f"adjustment sheet {file} does not exist")
    res = resources()
    try:
        if file is not None:
            requests = read_sheet(file, res.registry, res.catalogs_for, period, login_name(by))
        else:
            requests = [resolve(res.registry, res.catalogs_for(period), period, unit, indicator, value, reason,
                                login_name(by), "kaoping adjust")]
        ids = record_adjustments(res, requests)
    except AdjustmentError as exc:
        res.close()
        _refused(exc)
    table = Table(*HEADERS, title=f"已记录 {len(ids)} 项人工调整 / recorded {len(ids)} adjustment(s)",
                  title_justify="left", header_style="bold")
    for r in requests:
        table.add_row(*map(cell, (r.period, f"{r.unit_name}（{r.unit_code}）", f"{r.indicator_code} {r.indicator_name}",
                                  f"{r.value:g}", r.reason, r.author)))
    console.print(table)
    periods = "、".join(sorted({r.period for r in requests}))
    console.print(line(f"下次 kaoping run 时按调整后的数值重新评分并发布（{periods}） / "
                       f"the next `kaoping run` rescores and publishes {periods} with them"), highlight=False)
    res.close()
    raise typer.Exit(EXIT_OK)
