"""`kaoping catalog show FILE` and `kaoping catalog export FILE --out DIR`: the 考评细则 as a table and
as a printable workbook (reports/catalog_document.py holds what both show)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import typer

from kaoping.sources.catalogs import load_catalog
from kaoping.cli.app import KaopingTyper, app, console, fail, resources, state
from kaoping.cli.tables import Row, named, record_table
from kaoping.core.config import workspace_path
from kaoping.core.display import line
from kaoping.reports import texts
from kaoping.reports.catalog_document import (ItemRow, document_fields, document_subtitle, document_title,
                                              item_rows, write_catalog_document)
from kaoping.scoring.catalog import Catalog

catalog_app = KaopingTyper(no_args_is_help=True, help="考评细则：查看和导出 / the catalog as a table or a document")
app.add_typer(catalog_app, name="catalog")

FILE_HELP = "考评细则文件（YAML）/ catalog file (YAML)"
SHOWN_COLUMNS = 5  # 一级指标 … 报送部门 as columns; the rule goes below each row, the due date is a general rule


@dataclass
class Document:
    """A checked catalog and its rows, department names from its workspace where there is one."""

    catalog: Catalog
    rows: list[ItemRow]


def _workspace_of(file: Path) -> Path | None:
    """The workspace named by -w or KAOPING_WORKSPACE, else the nearest folder above FILE with
    kaoping.toml (None: FILE is outside any workspace)."""
    if state.workspace is not None or os.environ.get("KAOPING_WORKSPACE"):
        return workspace_path(state.workspace)
    return next((p for p in file.resolve().parents if (p / "kaoping.toml").is_file()), None)


def _document(file: Path) -> Document:
    """FILE loaded and checked (inside a workspace against its registry too), or exit 2 listing every problem."""
    if not file.is_file():
        fail(f"文件不存在：{file}", f"no such file: {file}")
    folder = _workspace_of(file)
    if folder is None:  # nothing to name departments with: their codes are shown
        catalog = load_catalog(file)
        return Document(catalog, item_rows(catalog, lambda code: code))
    state.workspace = folder  # resources() opens it, and refuses a -w folder that is no workspace
    res = resources()
    registry = res.registry
    catalog = load_catalog(file, set(registry.departments["code"]), registry.groups())
    label = lambda code: named(registry.department_name(code), code)  # noqa: E731
    return Document(catalog, item_rows(catalog, label, res.settings.deadlines.departments))


@catalog_app.command()
def show(file: Path = typer.Argument(..., metavar="FILE", help=FILE_HELP)) -> None:
    """显示考评细则 / print the catalog as a table."""
    doc = _document(file)
    headers = list(texts.CATALOG_HEADERS[:SHOWN_COLUMNS])
    rows = [Row(r.cells(with_points=False)[:SHOWN_COLUMNS], note=r.rule) for r in doc.rows]
    console.print(line((document_title(doc.catalog), "bold")), highlight=False)
    console.print(line((document_subtitle(doc.catalog), "dim")), highlight=False)
    console.print(record_table(headers, rows, console.width))
    for label, words in document_fields(doc.catalog):  # the terminal folds these long lines
        console.print(line((f"{label}：", "bold"), words), highlight=False, soft_wrap=True)


@catalog_app.command()
def export(file: Path = typer.Argument(..., metavar="FILE", help=FILE_HELP),
           out: Path = typer.Option(..., "--out", metavar="DIR", help="输出目录 / output folder")) -> None:
    """导出可打印的考评细则（Excel）/ write the catalog as a printable workbook."""
    doc = _document(file)
    edited = datetime.fromtimestamp(file.stat().st_mtime, timezone.utc)  # same file, same bytes
    try:
        path = write_catalog_document(doc.catalog, doc.rows, out, edited)
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:  # --out is a file, or not ours to write
        fail(f"无法写入输出目录 {out}：{exc.strerror}", f"cannot write to the output folder {out}: {exc.strerror}")
    console.print(line("已生成考评细则 / wrote: ", (path, "bold")), highlight=False)
