"""`kaoping run`, `backfill`, `status`, `serve` and `demo`: the Prefect flows from the command line.

Without `PREFECT_API_URL` the flows run in this process against Prefect's ephemeral API (a
temporary local server, started once per command, a few seconds); with it, against that server.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from kaoping import flows  # Prefect's offline defaults, set before Prefect is imported
from kaoping.cli import app as cli
from kaoping.cli.app import EXIT_OK, EXIT_REJECTED, PERIOD_HELP, app, console, err_console, fail, no_catalog, period_code
from kaoping.cli.commands.cycle import print_cycle_status, print_mail, print_sent, send_cycle_messages
from kaoping.cli.init import WorkspaceExists, init_workspace
from kaoping.cli.tables import Row, named, record_table
from kaoping.core.display import clean, line
from kaoping.demo import office
from kaoping.scoring.periods import Period, backfill_periods, sort_periods
from kaoping.stages import state, workers
from kaoping.stages.intake import discover
from kaoping.stages.mailbox import pull_mailbox
from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import completeness

if TYPE_CHECKING:
    from kaoping.flows.api import ApiStarter

STAGES = {"ingest": "接收报送 / intake", "score": "评分发布 / scoring", "outputs": "输出文件 / outputs"}
STATUS_ZH = {"accepted": "已接收", "rejected": "已退回", "superseded": "已被替代"}
RECHECKED = "（已重新校验）"  # examined again after the registries or catalogs changed, or --recheck
NOTHING_NEW = "没有新内容 / nothing new"
NO_CATALOG = ("工作区 catalog/ 中没有考评细则（*.yaml），无法评分；参见 docs/catalog.md",
              "no catalog in the workspace's catalog/ folder (*.yaml), nothing can be scored; see docs/catalog.md")


def _workspace() -> str:
    """The workspace folder as an absolute path, or exit 2 when it is not a kaoping workspace."""
    return str(cli.workspace_folder())


def _periods(codes: list[str], res: Resources) -> list[str]:
    """Canonical period codes, each scored by some catalog, or a usage error."""
    periods = [period_code(c) for c in codes]
    for code in periods:
        if not res.catalogs_for(code):
            no_catalog(code)
    return periods


def _with_progress(call: Callable[[], object], api: "ApiStarter | None" = None) -> object:
    """Run a flow while a progress display follows its stages (`api`: the API already starting)."""
    from kaoping.flows import progress, quiet_failures  # cold start: Prefect, 1.0 s, only where a flow runs
    from kaoping.flows.api import ApiStarter  # cold start: Prefect, 1.0 s, only where a flow runs

    quiet_failures()

    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn())
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
                bar.update(bars[stage], advance=1, description=f"{STAGES[stage]}  {clean(item)}")

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
        console.print(line("  ", ("退回", "red"), f" {Path(o.path).name}: {first}"), highlight=False)
    for o in summary.outcomes:
        if o.status == "skipped":  # still being written, or gone: a later run takes it
            console.print(line("  ", ("暂不读取", "yellow"), f" {Path(o.path).name}: {o.problems[0].message}"),
                          highlight=False)
    for period, run_ids in summary.runs.items():
        console.print(f"已发布 / published {period}: 评分批次 / runs {', '.join(map(str, run_ids))}")
    if summary.skipped:
        console.print(line(("无已接收报送，未排名 / skipped (no accepted data)", "yellow"), f": {'、'.join(summary.skipped)}"))
    if summary.finalized:
        console.print(line(("征求意见期满，已定稿 / review window closed, final", "green"), f": {'、'.join(summary.finalized)}"))
    if late := [p for p in summary.closed if p not in summary.finalized]:
        console.print(line("已定稿，不再重新评分 / final, not rescored: " + "、".join(late)))

    print_sent(summary.reminders, "催报 / reminders")
    if not summary.outcomes and not summary.runs:
        console.print(NOTHING_NEW)
    written = sum(p.is_file() for paths in summary.outputs.values() for p in paths)  # what is there now
    if written:
        console.print(line(f"输出文件 / output files: {written}，位于 / in {Path(workspace) / 'out'}"))
    for period, names in summary.withheld.items():
        console.print(line((f"{period} 数据不完整，未分发 / incomplete, not distributed", "yellow"),
                           f"：待报送 / awaited {'、'.join(names)}"), highlight=False)
    for period, records in summary.failed.items():
        for r in records:
            err_console.print(line(("分发失败 / send failed", "red"),
                                   f" {period} {r.recipient} {r.email} {r.path.name}: {r.error}"),
                              highlight=False, soft_wrap=True)
    return EXIT_REJECTED if summary.rejected or summary.failed else EXIT_OK


@app.command()
def run(period: Optional[list[str]] = typer.Option(None, "--period", "-p", metavar="PERIOD",
                                                  help="只评分这些期间（可重复）/ score these periods (repeatable)")
        ) -> None:
    """每晚任务：接收、评分、发布 / the nightly job: ingest, score, publish."""
    for code in period or []:
        period_code(code)
    ws = _workspace()
    flows.quiet_console()
    res = cli.checked_resources(ws)
    try:
        if not res.catalogs:
            fail(*NO_CATALOG)
        periods = _periods(period or [], res)
        work = _pending_work(res)
        if not periods and not work:
            console.print(NOTHING_NEW)

            send_cycle_messages(res)  # a night without new files still sends the reminders due
            raise typer.Exit(EXIT_OK)
        if "files" in work:  # the workers' set-up for reading files overlaps the API's start-up
            workers.warm(str(res.workspace), res.settings.database_url)
    finally:
        res.close()
    from kaoping.flows.api import ApiStarter  # cold start: Prefect, 1.0 s, only where a flow runs

    api = ApiStarter()
    from kaoping.flows.pipeline import nightly  # cold start: Prefect, 1.0 s, only where a flow runs

    summary = _with_progress(lambda: nightly(workspace=ws, database_url=cli.state.database_url,
                                             periods=periods or None), api)
    raise typer.Exit(_print_summary(summary, ws))


def _pending_work(res: Resources) -> set[str]:
    """What a nightly run would do: take in new inbox `files`, score unscored or finish unfinished
    `periods`, `finalize` review versions whose window has closed (empty: nothing).

    Checked before Prefect starts, so a night with nothing new costs a second, not a server
    start-up; the deployment's scheduled run (`kaoping serve`) runs the flow regardless.
    """
    res.sync_dimensions()
    print_mail(pull_mailbox(res))  # new mail becomes inbox files, which are work
    return {name for name, pending in (("files", discover(res)), ("periods", state.unscored_periods(res)
                                                                  or state.unfinished_periods(res)),
                                       ("finalize", state.finalizable(res))) if pending}


@app.command()
def backfill(first: str = typer.Option(..., "--from", metavar="PERIOD", help="起始期间 / first period"),
             last: str = typer.Option(..., "--to", metavar="PERIOD", help="结束期间 / last period"),
             grain: Optional[str] = typer.Option(None, "--grain", metavar="GRAIN", help="year | quarter | month"),
             rescore_only: bool = typer.Option(False, "--rescore-only", help="不接收新文件，只重新评分 / skip intake")
             ) -> None:
    """按时间顺序补算一段期间 / re-run a range of periods in time order."""
    flows.quiet_console()
    from kaoping.flows.pipeline import backfill as backfill_flow  # cold start: Prefect, 1.0 s, only where a flow runs

    first, last = period_code(first), period_code(last)
    ws = _workspace()
    if grain not in (None, "year", "quarter", "month"):
        fail(f"粒度 {grain} 无效（year、quarter 或 month）", f"bad grain {grain} (year, quarter or month)")
    try:
        backfill_periods(first, last, grain)
    except ValueError as exc:
        zh, en = str(exc).split(" / ", 1)
        fail(zh, en)
    res = cli.checked_resources(ws)
    res.close()
    if not res.catalogs:
        fail(*NO_CATALOG)
    from kaoping.flows.api import ApiStarter  # cold start: Prefect, 1.0 s, only where a flow runs

    api = ApiStarter()
    summary = _with_progress(lambda: backfill_flow(workspace=ws, first=first, last=last, grain=grain,
                                                   rescore_only=rescore_only, database_url=cli.state.database_url), api)
    raise typer.Exit(_print_summary(summary, ws))


@app.command()
def status(period: Optional[str] = typer.Option(None, "--period", "-p", metavar="PERIOD", help=PERIOD_HELP)
           ) -> None:
    """报送情况：谁报了什么，谁缺报或被退回 / who has sent what; who is missing or rejected."""
    if period:
        period_code(period)
    res = cli.checked_resources(_workspace())
    try:
        periods = _periods([period], res) if period else state.periods_with_submissions(res)
        if not periods:
            console.print("尚未收到任何报送 / no submissions yet")
        names = res.registry.departments.set_index("code")["name"].to_dict()
        for code in periods:
            received = state.submissions(res, code)
            console.print(status_table(code, received, names, console.width))
            console.print(version_line(res, code), highlight=False)
            if not res.catalogs_for(code):
                console.print(line((f"没有 {code[:4]} 年的考评细则，无法判断缺报 / no {code[:4]} catalog, "
                                    "so missing departments cannot be told", "yellow")))
                console.print()
                continue
            empty = state.empty_indicators(res, code)
            if empty:
                console.print(line("缺报指标（整列为空）/ indicators sent empty: " + "、".join(
                    f"{named(names.get(dept), dept)}：{indicator}" for dept, indicator in empty)), highlight=False)
            for text in gate_lines(completeness(res, code)):
                console.print(text, highlight=False)
            console.print()

        print_cycle_status(res, periods, periods[0] if period else None)
    finally:
        res.close()


def version_line(res: Resources, period: str, label: str = ""):
    """The period's results: 草稿 / 征求意见中，截至 <date> / 已定稿 (SPEC §11)."""
    from zoneinfo import ZoneInfo


    version = state.version_of(res, period)
    colour = {"review": "yellow", "final": "green"}.get(version.state, "dim")
    return line(f"{label}考评结果 / results: ", (version.label(ZoneInfo(res.settings.schedule.timezone)), colour))


