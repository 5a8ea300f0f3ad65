"""公示 → 定稿 through the nightly flow (SPEC §11), on SQLite and PostgreSQL: a period is published
as a review version (征求意见稿) and distributed, a resubmission inside the window makes a new review
version whose 变更说明 names the superseding file, the first nightly run after the window makes it
final (通报 written and sent), the final version takes neither adjustments nor rescoring, and the
next period's rank change reads it. Time is passed in: nothing waits for days."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kaoping.flows.pipeline import nightly
from kaoping.sources.adjustments import AdjustmentError, AdjustmentRequest
from kaoping.stages.adjustments import record_adjustments
from kaoping.warehouse.models import FactRanking, RunFinalization, ScoreRun
from kaoping.stages.scoring import score
from kaoping.warehouse.versions import PeriodClosed, period_version

T0 = datetime.now(timezone.utc)
GA = [96, 91, 81, 71]  # 甲县 first … 丁县 last
GA_CORRECTED = [70, 91, 81, 96]  # 甲县 and 丁县 swap places
SF = [90, 90, 90, 90]


def run(tiny, now: datetime):
    return nightly(workspace=str(tiny.root), database_url=tiny.database_url, now=now)


def with_review_days(tiny, days: int) -> None:
    toml = tiny.root / "kaoping.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("review_days = 0", f"review_days = {days}"),
                    encoding="utf-8")


def state(tiny, period: str):
    res = tiny.resources()
    try:
        with res.warehouse.reading() as session:
            return period_version(session, period)
    finally:
        res.close()


def ranking_book(tiny, period: str):
    return load_workbook(tiny.root / "out" / period / "排名" / f"tiny-2025_{period}_考评排名.xlsx")


def bulletin(tiny, period: str):
    return tiny.root / "out" / period / "通报" / f"tiny-2025_{period}_通报.docx"


def outbox(tiny) -> set[str]:
    folder = tiny.root / "outbox"
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def reviewed(tiny):
    """2025Q1 published as a review version (5-day window), both departments' files in."""
    with_review_days(tiny, 5)
    tiny.send("2025Q1", GA)
    tiny.send("2025Q1", SF, department="司法局")
    run(tiny, T0)
    return tiny


def test_a_period_goes_from_review_through_a_resubmission_to_final(reviewed):
    tiny = reviewed
    first = state(tiny, "2025Q1")
    assert first.state == "review" and first.review_until > T0 + timedelta(days=5)
    book = ranking_book(tiny, "2025Q1")
    assert book["排名总表"]["A1"].value.startswith("【征求意见稿】")
    assert book["排名总表"].oddHeader.center.text == "征求意见稿"
    feedback = load_workbook(tiny.root / "out" / "2025Q1" / "反馈" / "U1_甲县.xlsx").active
    assert feedback["A1"].value.startswith("【征求意见稿】") and feedback.oddHeader.center.text == "征求意见稿"
    assert "变更说明" not in book.sheetnames  # the first version has nothing to compare with
    assert not bulletin(tiny, "2025Q1").exists()
    assert "leaders/2025Q1/tiny-2025_2025Q1_考评排名.xlsx" in outbox(tiny)  # distributed to be commented on

    tiny.send("2025Q1", GA_CORRECTED, name="公安局_2025Q1_更正.csv")
    run(tiny, T0 + timedelta(days=2))
    second = state(tiny, "2025Q1")
    assert second.state == "review" and second.review_until == first.review_until  # the window is not reopened
    changes = [list(r) for r in ranking_book(tiny, "2025Q1")["变更说明"].iter_rows(min_row=4, values_only=True)]
    by_unit = {r[0]: tuple(r) for r in changes}
    assert set(by_unit) == {"甲县", "丁县"}
    assert by_unit["甲县"][3:5] == (1, 4) and by_unit["丁县"][3:5] == (4, 1)
    assert "重新报送《公安局_2025Q1_更正.csv》，取代《公安局_2025Q1.csv》" in by_unit["甲县"][7]
    assert "A1 破案率：数值 96 → 70" in by_unit["甲县"][7]

    summary = run(tiny, T0 + timedelta(days=7))  # the first nightly run after the window
    assert summary.finalized == ["2025Q1"] and state(tiny, "2025Q1").state == "final"
    book = ranking_book(tiny, "2025Q1")
    assert not book["排名总表"]["A1"].value.startswith("【征求意见稿】") and "变更说明" in book.sheetnames
    assert bulletin(tiny, "2025Q1").is_file()
    assert "leaders/2025Q1/tiny-2025_2025Q1_通报.docx" in outbox(tiny)


