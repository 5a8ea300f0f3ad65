"""`kaoping publish --period P`: publish the latest draft runs, write the outputs, distribute them."""
from __future__ import annotations

from typing import Optional

import typer
from rich.progress import Progress

from kaoping.cli.app import (EXIT_OK, EXIT_REJECTED, PERIOD_HELP, app, console, err_console, fail, no_catalog,
                         period_code, resources)
from kaoping.cli.commands.adjust import login_name
from kaoping.core.display import line
from kaoping.stages.distribution import distribute
from kaoping.stages.publishing import write_outputs
from kaoping.stages.resources import Resources
from kaoping.stages.scoring import publish_drafts
from kaoping.stages.state import finalize_period
from kaoping.stages.timeliness import completeness
from kaoping.warehouse.versions import DRAFT


@app.command("publish")
def publish_command(period: str = typer.Option(..., "--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
                    incomplete: bool = typer.Option(False, "--incomplete",
                                                    help="数据不完整也分发（标明数据不完整）/ send an incomplete period, marked")
                    ) -> None:
    """发布评分批次，生成排名表、反馈表和 rankings.csv，并分发 / publish, write outputs, distribute.

    A period still waiting for a department's file before its deadline (数据不完整, SPEC §10) is
    written, marked, and not sent, unless `--incomplete`.
    """
    code = period_code(period)
    res = resources()
    if not res.catalogs_for(code):
        no_catalog(code)
    res.sync_dimensions()
    for run_id in publish_drafts(res, code):
        console.print(f"已发布评分批次 {run_id} / published run {run_id}")
    write_and_send(res, code, incomplete)


def write_and_send(res: Resources, code: str, incomplete: bool) -> None:
    """Write the period's outputs and distribute them (not while incomplete, unless `incomplete`); exits."""
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("生成反馈表 / feedback workbooks", total=None)
        paths = write_outputs(res, code, progress=lambda _c, k, n: bar.update(task, completed=k, total=n))
    if not paths:
        fail(f"期间 {code} 没有已发布的评分批次，请先运行 kaoping score --period {code}",
             f"period {code} has no published score run; run `kaoping score --period {code}` first")
    written = sum(p.is_file() for p in paths)
    console.print(line(f"已生成 {written} 个文件：{paths[0].parent.parent} / wrote {written} files"))
    gate = completeness(res, code)
    if not gate.open:
        console.print(line((f"{code} 数据不完整 / incomplete", "yellow"), f"，待报送 / awaited: {'、'.join(gate.names)}"),
                      highlight=False)
        if not incomplete:
            console.print("未分发；确需分发请加 --incomplete / not distributed; add --incomplete to send anyway")
            res.close()
            raise typer.Exit(EXIT_OK)
    report = distribute(res, code)
    console.print(f"分发：发送 {len(report.sent)} 个，跳过已发送 {len(report.skipped)} 个，失败 {len(report.failed)} 个"
                  f" / sent {len(report.sent)}, skipped {len(report.skipped)}, failed {len(report.failed)}")
    for r in report.failed:
        err_console.print(line(("分发失败", "red"), f" {r.recipient} {r.email} {r.path.name}: {r.error}"),
                          highlight=False, soft_wrap=True)
    res.close()
    raise typer.Exit(EXIT_OK if report.ok else EXIT_REJECTED)


@app.command()
def finalize(period: str = typer.Option(..., "--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
             by: Optional[str] = typer.Option(None, "--by", help="定稿人 / who (default: the login name)")) -> None:
    """定稿：把最新的征求意见稿定为正式版本，生成并分发通报 / make the newest review version final (SPEC §11)."""
    code = period_code(period)
    res = resources()
    if not res.catalogs_for(code):
        no_catalog(code)
    state, done = finalize_period(res, code, login_name(by))
    if state == DRAFT:
        res.close()
        fail(f"期间 {code} 没有已发布的征求意见稿，无可定稿", f"period {code} has no published review version to finalise")
    if done:
        console.print(f"期间 {code} 已定稿（评分批次 {'、'.join(map(str, done))}） / "
                      f"period {code} is final (run {', '.join(map(str, done))})", highlight=False)
    else:
        console.print(f"期间 {code} 早已定稿 / period {code} was already final", highlight=False)
    write_and_send(res, code, incomplete=False)
