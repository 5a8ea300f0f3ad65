"""The publishing stage: a period's outputs written in parts (documents | feedback workbooks) are
the same files, byte for byte, as written at once; the pool writes both parts side by side."""
from __future__ import annotations

import shutil
from pathlib import Path

from kaoping.sources.adjustments import AdjustmentRequest
from kaoping.stages import workers
from kaoping.stages.adjustments import record_adjustments
from kaoping.stages.publishing import DOCUMENTS, FEEDBACK, published_runs, write_outputs
from kaoping.stages.scoring import publish, score

PERIOD = "2025Q3"


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_two_parts_write_the_same_files_as_one_call(published):
    res = published.res
    whole = write_outputs(res, PERIOD)
    at_once = _files(res.settings.out_dir)
    shutil.rmtree(res.settings.out_dir)
    documents = write_outputs(res, PERIOD, parts=(DOCUMENTS,))
    feedback = write_outputs(res, PERIOD, parts=(FEEDBACK,))
    assert _files(res.settings.out_dir) == at_once
    assert sorted(documents + feedback) == sorted(whole)
    assert all("反馈" in p.parts for p in feedback) and not any("反馈" in p.parts for p in documents)
    assert any(p.suffix == ".docx" for p in documents) and any(p.suffix == ".csv" for p in documents)


def _second_version(res) -> None:
    """2025Q3 published again after an adjustment, so that it has a version before it."""
    first, = published_runs(res, PERIOD)
    row = first.details.dropna(subset=["value_used"]).iloc[0]
    record_adjustments(res, [AdjustmentRequest(PERIOD, first.catalog.code, row.unit_code, row.unit_code,
                                               row.indicator_code, row.indicator_code, float(row.value_used),
                                               "核实更正", "张三", "kaoping adjust")])
    publish(res, score(res, first.catalog, PERIOD))


def test_the_feedback_part_reads_no_change_log_or_inputs(published):
    _second_version(published.res)
    full, = published_runs(published.res, PERIOD)
    lean, = published_runs(published.res, PERIOD, parts=(FEEDBACK,))
    assert full.previous is not None and full.inputs is not None
    assert lean.previous is None and lean.inputs is None
    assert lean.rankings.equals(full.rankings) and lean.details.equals(full.details)


def test_the_pool_writes_a_period_whole_after_its_out_folder_was_deleted(published):
    res = published.res
    expected = sorted(write_outputs(res, PERIOD))
    shutil.rmtree(res.settings.out_dir)
    written = workers.write_period(str(res.workspace), res.settings.database_url, PERIOD)
    assert sorted(written) == expected and all(p.is_file() for p in written)
