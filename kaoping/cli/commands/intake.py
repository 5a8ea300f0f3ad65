"""Commands of the intake stage: `kaoping ingest`, `kaoping validate`, `kaoping template`."""
from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path
from typing import List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from kaoping.cli.app import EXIT_OK, EXIT_REJECTED, PERIOD_HELP, app, console, fail, no_catalog, period_code, resources
from kaoping.cli.commands.cycle import print_mail, print_sent
from kaoping.cli.tables import Row, named, record_table
from kaoping.core.display import line
from kaoping.sources import messages as M
from kaoping.sources.problems import Problem
from kaoping.sources.template import template_file_name, template_layout, write_template
from kaoping.stages import workers
from kaoping.stages.intake import Validator, examine_file
from kaoping.stages.intake import ingest as run_ingest
from kaoping.stages.receipts import send_receipts
from kaoping.warehouse.submissions import submission_status


WARNINGS_SHOWN = 50
ERRORS_SHOWN = 200


def problem_tables(problems: list[Problem], registry, width: int) -> list:
    """The problems of each file as a table (file named once, above it), each reason below its row."""
    by_file: dict[str, list[Problem]] = {}
    for p in sorted(problems, key=lambda p: (p.file, p.severity != M.ERROR, p.sheet or "", p.cell or "")):
        by_file.setdefault(p.file, []).append(p)
    tables = []
    for file, found in by_file.items():
        rows = [Row([M.SEVERITY_LABEL[p.severity], p.sheet or "", p.cell or "", _unit(registry, p.unit),
                     p.indicator or "", p.value or ""], note=M.problem_reason(p),
                    cell_styles={0: "red" if p.severity == M.ERROR else "yellow"}) for p in found]
        tables.append(record_table(list(M.CLI_COLUMNS), rows, width, title=file))
    return tables


def _unit(registry, text: str | None) -> str:
    """A unit as the file names it, with its registry code when it names one."""
    if not text:
        return ""
    code = registry.resolve_unit(text)
    return named(text, code) if code else text


def _department(registry, code: str | None) -> str:
    if not code:
        return ""
    return named(registry.department_name(code), code) if registry.resolve_department(code) else code


@app.command()
def ingest(recheck: Optional[List[Path]] = typer.Option(None, "--recheck", metavar="FILE",
                                                      help="重新校验这些已退回的收件箱文件（可重复）/ "
                                                           "examine these rejected inbox files again (repeatable)")
           ) -> None:
    """接收收件箱中的新文件 / ingest new inbox files.

    A rejected file is examined again by itself once the registries, catalogs or intake limits
    it was judged against have changed; `--recheck` asks for it now.
    """
    res = resources()
    again = _recheck_hashes(res, recheck or [])
    res.sync_dimensions()  # registry and catalog mistakes stop here, before the progress display
    read_ahead = partial(workers.prepared_files, str(res.workspace), res.settings.database_url,
                         timeout_s=res.settings.intake.max_file_s)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(M.CLI_INGESTING, total=None)
        report = run_ingest(res, progress=lambda done, total, _: bar.update(task, completed=done, total=total),
                            prepare=read_ahead, recheck=again)

    print_mail(report.mail)
    if not report.outcomes:
        console.print(M.CLI_NOTHING_NEW)
    for o in report.outcomes:
        label = {"accepted": (M.CLI_ACCEPTED, "green"), "rejected": (M.CLI_REJECTED, "red"),
                 "duplicate": M.CLI_DUPLICATE, "skipped": (M.CLI_SKIPPED, "yellow"),
                 "refused": (M.CLI_REFUSED, "red")}[o.status]
        where = f" → {o.problem_report}" if o.problem_report else ""
        console.print(line(label, f" {o.path.name} {_department(res.registry, o.department)} {o.period or ''}{where}"),
                      highlight=False)
    _print_problems([p for o in report.outcomes for p in o.problems], res.registry)
    print_sent(send_receipts(res), "回执/退回 / receipts")
    raise typer.Exit(EXIT_REJECTED if report.rejected else EXIT_OK)


