"""`write_outputs`: the period's ranking workbooks, 通报, feedback workbooks and rankings.csv."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from kaoping.stages.resources import Resources
from kaoping.core.layout import bulletin_path, feedback_path, ranking_path, rankings_csv_path
from kaoping.reports.data import RunData, bulletin_due, published_runs
from kaoping.reports.feedback import feedback_context
from kaoping.reports.feedback_render import FeedbackWriter
from kaoping.reports.ranking import save_ranking
from kaoping.reports.rankings_csv import rankings_csv_bytes
from kaoping.reports.files import AtomicWrites, release_memory

Progress = Callable[[str, int, int], None]


def write_bulletin(res: Resources, data: RunData, writes: AtomicWrites) -> Path:
    """out/<period>/通报/<catalog>_<period>_通报.docx of one run."""
    from kaoping.reports.bulletin import bulletin_docx  # matplotlib and python-docx only where needed
    from kaoping.reports.bulletin_data import bulletin_content, timeliness_frame

    path = bulletin_path(res.settings.out_dir, data.catalog.code, data.period.code)
    writes.write(path, bulletin_docx(bulletin_content(data, res.settings.office, timeliness_frame(data.timeliness))))
    return path


def _write_run(res: Resources, data: RunData, writes: AtomicWrites, progress: Progress | None) -> list[Path]:
    period = data.period.code
    path = ranking_path(res.settings.out_dir, data.catalog.code, period)
    writes.stream(path, lambda out: save_ranking(data, out))
    release_memory()  # before the feedback context is built on top
    paths = [path]
    if bulletin_due(data.run.version):
        paths.append(write_bulletin(res, data, writes))
    writer = FeedbackWriter(data, feedback_context(data))
    total = len(data.rankings)
    for k, row in enumerate(data.rankings.itertuples(), start=1):
        unit_path = feedback_path(res.settings.out_dir, period, row.unit_code, row.unit_name)
        writes.write(unit_path, writer.workbook(row))
        paths.append(unit_path)
        if progress is not None:
            progress(data.catalog.code, k, total)
    return paths


def write_outputs(res: Resources, period: str, progress: Progress | None = None) -> list[Path]:
    """Every output of the period's latest published runs; unchanged files are left untouched.

    Returns the output paths (ranking workbooks, 通报, feedback workbooks, rankings.csv), empty when
    no catalog of the period has a published run.
    """
    runs = published_runs(res, period)
    paths: list[Path] = []
    with AtomicWrites() as writes:
        for data in runs:
            paths += _write_run(res, data, writes, progress)
        if runs:
            csv_path = rankings_csv_path(res.settings.out_dir, runs[0].period.code)
            writes.write(csv_path, rankings_csv_bytes(runs))
            paths.append(csv_path)
    return paths
