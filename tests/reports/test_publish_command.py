"""`kaoping publish --period P` end to end: the engine's draft run is published, written, distributed."""
from __future__ import annotations

from report_kit import EXPECTED_CSV, build_published
from typer.testing import CliRunner

from kaoping.cli import commands  # noqa: F401  (registers the commands)
from kaoping.cli.app import app
from kaoping.warehouse import queries
from kaoping.stages.scoring import score


def _publish(res, period: str = "2025Q3"):
    return CliRunner().invoke(app, ["-w", str(res.workspace), "--db", res.settings.database_url,
                                    "publish", "--period", period])


def test_publish_scores_of_the_engine_end_to_end(tmp_path, db_url):
    # the hand-built 2025Q3 run stays a draft; the engine scores the same values into a newer draft
    built = build_published(tmp_path / "ws", db_url, publish_q3=False)
    res = built.res
    run_id = score(res, res.catalog("t-county-2025"), "2025Q3")
    assert run_id != built.run_id
    result = _publish(res)
    assert result.exit_code == 0, result.output
    with res.warehouse.session() as session:
        assert queries.latest_run(session, "t-county-2025", "2025Q3", status="published").id == run_id
    out = res.workspace / "out" / "2025Q3"
    # the engine's ranking agrees with the one worked out by hand in report_kit
    assert (out / "rankings.csv").read_text(encoding="utf-8-sig") == EXPECTED_CSV
    assert (out / "排名" / "t-county-2025_2025Q3_考评排名.xlsx").exists()
    assert (out / "通报" / "t-county-2025_2025Q3_通报.docx").exists()
    assert sorted(p.name for p in (res.workspace / "outbox").iterdir()) == ["A01", "A02", "leaders"]
    assert "发送 7 个" in result.output  # leaders also get the 通报

    again = _publish(res)
    assert again.exit_code == 0 and "跳过已发送 7 个" in again.output
    res.close()


def test_publish_without_a_run_is_a_usage_error(tmp_path, db_url):
    built = build_published(tmp_path / "ws", db_url)
    result = _publish(built.res, "2025Q4")
    assert result.exit_code == 2
    assert "没有已发布的评分批次" in result.output
    assert _publish(built.res, "2025第三季度").exit_code == 2
    built.res.close()


def test_publish_holds_back_an_incomplete_period_unless_told(tmp_path, db_url):
    from openpyxl import load_workbook
    from sqlalchemy import update

    from kaoping.warehouse.models import Submission

    built = build_published(tmp_path / "ws", db_url, publish_q3=False)
    res = built.res
    with res.warehouse.session() as session:  # 公安局's file turned out bad: 2025Q3 waits for it
        session.execute(update(Submission).where(Submission.department_code == "GA").values(status="rejected"))
    held = _publish(res)
    assert held.exit_code == 0, held.output
    assert "数据不完整" in held.output and "未分发" in held.output
    assert not (res.workspace / "outbox").exists() or not any((res.workspace / "outbox").rglob("*.xlsx"))
    ranking = res.workspace / "out" / "2025Q3" / "排名" / "t-county-2025_2025Q3_考评排名.xlsx"
    assert load_workbook(ranking, read_only=True)["排名总表"]["A1"].value.startswith("【数据不完整")

    sent = CliRunner().invoke(app, ["-w", str(res.workspace), "--db", res.settings.database_url,
                                    "publish", "--period", "2025Q3", "--incomplete"])
    assert sent.exit_code == 0, sent.output
    assert "发送 7 个" in sent.output  # leaders: ranking, 通报, rankings.csv; each unit its feedback
    copy = res.workspace / "outbox" / "leaders" / "2025Q3" / "t-county-2025_2025Q3_考评排名.xlsx"
    assert load_workbook(copy, read_only=True)["排名总表"]["A1"].value.startswith("【数据不完整")
    res.close()