def _recheck_hashes(res, files: list[Path]) -> frozenset[str]:
    """The SHA-256 of each `--recheck` file, or exit 2 naming one that cannot be examined again
    (not a file, not in the inbox, never received, or accepted)."""
    hashes = set()
    inbox = res.settings.inbox_dir.resolve()
    for f in files:
        if not f.is_file() or not f.resolve().is_relative_to(inbox):
            fail(f"不是收件箱中的文件：{f}", f"not a file in the inbox: {f}")
        with f.open("rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()  # the key submissions are stored under
        with res.warehouse.reading() as session:
            status = submission_status(session, sha)
        if status in ("accepted", "superseded"):
            fail(f"文件已被接收，无需重新校验：{f}", f"already accepted, nothing to examine again: {f}")
        hashes.add(sha)
    return frozenset(hashes)


def _print_problems(problems: list[Problem], registry) -> None:
    """The shown problems as tables, then the count of those not shown."""
    shown = shown_problems(problems)
    for table in problem_tables(shown, registry, console.width):
        console.print(table)
    if len(shown) < len(problems):
        console.print(M.CLI_MORE_PROBLEMS.format(total=len(problems), shown=len(shown)))


def shown_problems(problems: list[Problem]) -> list[Problem]:
    """The first ERRORS_SHOWN errors and the first WARNINGS_SHOWN warnings: a province's intake can
    raise tens of thousands of them (150,000 unknown names in one file), which no one reads on a
    console; every one stays in the warehouse and in the 问题清单 workbook."""
    errors = [p for p in problems if p.severity == M.ERROR][:ERRORS_SHOWN]
    return errors + [p for p in problems if p.severity != M.ERROR][:WARNINGS_SHOWN]


@app.command()
def validate(files: List[Path] = typer.Argument(..., metavar="FILE...", help="要检查的文件 / files to check"),
             department: Optional[str] = typer.Option(None, "--department", "-d", metavar="DEPT",
                                                      help="报送部门（代码或名称）/ department (code or name)"),
             period: Optional[str] = typer.Option(None, "--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
             docs: Optional[Path] = typer.Option(None, "--docs", metavar="DIR",
                                                 help="生成 GX 数据文档的目录 / Data Docs folder")
             ) -> None:
    """检查文件但不入库 / check files without loading them."""
    period = period_code(period) if period else None
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
        verdict = (M.CLI_WOULD_ACCEPT, "green") if exam.accepted else (M.CLI_WOULD_REJECT, "red")
        console.print(line(verdict, f" {f.name} {_department(res.registry, exam.department)} {exam.period or ''}"),
                      highlight=False)
    _print_problems(problems, res.registry)
    if docs:
        console.print(line(M.CLI_DOCS_WRITTEN.format(path=validator.build_docs(docs))), highlight=False)
    raise typer.Exit(EXIT_REJECTED if rejected else EXIT_OK)


@app.command()
def template(period: str = typer.Option(..., "--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
             department: Optional[str] = typer.Option(None, "--department", "-d", metavar="DEPT",
                                                      help="报送部门（代码或名称）/ department (code or name)"),
             out: Path = typer.Option(..., "--out", metavar="DIR", help="输出目录 / output folder")) -> None:
    """生成各部门报送模板 / write the departments' templates."""
    code = period_code(period)
    res = resources()
    if not res.catalogs_for(code):
        no_catalog(code)
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
        name = res.registry.department_name(wanted) if wanted else ""
        fail(f"{code} 的考评细则中没有由{name or '任何部门'}报送的指标",
             f"no indicator of the {code[:4]} catalog(s) is sent by {wanted or 'any department'}")
    for path in written:
        console.print(line(path), highlight=False)
    console.print(M.CLI_TEMPLATES_WRITTEN.format(count=len(written)))
