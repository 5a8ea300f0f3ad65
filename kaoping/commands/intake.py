"""Commands of the intake stage: `kaoping ingest`, `kaoping validate`, `kaoping template`."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from kaoping.cli import EXIT_OK, EXIT_REJECTED, app, console, fail, resources
from kaoping.scoring.periods import Period
from kaoping.sources import messages as M
from kaoping.sources.problems import Problem


WARNINGS_SHOWN = 50
ERRORS_SHOWN = 200


def _problem_table(problems: list[Problem]) -> Table:
    table = Table(*M.CLI_COLUMNS, show_lines=False, header_style="bold")
    for p in sorted(problems, key=lambda p: (p.severity != M.ERROR, p.file, p.sheet or "", p.cell or "")):
        style = "red" if p.severity == M.ERROR else "yellow"
        table.add_row(f"[{style}]{M.SEVERITY_LABEL[p.severity]}[/{style}]", p.file, p.sheet or "", p.cell or "",
                      p.unit or "", p.indicator or "", p.value or "", p.expected or "", p.message)
    return table


@app.command()
def ingest() -> None:
    """接收收件箱中的新文件 / ingest new inbox files."""
    from kaoping import workers
    from kaoping.sources.intake import ingest as run_ingest

    res = resources()
    read_ahead = partial(workers.prepared_files, str(res.workspace), res.settings.database_url,
                         timeout_s=res.settings.intake.max_file_s)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(M.CLI_INGESTING, total=None)
        report = run_ingest(res, progress=lambda done, total, _: bar.update(task, completed=done, total=total),
                            prepare=read_ahead)
    if not report.outcomes:
        console.print(M.CLI_NOTHING_NEW)
    for o in report.outcomes:
        label = {"accepted": f"[green]{M.CLI_ACCEPTED}[/green]", "rejected": f"[red]{M.CLI_REJECTED}[/red]",
                 "duplicate": M.CLI_DUPLICATE, "skipped": f"[yellow]{M.CLI_SKIPPED}[/yellow]",
                 "refused": f"[red]{M.CLI_REFUSED}[/red]"}[o.status]
        where = f" → {o.problem_report}" if o.problem_report else ""
        console.print(f"{label} {o.path.name} {o.department or ''} {o.period or ''}{where}", highlight=False)
    _print_problems([p for o in report.outcomes for p in o.problems])
    raise typer.Exit(EXIT_REJECTED if report.rejected else EXIT_OK)


def _print_problems(problems: list[Problem]) -> None:
    """The shown problems as a table, then the count of those not shown."""
    shown = shown_problems(problems)
    if shown:
        console.print(_problem_table(shown))
    if len(shown) < len(problems):
        console.print(M.CLI_MORE_PROBLEMS.format(total=len(problems), shown=len(shown)))


def shown_problems(problems: list[Problem]) -> list[Problem]:
    """The first ERRORS_SHOWN errors and the first WARNINGS_SHOWN warnings: a province's intake can
    raise tens of thousands of them (150,000 unknown names in one file), which no one reads on a
    console; every one stays in the warehouse and in the 问题清单 workbook."""
    errors = [p for p in problems if p.severity == M.ERROR][:ERRORS_SHOWN]
    return errors + [p for p in problems if p.severity != M.ERROR][:WARNINGS_SHOWN]


@app.command()
def validate(files: List[Path] = typer.Argument(..., help="要检查的文件 / files to check"),
             department: Optional[str] = typer.Option(None, "--department", help="报送部门 / department"),
             period: Optional[str] = typer.Option(None, "--period", help="考评期间 / period"),
             docs: Optional[Path] = typer.Option(None, "--docs", help="生成 GX 数据文档的目录 / Data Docs folder")
             ) -> None:
    """检查文件但不入库 / check files without loading them."""
    from kaoping.sources.intake import Validator, examine_file

    for f in files:
        if not f.is_file():
            fail(f"文件不存在：{f}", f"no such file: {f}")
    res = resources()
    validator = Validator()
    problems, rejected = [], False
    for f in files:
        exam = examine_file(res, f, validator, department, period)
        rejected |= not exam.accepted
        problems += exam.problems
        verdict = f"[green]{M.CLI_WOULD_ACCEPT}[/green]" if exam.accepted else f"[red]{M.CLI_WOULD_REJECT}[/red]"
        console.print(f"{verdict} {f.name} {exam.department or ''} {exam.period or ''}", highlight=False)
    _print_problems(problems)
    if docs:
        console.print(M.CLI_DOCS_WRITTEN.format(path=validator.build_docs(docs)), highlight=False)
    raise typer.Exit(EXIT_REJECTED if rejected else EXIT_OK)


@app.command()
def template(period: str = typer.Option(..., "--period", help="考评期间 / period"),
             department: Optional[str] = typer.Option(None, "--department", help="报送部门 / department"),
             out: Path = typer.Option(..., "--out", help="输出目录 / output folder")) -> None:
    """生成各部门报送模板 / write the departments' templates."""
    from kaoping.sources.template import template_file_name, template_layout, write_template

    try:
        code = Period.parse(period).code
    except ValueError as exc:
        zh, en = str(exc).split(" / ", 1)
        fail(zh, en)
    res = resources()
    wanted = None
    if department:
        wanted = res.registry.resolve_department(department)
        if wanted is None:
            fail(f"未知的报送部门：{department}", f"unknown department: {department}")
    written = []
    for catalog in res.catalogs_for(code):
        for dept in sorted({i.source for i in catalog.collected()}):
            if wanted in (None, dept):
                layout = template_layout(catalog, dept, code, res.registry)
                name = res.registry.department_name(dept)
                written.append(write_template(out / template_file_name(layout, name), layout, catalog, name))
    if not written:
        fail(f"期间 {code} 没有需要报送的指标", f"no collected indicators for {code}")
    for path in written:
        console.print(str(path), highlight=False)
    console.print(M.CLI_TEMPLATES_WRITTEN.format(count=len(written)))
