"""`kaoping publish --period P` end to end: the engine's draft run is published, written, distributed."""
from __future__ import annotations

from report_kit import EXPECTED_CSV, build_published
from typer.testing import CliRunner

from kaoping import commands  # noqa: F401  (registers the commands)
from kaoping.cli import app
from kaoping.warehouse import queries
from kaoping.warehouse.runs import score_period


def _publish(res, period: str = "2025Q3"):
    return CliRunner().invoke(app, ["-w", str(res.workspace), "--db", res.settings.database_url,
                                    "publish", "--period", period])


def test_publish_scores_of_the_engine_end_to_end(tmp_path, db_url):
    # the hand-built 2025Q3 run stays a draft; the engine scores the same values into a newer draft
    built = build_published(tmp_path / "ws", db_url, publish_q3=False)
    res = built.res
    run_id = score_period(res, res.catalog("t-county-2025"), "2025Q3")
    assert run_id != built.run_id
    result = _publish(res)
    assert result.exit_code == 0, result.output
    with res.warehouse.session() as session:
        assert queries.latest_run(session, "t-county-2025", "2025Q3", status="published").id == run_id
    out = res.workspace / "out" / "2025Q3"
    # the engine's ranking agrees with the one worked out by hand in report_kit
    assert (out / "rankings.csv").read_text(encoding="utf-8-sig") == EXPECTED_CSV
    assert (out / "排名" / "t-county-2025_2025Q3_考评排名.xlsx").exists()
    assert sorted(p.name for p in (res.workspace / "outbox").iterdir()) == ["A01", "A02", "leaders"]
    assert "发送 6 个" in result.output

    again = _publish(res)
    assert again.exit_code == 0 and "跳过已发送 6 个" in again.output
    res.close()


def test_publish_without_a_run_is_a_usage_error(tmp_path, db_url):
    built = build_published(tmp_path / "ws", db_url)
    result = _publish(built.res, "2025Q4")
    assert result.exit_code == 2
    assert "没有已发布的评分批次" in result.output
    assert _publish(built.res, "2025第三季度").exit_code == 2
    built.res.close()