def wh_versions(res: Resources) -> list[str]:
    """Every period with a score run, in time order."""
    return [v.period for v in state.period_versions(res)]


def gate_lines(gate) -> list:
    """Who the period misses, and whether its outputs are held back (数据不完整) or went out with
    them named 缺报 because the deadline has passed (SPEC §10)."""
    if not gate.missing:
        return [line("缺报 / missing: 无 / none")]
    names = "、".join(named(n, c) for c, n in zip(gate.missing, gate.names))
    if gate.open:
        return [line("缺报 / missing: ", (names, "red")),
                line("报送截止日期已过，输出照常分发并注明缺报 / the deadline has passed: outputs go out "
                     "with these departments named 缺报")]
    return [line(f"缺报 / missing: {names}"),
            line(("数据不完整：待以上部门报送后再分发 / incomplete: outputs are distributed once these "
                  "departments have sent an accepted file", "yellow"))]


STATUS_HEADERS = ["部门 / department", "状态 / status", "收到时间 / received", "文件 / file"]


def status_table(period: str, received, names: dict[str, str], width: int):
    """Who sent which file when, one row per file, a rejected file's reasons below its row."""
    rows = []
    for row in received.itertuples():
        colour = {"accepted": "green", "rejected": "red"}.get(row.status, "dim")
        reasons = [r.removeprefix(f"文件「{row.file_name}」").lstrip("：") for r in row.reasons]
        dept = named(names.get(row.department_code), row.department_code) if row.department_code else "—"
        state = STATUS_ZH.get(row.status, row.status) + (RECHECKED if pd.notna(row.rechecked_at) else "")
        rows.append(Row([dept, state, f"{row.received_at:%Y-%m-%d %H:%M}",
                         row.file_name], note="；".join(reasons), cell_styles={1: colour}))
    return record_table(STATUS_HEADERS, rows, width, title=f"{period} 报送情况 / submissions")