def test_a_final_version_takes_no_adjustment_and_no_rescoring(reviewed):
    tiny = reviewed
    run(tiny, T0 + timedelta(days=7))
    res = tiny.resources()
    try:
        with res.warehouse.reading() as session:
            runs = session.scalars(select(ScoreRun.id)).all()
            finalized = session.scalars(select(RunFinalization.finalized_by)).all()
        assert finalized == ["nightly"]
        request = AdjustmentRequest(period="2025Q1", catalog_code="tiny-2025", unit_code="U1", unit_name="甲县",
                                    indicator_code="A1", indicator_name="破案率", value=99.0, reason="更正",
                                    author="张三", source="test")
        with pytest.raises(AdjustmentError, match="期间 2025Q1 已定稿"):
            record_adjustments(res, [request])
        with pytest.raises(PeriodClosed, match="已定稿"):
            score(res, res.catalog("tiny-2025"), "2025Q1")
    finally:
        res.close()
    tiny.send("2025Q1", GA_CORRECTED, name="公安局_2025Q1_再次更正.csv")
    summary = run(tiny, T0 + timedelta(days=8))
    assert summary.closed == ["2025Q1"] and "2025Q1" not in summary.runs
    res = tiny.resources()
    try:
        with res.warehouse.reading() as session:
            assert session.scalars(select(ScoreRun.id)).all() == runs
    finally:
        res.close()


def test_the_next_period_reads_the_final_version(reviewed):
    tiny = reviewed
    tiny.send("2025Q1", GA_CORRECTED, name="公安局_2025Q1_更正.csv")
    run(tiny, T0 + timedelta(days=1))
    run(tiny, T0 + timedelta(days=7))
    tiny.send("2025Q2", [95, 90, 80, 70])  # 甲县 first again: it was 4th in the final Q1
    tiny.send("2025Q2", SF, department="司法局")
    run(tiny, T0 + timedelta(days=60))
    assert state(tiny, "2025Q2").state == "review"
    res = tiny.resources()
    try:
        with res.warehouse.reading() as session:
            q2 = session.scalar(select(ScoreRun.id).where(ScoreRun.period == "2025Q2"))
            change = session.scalar(select(FactRanking.rank_change).where(FactRanking.run_id == q2,
                                                                          FactRanking.unit_code == "U1"))
    finally:
        res.close()
    assert change == 3  # 4th in Q1's final version → 1st


def test_without_review_days_a_period_is_final_at_once_and_stays_open(tiny):
    tiny.send("2025Q1", GA)
    tiny.send("2025Q1", SF, department="司法局")
    run(tiny, T0)
    assert state(tiny, "2025Q1").state == "final" and bulletin(tiny, "2025Q1").is_file()
    assert not ranking_book(tiny, "2025Q1")["排名总表"]["A1"].value.startswith("【征求意见稿】")
    tiny.send("2025Q1", GA_CORRECTED, name="公安局_2025Q1_更正.csv")
    summary = run(tiny, T0 + timedelta(days=30))
    assert summary.finalized == [] and summary.closed == [] and summary.runs["2025Q1"]
    assert "变更说明" in ranking_book(tiny, "2025Q1").sheetnames
