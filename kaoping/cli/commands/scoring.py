"""`kaoping score --period P [--sensitivity]`: score and rank a period under each catalog of its year."""
from __future__ import annotations

from typing import Optional

import pandas as pd
import typer
from rich.table import Table

from kaoping.cli.app import (EXIT_OK, EXIT_REJECTED, PERIOD_HELP, app, console, err_console, fail, no_catalog, period_code,
                         resources)
from kaoping.core.display import cell, line
from kaoping.scoring.rounding import round_half_up
from kaoping.stages import scoring as scoring_stage
from kaoping.warehouse.runs import NoData, run_rankings
from kaoping.warehouse.versions import PeriodClosed

COLUMNS = {"排名": "right", "单位": "left", "总分": "right", "等次": "left", "否决": "center",
           "变化": "right", "预警": "left"}
STABILITY = "稳定性 中位[5%,95%]"


def _number(value: float) -> str:
    return f"{float(round_half_up(value)):.2f}"


def _change(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"↑{value}" if value > 0 else (f"↓{-value}" if value < 0 else "—")


def ranking_table(title: str, frame: pd.DataFrame) -> Table:
    """A run's ranking as a rich table (one per group when the catalog ranks within groups)."""
    stability = frame["median_rank"].notna().any()
    table = Table(title=cell(title), title_justify="left", header_style="bold")
    for name, justify in [*COLUMNS.items(), *([(STABILITY, "left")] if stability else [])]:
        table.add_column(name, justify=justify)
    for r in frame.itertuples():
        style = "red" if r.is_vetoed else ("yellow" if r.alerts else None)
        cells = [str(r.rank), f"{r.unit_name}（{r.unit_code}）", _number(r.total), r.grade,
                 "是" if r.is_vetoed else "", _change(r.rank_change), r.alerts]
        if stability:
            cells.append(f"{r.median_rank:g} [{r.rank_p05:g}–{r.rank_p95:g}]")
        table.add_row(*map(cell, cells), style=style)
    return table


@app.command()
def score(period: str = typer.Option(..., "--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
          sensitivity: Optional[bool] = typer.Option(None, "--sensitivity/--no-sensitivity",
                                                     help="计算排名稳定性 / run the rank stability draws "
                                                          "(default: kaoping.toml)")) -> None:
    """评分并排名（草稿批次，需 kaoping publish 发布）/ score and rank a period (draft runs).

    Exit 1 when no catalog of the period had an accepted submission (nothing was ranked).
    """
    code = period_code(period)
    res = resources()
    catalogs = res.catalogs_for(code)
    if not catalogs:
        no_catalog(code)
    scored = 0
    for catalog in catalogs:
        try:
            run_id = scoring_stage.score(res, catalog, code, sensitivity)
        except PeriodClosed as exc:
            res.close()
            fail(*str(exc).split(" / ", 1))
        except NoData as exc:
            err_console.print(line((exc, "yellow")), highlight=False, soft_wrap=True)
            continue
        scored += 1
        with res.warehouse.session() as session:
            frame = run_rankings(session, run_id)
        for group, rows in frame.groupby(frame["group"].fillna(""), sort=True):
            title = f"{catalog.name} {code}{f' {group}组' if group else ''} — 评分批次 / run {run_id}"
            console.print(ranking_table(title, rows))
    res.close()
    raise typer.Exit(EXIT_OK if scored else EXIT_REJECTED)
