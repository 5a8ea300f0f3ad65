"""`kaoping run`, `backfill`, `status`, `serve` and `demo`: the Prefect flows from the command line.

Without `PREFECT_API_URL` the flows run in this process against Prefect's ephemeral API (a
temporary local server, started once per command, a few seconds); with it, against that server.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from kaoping import flows  # Prefect's offline defaults, set before Prefect is imported
from kaoping import cli
from kaoping.cli import EXIT_OK, EXIT_REJECTED, app, console, fail
from kaoping.config import workspace_path
from kaoping.resources import Resources
from kaoping.scoring.periods import Period, sort_periods

STAGES = {"ingest": "接收报送 / intake", "score": "评分发布 / scoring", "outputs": "输出文件 / outputs"}
STATUS_ZH = {"accepted": "已接收", "rejected": "已退回", "superseded": "已被替代"}
WORKSPACE_HELP = "工作区目录 / workspace folder (default: .)"
NOTHING_NEW = "没有新内容 / nothing new"


def _workspace(option: Optional[Path]) -> str:
    """The workspace folder as an absolute path (command option, else global option, else default)."""
    return str(workspace_path(option or cli.state.workspace))


def _checked_resources(workspace: str) -> Resources:
    """The workspace's resources, loaded up front so configuration errors stop before any flow runs."""
    if not (Path(workspace) / "kaoping.toml").exists():
        fail(f"{workspace} 不是 kaoping 工作区（缺少 kaoping.toml），可用 kaoping init 创建",
             f"{workspace} is not a kaoping workspace (no kaoping.toml); create one with kaoping init")
    res = Resources.open(workspace, cli.state.database_url)
    _ = res.registry, res.catalogs, res.warehouse
    return res


def _periods(codes: list[str]) -> list[str]:
    """Canonical period codes, or a usage error."""
    try:
        return [Period.parse(c).code for c in codes]
    except ValueError as exc:
        zh, en = str(exc).split(" / ", 1)
        fail(zh, en)


def _with_progress(call: Callable[[], object], api: "ApiStarter | None" = None) -> object:
    """Run a flow while a progress display follows its stages (`api`: the API already starting)."""
    from kaoping.flows import progress
    from kaoping.flows.api import ApiStarter

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        bars: dict[str, int] = {}
        starting = bar.add_task("启动 Prefect / starting Prefect", total=None)
        (api or ApiStarter()).wait()
        bar.remove_task(starting)

        def follow(event: str, item: object) -> None:
            stage = event.removesuffix("-total")
            if stage not in bars:
                bars[stage] = bar.add_task(STAGES[stage], total=None)
            if event.endswith("-total"):
                bar.update(bars[stage], total=item)
            else:
                bar.update(bars[stage], advance=1, description=f"{STAGES[stage]}  {item}")

        stop = progress.listen(follow)
        try:
            return call()
        finally:
            stop()


def _print_summary(summary, workspace: str) -> int:
    """What a run did, and its exit code (1 when files were rejected)."""
    accepted = sum(o.status == "accepted" for o in summary.outcomes)
    console.print(f"收到文件 / files: {len(summary.outcomes)}，接收 / accepted: {accepted}，"
                  f"退回 / rejected: {len(summary.rejected)}")
    for o in summary.rejected:
        first = next((p.message for p in o.problems if p.severity == "error"), "")
        console.print(f"  [red]退回[/red] {Path(o.path).name}: {first}", highlight=False)
    for o in summary.outcomes:
        if o.status == "skipped":  # still being written, or gone: a later run takes it
            console.print(f"  [yellow]暂不读取[/yellow] {Path(o.path).name}: {o.problems[0].message}", highlight=False)
    for period, run_ids in summary.runs.items():
        console.print(f"已发布 / published {period}: 评分批次 / runs {', '.join(map(str, run_ids))}")
    if summary.skipped:
        console.print(f"[yellow]无已接收报送，未排名 / skipped (no accepted data)[/yellow]: {'、'.join(summary.skipped)}")
    if not summary.outcomes and not summary.runs:
        console.print(NOTHING_NEW)
    written = sum(len(p) for p in summary.outputs.values())
    if written:
        console.print(f"输出文件 / output files: {written}，位于 / in {Path(workspace) / 'out'}")
    return EXIT_REJECTED if summary.rejected else EXIT_OK


