"""`python -m benchmarks` end to end at a tiny size, so the harness cannot rot (times are not checked)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.plan import LABELS

STATUSES = {"ok", "not available", "failed", "timed out", "skipped"}
ROOT = Path(__file__).resolve().parents[2]


def test_tiny_benchmark_writes_every_step_and_figure(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--profile", "tiny", "--work", str(tmp_path / "work"),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    steps = doc["steps"]
    assert set(steps) == set(LABELS)
    for key, step in steps.items():
        assert step["status"] in STATUSES, key
        if step["status"] in ("ok", "timed out"):
            assert step["seconds"] > 0 and step["peak_rss_mb"] > 0, key
        if step["status"] == "failed":
            assert Path(step["log"]).exists(), key
    # the bare read needs nothing but the generated files: 4 departments × 2 quarters
    assert steps["bare_read"]["status"] == "ok" and steps["bare_read"]["extra"]["files"] == 8
    assert steps["scale_small"]["units"] == 10 and steps["scale_large"]["units"] == 60
    assert [f["key"] for f in doc["figures"]] == [
        "ingest_vs_bound", "cold_vs_bound", "nochange_vs_cold", "replaced_vs_cold", "postgres_vs_sqlite",
        "scoring_s", "peak_rss_mb", "large_vs_base", "large_peak_rss_mb", "naive_vs_kaoping"]
    # the bounds are measured on the same rows and cells kaoping wrote
    assert steps["bare_write"]["extra"]["value_rows"] > 0 and steps["bare_write"]["extra"]["score_rows"] > 0
    if steps["cold_sqlite"]["status"] == "ok":
        # every output but rankings.csv and the 通报 (.docx) of each of the 2 periods is a workbook
        assert steps["bare_output"]["extra"]["workbooks"] == steps["cold_sqlite"]["extra"]["outputs"] - 4
    else:  # the bound is taken from a finished cold run's files only
        assert steps["bare_output"]["status"] == "not available"
    assert doc["machine"]["nproc"] >= 1 and doc["workload"]["units"] == 30
    assert "kaoping benchmark" in done.stdout and "figures and targets" in done.stdout
