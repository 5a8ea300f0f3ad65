"""`kaoping init` and `kaoping demo`."""
from __future__ import annotations

from pathlib import Path

import typer

from kaoping.cli.app import EXIT_USAGE, app, console, fail
from kaoping.cli.init import WorkspaceExists, init_workspace
from kaoping.core.display import line


@app.command()
def init(directory: Path = typer.Argument(..., help="工作区目录 / workspace folder"),
         demo: bool = typer.Option(False, "--demo", help="加入示例城市和报送文件 / add the demo city"),
         force: bool = typer.Option(False, "--force", help="目录非空时仍补充缺少的文件 / add to a non-empty folder")) -> None:
    """创建工作区 / create a workspace."""
    try:
        init_workspace(directory, demo=demo, force=force, sample=True)
    except WorkspaceExists as exc:
        zh, en = str(exc).split(" / ", 1)
        fail(zh, en, EXIT_USAGE)
    console.print(line("已创建工作区 / workspace created: ", (directory.resolve(), "bold")))
    for catalog in sorted((directory / "catalog").glob("sample-*.yaml")):
        console.print(line(f"示例考评细则 / sample catalog: {catalog.relative_to(directory)}"
                           "（字段说明见 / fields: docs/catalog.md）"), highlight=False)
