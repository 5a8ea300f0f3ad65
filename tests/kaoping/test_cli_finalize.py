"""`kaoping finalize` and the review window at the command line (SQLite and PostgreSQL): publish
makes a review version, status shows the window, finalize makes it final and writes the 通报, and
then adjust and score are refused with one line, exit 2."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaoping.cli import commands  # noqa: F401  (registers the commands)
from kaoping.cli.app import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
from report_kit import build_published  # noqa: E402


@pytest.fixture
def review(tmp_path, db_url):
    """report_kit's workspace with a 3-day review window, its 2025Q3 run a draft."""
    b = build_published(tmp_path / "ws", db_url, publish_q3=False)
    (b.res.workspace / "kaoping.toml").write_text("[publication]\nreview_days = 3\n", encoding="utf-8")
    yield b
    b.res.close()


def _cli(res, *args: str):
    return CliRunner().invoke(app, [*args, "-w", str(res.workspace), "--db", res.settings.database_url])


def test_publish_finalize_and_the_refusals(review):
    res = review.res
    bulletin = res.workspace / "out" / "2025Q3" / "通报" / "t-county-2025_2025Q3_通报.docx"
    assert _cli(res, "publish", "--period", "2025Q3", "--incomplete").exit_code in (0, 1)
    assert not bulletin.exists()
    status = _cli(res, "status", "--period", "2025Q3")
    assert "考评结果 / results: 征求意见中，截至 " in status.output
    done = _cli(res, "finalize", "--period", "2025Q3", "--by", "李四")
    assert done.exit_code in (0, 1), done.output
    assert "期间 2025Q3 已定稿" in done.output and bulletin.is_file()
    assert "考评结果 / results: 已定稿" in _cli(res, "status", "--period", "2025Q3").output
    adjust = _cli(res, "adjust", "--period", "2025Q3", "--unit", "南山县", "--indicator", "C01-01", "--value", "90",
                  "--reason", "来函更正")
    assert adjust.exit_code == 2 and "期间 2025Q3 已定稿" in adjust.output and "Traceback" not in adjust.output
    score = _cli(res, "score", "--period", "2025Q3")
    assert score.exit_code == 2 and "已定稿" in score.output and "period 2025Q3 is final" in score.output
    assert "早已定稿" in _cli(res, "finalize", "--period", "2025Q3").output


def test_finalize_without_a_review_version_is_exit_2(review):
    result = _cli(review.res, "finalize", "--period", "2025Q4")
    assert result.exit_code == 2 and "没有已发布的征求意见稿" in result.output