@app.command()
def serve(register_only: bool = typer.Option(False, "--register-only", help="只注册部署，不启动工作进程 / only register"),
          limit: Optional[int] = typer.Option(None, "--limit", metavar="N",
                                              help="工作进程同时运行的流程数 / concurrent runs")) -> None:
    """在 Prefect 服务器上注册部署并运行 / register the deployments on a Prefect server and run them."""
    from prefect.settings import PREFECT_API_URL

    ws = _workspace()
    if not PREFECT_API_URL.value():
        fail("未设置 PREFECT_API_URL，请先启动 prefect server start 并设置该地址",
             "PREFECT_API_URL is not set; start `prefect server start` and point PREFECT_API_URL at it")
    res = cli.checked_resources(ws)
    res.close()
    from kaoping.flows.deploy import register, run_worker  # cold start: Prefect, 1.0 s, only where a flow runs

    registered = register(res.settings, cli.state.database_url)
    schedule = res.settings.schedule
    console.print(line(f"已注册部署 / deployments registered on {PREFECT_API_URL.value()} (work pool ",
                       (registered.work_pool, "bold"), f"); 每晚 / nightly: {schedule.cron} {schedule.timezone}"))
    if not register_only:
        console.print("工作进程运行中，Ctrl+C 停止 / worker running, Ctrl+C to stop")
        try:
            run_worker(registered.work_pool, limit)
        except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl+C: asyncio cancels the worker's task
            console.print("已停止 / stopped")


