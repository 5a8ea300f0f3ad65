"""The in-process steps, each run by `python -m benchmarks step NAME` in a fresh interpreter."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from benchmarks.measure import report_inner
from benchmarks.workload import Workload, long_values, unit_table, workload_catalog
from benchmarks.workspace_gen import inbox_files


def scoring_engine():
    """The pure scoring entry point and its options class, or None while scoring/ lacks them."""
    try:
        from kaoping.scoring.engine import ScoreOptions, score_period
    except ImportError:
        return None
    return score_period, ScoreOptions


def scoring_inputs(work: Workload) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """(values of the last quarter, history of the earlier ones, units, period) as the engine takes them."""
    quarters = [long_values(work, q) for q in range(1, work.quarters + 1)]
    for frame in quarters:
        frame["fact_value_id"] = pd.RangeIndex(len(frame)) + 1
    history = pd.concat(quarters[:-1], ignore_index=True) if len(quarters) > 1 else quarters[0].iloc[:0]
    return quarters[-1], history, unit_table(work.units), work.periods[-1].code


def step_bare_read(workspace: str) -> None:
    from benchmarks.bare import bare_read

    figures = bare_read(inbox_files(Path(workspace)))
    report_inner(figures.pop("seconds"), **figures)


def step_naive(workspace: str, workload: str) -> None:
    from benchmarks.naive import naive_job

    work = Workload(**json.loads(workload))
    figures = naive_job(inbox_files(Path(workspace)), workload_catalog(work), unit_table(work.units),
                        Path(workspace))
    report_inner(figures.pop("seconds"), **figures)


def step_scoring(workload: str, draws: str) -> None:
    """The engine alone on one quarter (values already in memory); draws > 0 adds sensitivity."""
    engine = scoring_engine()
    if engine is None:
        raise SystemExit("scoring engine not available")
    score_period, ScoreOptions = engine
    work = Workload(**json.loads(workload))
    values, history, units, period = scoring_inputs(work)
    previous = pd.DataFrame(columns=["period", "unit_code", "group", "rank", "grade"])
    catalog = workload_catalog(work)
    n = int(draws)
    options = ScoreOptions(period=period, sensitivity=n > 0, draws=max(n, 1))
    start = time.perf_counter()
    result = score_period(catalog, values, units, history, previous, options)
    seconds = time.perf_counter() - start
    report_inner(seconds, units=len(result.rankings), scores=len(result.scores), draws=n)


def step_bare_write(workload: str, target: str) -> None:
    """The fact rows bulk-written: SQLite executemany into `target` (a file), or COPY when it is a URL."""
    from benchmarks import bounds

    work = Workload(**json.loads(workload))
    values, scores = bounds.value_rows(work), bounds.score_rows(work)
    if not target.startswith("postgresql"):
        Path(target).unlink(missing_ok=True)
    values_s = bounds.bulk_write(target, "bare_value", bounds.VALUE_COLUMNS, values)
    scores_s = bounds.bulk_write(target, "bare_score", bounds.SCORE_COLUMNS, scores)
    report_inner(values_s + scores_s, values_s=round(values_s, 3), scores_s=round(scores_s, 3),
                 value_rows=len(values), score_rows=len(scores))


def step_bare_output(out: str, target: str) -> None:
    """The cells of every workbook under `out` (read first, not timed) written again with XlsxWriter."""
    from benchmarks import bounds

    books = list(bounds.output_cells(Path(out)))
    seconds = bounds.xlsxwriter_write(books, Path(target))
    report_inner(seconds, workbooks=len(books), cells=bounds.cell_count(books))


STEPS = {"bare-read": step_bare_read, "bare-write": step_bare_write, "bare-output": step_bare_output,
         "naive": step_naive, "scoring": step_scoring}
