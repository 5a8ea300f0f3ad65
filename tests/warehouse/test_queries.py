"""Report read models against a small hand-filled warehouse (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kaoping.warehouse import queries
from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.models import (DimCatalog, DimDepartment, DimIndicator, DimUnit, FactRanking, FactScore,
                              FactValue, ScoreRun, Submission)

T = datetime(2025, 10, 1, tzinfo=timezone.utc)


def _run(session, catalog: str, period: str, status: str, ranks: dict[str, int]) -> int:
    run = ScoreRun(period=period, catalog_code=catalog, status="draft", input_sha256="0" * 64, created_at=T)
    session.add(run)
    session.flush()
    for unit, rank in ranks.items():
        session.add(FactRanking(run_id=run.id, unit_code=unit, category_total=100 - rank, bonus=0, penalty=0,
                                total=100.0 - rank, rank=rank, grade="合格", is_vetoed=unit == "U2"))
    session.flush()
    if status == "published":
        run.status, run.published_at = "published", T
    session.flush()
    return run.id


@pytest.fixture
def filled(warehouse):
    with warehouse.session() as s:
        s.add_all([DimUnit(code="U1", name="甲县", kind="county"), DimUnit(code="U2", name="乙县", kind="county"),
                   DimUnit(code="T1", name="丙镇", kind="town"), DimDepartment(code="GA", name="公安局")])
        s.add_all([DimCatalog(code=c, name=c, year=y, assessed_kind=k, sha256="x", source_path="x", loaded_at=T)
                   for c, y, k in (("county-2025", 2025, "county"), ("town-2025", 2025, "town"))])
        s.flush()
        s.add(DimIndicator(catalog_code="county-2025", code="I1", name="处置率", kind="scored", unit="%",
                           source_department="GA", method="threshold", points=10, parameters={}))
        for p in ("2025Q1", "2025Q2", "2025Q3", "2025"):
            ensure_period(s, p)
        sub = Submission(sha256="a" * 64, file_name="公安局.xlsx", inbox_path="inbox/GA/公安局.xlsx",
                         department_code="GA", period="2025Q3", catalog_code="county-2025", status="accepted",
                         received_at=T, processed_at=T, value_count=1)
        s.add_all([sub, Submission(sha256="b" * 64, file_name="坏文件.xlsx", inbox_path="inbox/坏文件.xlsx",
                                   period="2025Q3", status="rejected", received_at=T, processed_at=T, error_count=2),
                   Submission(sha256="c" * 64, file_name="上季度.xlsx", inbox_path="x", department_code="GA",
                              period="2025Q2", catalog_code="county-2025", status="accepted", received_at=T,
                              processed_at=T)])
        s.flush()
        fv = FactValue(submission_id=sub.id, unit_code="U1", catalog_code="county-2025", indicator_code="I1",
                       period="2025Q3", value=95.0, raw_text="95%", sheet="表1", cell="C5")
        s.add(fv)
        s.flush()
        ids = {"q1": _run(s, "county-2025", "2025Q1", "published", {"U1": 2, "U2": 1}),
               "q2_old": _run(s, "county-2025", "2025Q2", "published", {"U1": 2, "U2": 1}),
               "q2": _run(s, "county-2025", "2025Q2", "published", {"U1": 1, "U2": 2}),
               "q3": _run(s, "county-2025", "2025Q3", "published", {"U2": 1, "U1": 2}),
               "town": _run(s, "town-2025", "2025Q3", "published", {"T1": 1}),
               "year": _run(s, "county-2025", "2025", "published", {"U1": 1, "U2": 2})}
    with warehouse.session() as s:
        # scores must go in while the run is a draft (published runs are immutable): add a draft of Q3
        draft = _run(s, "county-2025", "2025Q3", "draft", {"U1": 1, "U2": 2})
        s.add_all([FactScore(run_id=draft, unit_code="U1", indicator_code="I1", value_used=95.0, score=7.5,
                             points=10, flags="", value_period="2025Q3", fact_value_id=fv.id),
                   FactScore(run_id=draft, unit_code="U2", indicator_code="I1", value_used=None, score=0.0,
                             points=10, flags="缺报")])
    ids["draft"] = draft
    return warehouse, ids


def test_latest_run_by_status(filled):
    wh, ids = filled
    with wh.session() as s:
        assert queries.latest_run(s, "county-2025", "2025Q3").id == ids["draft"]
        assert queries.latest_run(s, "county-2025", "2025Q3", status="published").id == ids["q3"]
        assert queries.latest_run(s, "county-2025", "2024Q4") is None


def test_ranking_rows_in_rank_order_with_names(filled):
    wh, ids = filled
    with wh.session() as s:
        frame = queries.ranking_rows(s, ids["q3"])
    assert list(frame["unit_code"]) == ["U2", "U1"] and list(frame["unit_name"]) == ["乙县", "甲县"]
    assert list(frame["is_vetoed"]) == [True, False] and list(frame["total"]) == [99.0, 98.0]


def test_score_details_carry_lineage(filled):
    wh, ids = filled
    with wh.session() as s:
        frame = queries.score_details(s, ids["draft"], "county-2025")
    u1, u2 = frame.to_dict("records")
    assert (u1["indicator_name"], u1["raw_text"], u1["file_name"], u1["department_name"], u1["cell"]) == (
        "处置率", "95%", "公安局.xlsx", "公安局", "C5")
    assert u2["flags"] == "缺报" and u2["file_name"] is None and u2["value_used"] is None


def test_submission_rows_of_the_period_include_unmatched_rejections(filled):
    wh, _ = filled
    with wh.session() as s:
        frame = queries.submission_rows(s, "county-2025", "2025Q3")
    assert sorted(zip(frame["file_name"], frame["status"])) == [("公安局.xlsx", "accepted"),
                                                                ("坏文件.xlsx", "rejected")]


def test_ranking_history_same_kind_and_grain_latest_published(filled):
    wh, ids = filled
    with wh.session() as s:
        frame = queries.ranking_history(s, "county", "2025Q3")
        before = queries.ranking_history(s, "county", "2025Q2")
        unknown = queries.ranking_history(s, "county", "2019Q1")
    u1 = frame[frame["unit_code"] == "U1"]
    # Q2 has two published runs: the later one (U1 first) counts; the draft, the year and towns do not
    assert list(zip(u1["period"], u1["rank"])) == [("2025Q1", 2), ("2025Q2", 1), ("2025Q3", 2)]
    assert set(frame["unit_code"]) == {"U1", "U2"}
    assert list(before["period"].unique()) == ["2025Q1", "2025Q2"]
    assert unknown.empty
