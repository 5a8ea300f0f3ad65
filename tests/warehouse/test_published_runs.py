"""A published score run is immutable (SPEC §7): the database refuses to change it or its rows, by
any statement or by the bulk path runs are stored by; a draft can change and be published."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from kaoping.warehouse.bulk import bulk_insert
from kaoping.warehouse.models import FactCategoryScore, FactRanking, FactScore, ScoreRun
from tests.warehouse.warehouse_kit import RECEIVED, loaded, ranking_row, refused, scored_run


@pytest.fixture
def wh(warehouse, tmp_path: Path):
    return loaded(warehouse, tmp_path)


CHANGES = {
    "insert_score": lambda s, r: s.add(FactScore(run_id=r, unit_code="C02", indicator_code="C01-01", score=0,
                                                 points=10, flags="缺报")),
    "update_score": lambda s, r: s.execute(update(FactScore).where(FactScore.run_id == r).values(score=0)),
    "delete_score": lambda s, r: s.execute(delete(FactScore).where(FactScore.run_id == r)),
    "insert_ranking": lambda s, r: s.add(ranking_row(r, unit_code="C02", rank=2)),
    "update_ranking": lambda s, r: s.execute(update(FactRanking).where(FactRanking.run_id == r).values(rank=2)),
    "delete_ranking": lambda s, r: s.execute(delete(FactRanking).where(FactRanking.run_id == r)),
    "insert_category": lambda s, r: s.add(FactCategoryScore(run_id=r, unit_code="C02", category_code="C01",
                                                            score=0, points=10)),
    "update_category": lambda s, r: s.execute(update(FactCategoryScore).where(FactCategoryScore.run_id == r)
                                              .values(score=0)),
    "delete_category": lambda s, r: s.execute(delete(FactCategoryScore).where(FactCategoryScore.run_id == r)),
    "update_run": lambda s, r: s.execute(update(ScoreRun).where(ScoreRun.id == r).values(input_sha256="0" * 64)),
    "unpublish_run": lambda s, r: s.execute(update(ScoreRun).where(ScoreRun.id == r)
                                            .values(status="draft", published_at=None)),
    "delete_run": lambda s, r: s.execute(delete(ScoreRun).where(ScoreRun.id == r)),
}


def test_published_run_and_its_rows_are_immutable(wh) -> None:
    run_id = scored_run(wh, "published")
    for change, step in CHANGES.items():
        message = refused(wh, change, lambda s, step=step: step(s, run_id))
        assert "已发布的评分批次不可修改" in message, change
    with wh.session() as s:
        assert s.get(FactRanking, (run_id, "C01")).rank == 1 and s.get(FactScore, (run_id, "C01", "C01-01")).score == 10


def test_one_statement_over_a_draft_and_a_published_run_is_refused_whole(wh) -> None:
    draft, published = scored_run(wh, "draft", with_submission=False), scored_run(wh, "published")
    for table in (FactScore, FactCategoryScore, FactRanking):
        both = table.run_id.in_([draft, published])
        for change in (update(table).where(both).values(run_id=table.run_id), delete(table).where(both)):
            message = refused(wh, f"{change} on {table.__tablename__}", lambda s, change=change: s.execute(change))
            assert "已发布的评分批次不可修改" in message
    with wh.session() as s:
        for run_id in (draft, published):
            assert s.scalars(select(FactScore.run_id).where(FactScore.run_id == run_id)).all() == [run_id]


def test_bulk_rows_into_a_published_run_are_refused_whole_and_into_a_draft_taken(wh) -> None:
    """The path score runs are stored by (COPY on PostgreSQL, executemany on SQLite) is checked too."""
    draft, published = scored_run(wh, "draft", with_submission=False), scored_run(wh, "published")
    columns = ["run_id", "unit_code", "indicator_code", "flags"]

    def batches(run_id: int) -> list[list[tuple]]:
        rows = [(run_id, "C01", f"B{k:03d}", "") for k in range(300)]
        return [rows[:150], rows[150:]]

    with wh.session() as s:
        bulk_insert(s, FactScore.__table__, columns, batches(draft))
    with pytest.raises(Exception, match="已发布的评分批次不可修改"):
        with wh.session() as s:
            bulk_insert(s, FactScore.__table__, columns, batches(published))
    with wh.session() as s:
        added = select(func.count()).select_from(FactScore).where(FactScore.indicator_code.like("B%"))
        assert s.scalar(added.where(FactScore.run_id == draft)) == 300
        assert s.scalar(added.where(FactScore.run_id == published)) == 0


def test_draft_run_can_change_then_be_published(wh) -> None:
    run_id = scored_run(wh, "draft")
    with wh.session() as s:
        for change in ("insert_score", "update_score", "insert_ranking", "update_ranking", "insert_category",
                       "update_category", "update_run"):
            CHANGES[change](s, run_id)
            s.flush()
        s.execute(update(ScoreRun).where(ScoreRun.id == run_id).values(status="published", published_at=RECEIVED))
    with wh.session() as s:
        assert s.get(ScoreRun, run_id).status == "published"
        assert sorted(s.scalars(select(FactRanking.rank).where(FactRanking.run_id == run_id))) == [2, 2]
    other = scored_run(wh, "draft", with_submission=False)
    with wh.session() as s:  # a draft can also be thrown away entirely
        for change in ("delete_score", "delete_ranking", "delete_category", "delete_run"):
            CHANGES[change](s, other)
    with wh.session() as s:
        assert s.get(ScoreRun, other) is None and s.get(ScoreRun, run_id) is not None