@app.command()
def run(period: Optional[list[str]] = typer.Option(None, "--period", "-p", help="只评分这些期间 / score these periods"),
        workspace: Optional[Path] = typer.Option(None, "-w", "--workspace", help=WORKSPACE_HELP)) -> None:
    """每晚任务：接收、评分、发布 / the nightly job: ingest, score, publish."""
    ws = _workspace(workspace)
    periods = _periods(period or [])
    flows.quiet_console()
    res = _checked_resources(ws)
    try:
        work = _pending_work(res)
        if not periods and not work:
            console.print(NOTHING_NEW)
            raise typer.Exit(EXIT_OK)
    finally:
        res.close()
    from kaoping.flows.api import ApiStarter

    api = ApiStarter()
    from kaoping.flows.pipeline import nightly

    if "files" in work:
        import great_expectations  # noqa: F401  (its seconds of import overlap the API's start-up)
    summary = _with_progress(lambda: nightly(workspace=ws, database_url=cli.state.database_url,
                                             periods=periods or None), api)
    raise typer.Exit(_print_summary(summary, ws))


def _pending_work(res: Resources) -> set[str]:
    """What a nightly run would do: take in new inbox `files`, score unscored or finish unfinished
    `periods` (empty: nothing).

    Checked before Prefect starts, so a night with nothing new costs a second, not a server
    start-up; the deployment's scheduled run (`kaoping serve`) runs the flow regardless.
    """
    from kaoping.flows import state
    from kaoping.sources.intake import discover

    res.sync_dimensions()
    return {name for name, pending in (("files", discover(res)), ("periods", state.unscored_periods(res)
                                                                  or state.unfinished_periods(res))) if pending}


@app.command()
def backfill(first: str = typer.Option(..., "--from", help="起始期间 / first period"),
             last: str = typer.Option(..., "--to", help="结束期间 / last period"),
             grain: Optional[str] = typer.Option(None, "--grain", help="year | quarter | month"),
             rescore_only: bool = typer.Option(False, "--rescore-only", help="不接收新文件，只重新评分 / skip intake"),
             workspace: Optional[Path] = typer.Option(None, "-w", "--workspace", help=WORKSPACE_HELP)) -> None:
    """按时间顺序补算一段期间 / re-run a range of periods in time order."""
    flows.quiet_console()
    from kaoping.flows.pipeline import backfill as backfill_flow, backfill_periods

    ws = _workspace(workspace)
    if grain not in (None, "year", "quarter", "month"):
        fail(f"粒度 {grain} 无效（year、quarter 或 month）", f"bad grain {grain} (year, quarter or month)")
    try:
        backfill_periods(first, last, grain)
    except ValueError as exc:
        zh, en = str(exc).split(" / ", 1)
        fail(zh, en)
    _checked_resources(ws).close()
    from kaoping.flows.api import ApiStarter

    api = ApiStarter()
    summary = _with_progress(lambda: backfill_flow(workspace=ws, first=first, last=last, grain=grain,
                                                   rescore_only=rescore_only, database_url=cli.state.database_url), api)
    raise typer.Exit(_print_summary(summary, ws))


@app.command()
def status(period: Optional[str] = typer.Option(None, "--period", "-p", help="只看这个期间 / one period"),
           workspace: Optional[Path] = typer.Option(None, "-w", "--workspace", help=WORKSPACE_HELP)) -> None:
    """报送情况：谁报了什么，谁缺报或被退回 / who has sent what; who is missing or rejected."""
    from kaoping.flows import state as wh_state

    res = _checked_resources(_workspace(workspace))
    try:
        periods = _periods([period]) if period else wh_state.periods_with_submissions(res)
        if not periods:
            console.print("尚未收到任何报送 / no submissions yet")
        for code in periods:
            received = wh_state.submissions(res, code)
            console.print(_status_table(code, received))
            missing = wh_state.missing_departments(res, code, received)
            names = res.registry.departments.set_index("code")["name"].to_dict()
            console.print(f"缺报 / missing: {'、'.join(f'{names.get(m, m)}（{m}）' for m in missing) or '无 / none'}\n")
    finally:
        res.close()