@app.command()
def demo(directory: Path = typer.Argument(Path("kaoping-demo"), help="示例工作区目录 / demo workspace folder")) -> None:
    """创建示例工作区并运行一次 / create the demo workspace and run it once.

    Exits 0 once the run is done: the demo's messy submissions are meant to be rejected.
    """
    created = not (directory / "kaoping.toml").exists()
    if created:
        try:
            init_workspace(directory, demo=True, review_days=office.REVIEW_DAYS)
        except WorkspaceExists as exc:
            zh, en = str(exc).split(" / ", 1)
            fail(zh, en)
    ws = str(directory.resolve())
    flows.quiet_console()
    from kaoping.flows.pipeline import nightly  # cold start: Prefect, 1.0 s, only where a flow runs

    summary = _with_progress(lambda: nightly(workspace=ws, database_url=cli.state.database_url))
    _print_summary(summary, ws)
    if created:  # the office's steps once: a rerun finds the periods final already
        _demo_review(ws, lambda: nightly(workspace=ws, database_url=cli.state.database_url))
    for path in ranking_workbooks(Path(ws)):
        console.print(line("排名表 / ranking workbook: ", (path, "bold")), highlight=False, soft_wrap=True)
    bulletins = sorted((Path(ws) / "out").glob("*/通报/*.docx"), key=lambda p: Period.parse(p.parent.parent.name))
    if bulletins:  # the latest period's 通报 (Word)
        console.print(line("通报 / bulletin: ", (bulletins[-1], "bold")), highlight=False, soft_wrap=True)


def _demo_review(ws: str, nightly_run: Callable[[], object]) -> None:
    """The demo office's 公示 → 定稿 (docs/demo.md): one adjustment of the last quarter and the
    earlier periods finalised, a run; then the last quarter finalised, a run; each period's state."""
    res = cli.checked_resources(ws)
    try:
        office.adjust_last_quarter(res)
        a = office.ADJUSTMENT
        console.print(line(f"人工调整 / adjustment: {office.LAST_QUARTER} {a['unit']} {a['indicator']} = {a['value']}"
                           f"（{a['reason']}；{a['author']}）"), highlight=False)
        office.finalize_periods(res, keep_open=(office.LAST_QUARTER, office.OPEN_YEAR))
        _with_progress(nightly_run)
        office.finalize_periods(res, keep_open=(office.OPEN_YEAR,))
        _with_progress(nightly_run)
        for code in wh_versions(res):
            console.print(version_line(res, code, label=f"{code} "), highlight=False)
    finally:
        res.close()


def ranking_workbooks(workspace: Path) -> list[Path]:
    """The ranking workbooks under out/, latest period last."""
    found = {p.parent.parent.name: [] for p in (workspace / "out").glob("*/排名/*.xlsx")}
    for p in (workspace / "out").glob("*/排名/*.xlsx"):
        found[p.parent.parent.name].append(p)
    return [p for period in sort_periods(list(found)) for p in sorted(found[period])]