def _status_table(period: str, received) -> Table:
    table = Table(title=f"{period} 报送情况 / submissions", title_justify="left")
    for header in ("部门 / dept", "文件 / file", "收到时间 / received", "状态 / status", "主要问题 / first reasons"):
        table.add_column(header, overflow="fold")
    for row in received.itertuples():
        colour = {"accepted": "green", "rejected": "red"}.get(row.status, "dim")
        table.add_row(row.department_code or "—", row.file_name, f"{row.received_at:%Y-%m-%d %H:%M}",
                      f"[{colour}]{STATUS_ZH.get(row.status, row.status)}[/{colour}]", "；".join(row.reasons))
    return table


@app.command()
def serve(register_only: bool = typer.Option(False, "--register-only", help="只注册部署，不启动工作进程 / only register"),
          limit: Optional[int] = typer.Option(None, "--limit", help="工作进程同时运行的流程数 / concurrent runs"),
          workspace: Optional[Path] = typer.Option(None, "-w", "--workspace", help=WORKSPACE_HELP)) -> None:
    """在 Prefect 服务器上注册部署并运行 / register the deployments on a Prefect server and run them."""
    from prefect.settings import PREFECT_API_URL

    ws = _workspace(workspace)
    if not PREFECT_API_URL.value():
        fail("未设置 PREFECT_API_URL，请先启动 prefect server start 并设置该地址",
             "PREFECT_API_URL is not set; start `prefect server start` and point PREFECT_API_URL at it")
    res = _checked_resources(ws)
    res.close()
    from kaoping.flows.deploy import register, run_worker

    registered = register(res.settings, cli.state.database_url)
    schedule = res.settings.schedule
    console.print(f"已注册部署 / deployments registered on {PREFECT_API_URL.value()} "
                  f"(work pool [bold]{registered.work_pool}[/bold]); 每晚 / nightly: {schedule.cron} {schedule.timezone}")
    if not register_only:
        console.print("工作进程运行中，Ctrl+C 停止 / worker running, Ctrl+C to stop")
        run_worker(registered.work_pool, limit)


@app.command()
def demo(directory: Path = typer.Argument(Path("kaoping-demo"), help="示例工作区目录 / demo workspace folder")) -> None:
    """创建示例工作区并运行一次 / create the demo workspace and run it once.

    Exits 0 once the run is done: the demo's messy submissions are meant to be rejected.
    """
    from kaoping.workspace import WorkspaceExists, init_workspace

    if not (directory / "kaoping.toml").exists():
        try:
            init_workspace(directory, demo=True)
        except WorkspaceExists as exc:
            zh, en = str(exc).split(" / ", 1)
            fail(zh, en)
    ws = str(directory.resolve())
    flows.quiet_console()
    from kaoping.flows.pipeline import nightly

    summary = _with_progress(lambda: nightly(workspace=ws, database_url=cli.state.database_url))
    _print_summary(summary, ws)
    for path in ranking_workbooks(Path(ws)):
        console.print(f"排名表 / ranking workbook: [bold]{path}[/bold]", highlight=False, soft_wrap=True)


def ranking_workbooks(workspace: Path) -> list[Path]:
    """The ranking workbooks under out/, latest period last."""
    found = {p.parent.parent.name: [] for p in (workspace / "out").glob("*/排名/*.xlsx")}
    for p in (workspace / "out").glob("*/排名/*.xlsx"):
        found[p.parent.parent.name].append(p)
    return [p for period in sort_periods(list(found)) for p in sorted(found[period])]
