"""The warehouse schema on SQLite and PostgreSQL: a round trip of every table, and the constraints
that make bad states impossible (SPEC §7); a published run's immutability is in test_published_runs.py."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text, update

from kaoping.sources.catalogs import parse_catalog
from kaoping.sources.registry import Registry
from kaoping.warehouse.dimensions import ensure_period, known_periods, sync_catalog, sync_registry
from kaoping.warehouse.models import (Base, DimCatalog, DimDepartment, DimIndicator, DimPeriod, DimRecipient, DimUnit,
                              Distribution, FactCategoryScore, FactRanking, FactScore, FactValue, ScoreRun,
                              Submission, SubmissionProblem)
from tests.warehouse.warehouse_kit import (CATALOG, RECEIVED, loaded, ranking_row, refused, registry, run_row,
                                           scored_run, submission_row, value_row)

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"


@pytest.fixture
def wh(warehouse, tmp_path: Path):
    return loaded(warehouse, tmp_path)


def test_round_trip_of_every_table(wh) -> None:
    run_id = scored_run(wh, "published")
    with wh.session() as s:
        sub_id = s.scalar(select(Submission.id))
        s.add(SubmissionProblem(submission_id=sub_id, severity="warning", rule="text_around_number", sheet="Sheet1",
                                cell="C7", unit="东城区", indicator="C01-01", value="９５．３％", expected="数字",
                                message="数值中含有文字，已去除"))
        s.add(Distribution(recipient="C01", email="dc@example.cn", period="2025Q1", file_path="out/2025Q1/反馈/C01.xlsx",
                           sha256="c" * 64, channel="smtp", status="sent", attempts=2, error=None, sent_at=RECEIVED))
    with wh.session() as s:
        unit = s.get(DimUnit, "C01")
        assert (unit.name, unit.kind, unit.parent, unit.group_code, unit.aliases, unit.valid_from) == \
            ("东城区", "county", "CITY", "城区", "东城|东城区（开发区）", None)
        assert s.get(DimUnit, "C02").valid_from == "2024Q1"
        assert (s.get(DimDepartment, "GA").aliases, s.get(DimRecipient, ("C01", "dc@example.cn")).name) == \
            ("公安局|公安", "东城区平安办")
        cat = s.get(DimCatalog, "wh-test-2025")
        assert (cat.year, cat.assessed_kind, cat.source_path, len(cat.sha256)) == \
            (2025, "county", "wh-test-2025.yaml", 64)
        ind = s.get(DimIndicator, ("wh-test-2025", "C01-01"))
        assert (ind.kind, ind.category_code, ind.category_name, ind.source_department, ind.method, ind.points) == \
            ("scored", "C01", "社会治安", "GA", "threshold", 10)
        assert ind.parameters == {"target": 90, "floor": 50, "range": [0, 100], "aliases": ["破案率（%）"]}
        assert s.get(DimIndicator, ("wh-test-2025", "V01")).parameters == {"integer": True}
        period = s.get(DimPeriod, "2025Q1")
        assert (period.grain, period.year, period.ordinal, period.label) == ("quarter", 2025, 2025 * 4, "2025年第一季度")
        sub = s.get(Submission, sub_id)
        assert sub.received_at == RECEIVED and sub.received_at.tzinfo is not None
        assert sub.received_at.utcoffset() == timedelta(0) and sub.received_at.hour == 1
        problem = s.scalars(select(SubmissionProblem)).one()
        assert (problem.submission_id, problem.cell, problem.value) == (sub_id, "C7", "９５．３％")
        run = s.get(ScoreRun, run_id)
        assert (run.status, run.parameters, run.produced_by, run.published_at) == \
            ("published", {"sensitivity": False}, {"host": "test"}, RECEIVED)
        ranking = s.get(FactRanking, (run_id, "C01"))
        assert (ranking.group_code, ranking.rank, ranking.grade, ranking.is_vetoed, ranking.rank_change) == \
            ("城区", 1, "合格", False, None)
        assert s.get(FactCategoryScore, (run_id, "C01", "C01")).score == 10
        sent = s.scalars(select(Distribution)).one()
        assert (sent.channel, sent.status, sent.attempts, sent.sent_at) == ("smtp", "sent", 2, RECEIVED)


def test_a_rank_traces_to_its_file_and_cell(wh) -> None:
    run_id = scored_run(wh, "published")
    lineage = (select(FactRanking.rank, FactScore.indicator_code, FactScore.score, FactValue.raw_text,
                      FactValue.sheet, FactValue.cell, Submission.file_name)
               .join(FactScore, (FactScore.run_id == FactRanking.run_id)
                     & (FactScore.unit_code == FactRanking.unit_code))
               .join(FactValue, FactValue.id == FactScore.fact_value_id)
               .join(Submission, Submission.id == FactValue.submission_id)
               .where(FactRanking.run_id == run_id))
    with wh.session() as s:
        assert s.execute(lineage).all() == [(1, "C01-01", 10, "９５．３％", "Sheet1", "C7", "公安局_2025Q1.xlsx")]


def test_sync_is_an_upsert(wh, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    with wh.session() as s:
        sync_registry(s, registry(renamed, "东城新区"))
        sync_catalog(s, parse_catalog(CATALOG, "wh-test-2025.yaml", {"GA"}))
        assert ensure_period(s, "2025Q1") == "2025Q1" and ensure_period(s, "2024") == "2024"
    with wh.session() as s:
        assert s.get(DimUnit, "C01").name == "东城新区"
        assert s.scalar(select(func.count()).select_from(DimUnit)) == 2
        assert s.scalar(select(func.count()).select_from(DimIndicator)) == 2
        assert sorted(known_periods(s)) == ["2024", "2025Q1"]


def test_sync_writes_only_the_rows_that_differ(wh, tmp_path: Path) -> None:
    writes: list[tuple[str, str]] = []
    event.listen(wh.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: writes.extend(
        re.findall(r"^(INSERT INTO|UPDATE) (\w+)", statement)))
    with wh.session() as s:
        sync_registry(s, registry(tmp_path))
    assert writes == []
    grown = tmp_path / "grown"
    grown.mkdir()
    registry(grown, "东城新区")
    with (grown / "units.csv").open("a", encoding="utf-8") as units:
        units.write("C03,南湖县,county,CITY,县域,,,\n")
    with (grown / "recipients.csv").open("a", encoding="utf-8") as recipients:
        recipients.write("C03,旧名,nh@example.cn\nC03,南湖县平安办,nh@example.cn\n")
    with wh.session() as s:
        sync_registry(s, Registry.load(grown))
    assert sorted(writes) == [("INSERT INTO", "dim_recipient"), ("INSERT INTO", "dim_unit"), ("UPDATE", "dim_unit")]
    with wh.session() as s:
        assert [s.get(DimUnit, c).name for c in ("C01", "C03")] == ["东城新区", "南湖县"]
        assert s.get(DimRecipient, ("C03", "nh@example.cn")).name == "南湖县平安办"  # the last row wins


def test_changed_catalog_updates_its_indicators(wh) -> None:
    changed = CATALOG.replace("target: 90", "target: 95")
    with wh.session() as s:
        sync_catalog(s, parse_catalog(changed, "wh-test-2025.yaml", {"GA"}))
    with wh.session() as s:
        assert s.get(DimIndicator, ("wh-test-2025", "C01-01")).parameters["target"] == 95
        assert s.get(DimCatalog, "wh-test-2025").sha256 == parse_catalog(changed, "x", {"GA"}).sha256


def test_second_accepted_submission_for_the_same_key_is_refused(wh) -> None:
    with wh.session() as s:
        s.add(submission_row())
    refused(wh, "a second accepted submission", lambda s: s.add(submission_row(sha256="d" * 64)))


def test_superseding_keeps_one_accepted_submission(wh) -> None:
    with wh.session() as s:
        old = submission_row()
        s.add(old)
        s.flush()
        new = submission_row(sha256="d" * 64, status="rejected")  # as warehouse.submissions does it
        s.add(new)
        s.flush()
        s.execute(update(Submission).where(Submission.id == old.id).values(status="superseded", superseded_by=new.id))
        s.execute(update(Submission).where(Submission.id == new.id).values(status="accepted"))
        s.add(submission_row(sha256="e" * 64, status="rejected", error_count=3))
    with wh.session() as s:
        assert sorted(s.scalars(select(Submission.status))) == ["accepted", "rejected", "superseded"]


BAD_SUBMISSIONS = {
    "accepted with errors": {"error_count": 1},
    "superseded without superseded_by": {"status": "superseded"},
    "superseded_by on an accepted row": {"superseded_by": 1},
    "accepted without period": {"period": None},
    "accepted without catalog": {"catalog_code": None},
    "an unknown status": {"status": "loaded"},
    "an unknown department": {"department_code": "XX"},
    "a period not in dim_period": {"period": "2030Q1"},
    "a duplicate sha256": {"sha256": "f" * 64, "status": "rejected"},
}


def test_bad_submission_rows_are_refused(wh) -> None:
    with wh.session() as s:
        s.add(submission_row(sha256="f" * 64, status="rejected"))
    for case, over in BAD_SUBMISSIONS.items():
        refused(wh, case, lambda s, over=over: s.add(submission_row(**over)))


def test_bad_fact_values_are_refused(wh) -> None:
    with wh.session() as s:
        s.add(submission_row())
    for case, over in {"an unknown unit": {"unit_code": "C99"}, "an unknown indicator": {"indicator_code": "C09-09"},
                       "an unknown catalog": {"catalog_code": "other-2025"}, "an unknown period": {"period": "2026Q1"}
                       }.items():
        refused(wh, case, lambda s, over=over: s.add(value_row(s.scalar(select(Submission.id)), **over)))
    refused(wh, "an unknown submission", lambda s: s.add(value_row(999)))

    def twice(s):
        sub_id = s.scalar(select(Submission.id))
        s.add_all([value_row(sub_id), value_row(sub_id, value=1)])
    refused(wh, "the same unit × indicator twice in one submission", twice)


def test_bad_run_rows_are_refused(wh) -> None:
    def ranked(rank: int):
        def step(s):
            run = run_row()
            s.add(run)
            s.flush()
            s.add(ranking_row(run.id, rank=rank))
        return step

    def published_without_time(s):
        run = run_row()
        run.status = "published"
        s.add(run)

    refused(wh, "rank 0", ranked(0))
    refused(wh, "rank -1", ranked(-1))
    refused(wh, "published without published_at", published_without_time)
    refused(wh, "an unknown run status", lambda s: s.add(run_row("final")))


def _sent(**over) -> Distribution:
    row = dict(recipient="C01", email="dc@example.cn", period="2025Q1", file_path="out/2025Q1/反馈/C01.xlsx",
               sha256="c" * 64, channel="smtp", status="sent", attempts=1, sent_at=RECEIVED)
    return Distribution(**{**row, **over})


def test_the_same_file_is_not_sent_twice_to_the_same_address(wh) -> None:
    with wh.session() as s:
        s.add_all([_sent(), _sent(status="failed", error="timeout"), _sent(status="failed", error="timeout"),
                   _sent(email="other@example.cn"), _sent(sha256="d" * 64), _sent(recipient="leaders")])
    refused(wh, "the same file sent twice", lambda s: s.add(_sent(attempts=3)))
    refused(wh, "an unknown channel", lambda s: s.add(_sent(channel="fax", sha256="e" * 64)))
    refused(wh, "an unknown status", lambda s: s.add(_sent(status="queued", sha256="e" * 64)))
    with wh.session() as s:
        assert s.scalar(select(func.count()).select_from(Distribution)) == 6


def test_every_table_and_column_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for name, table in Base.metadata.tables.items():
        start = doc.index(f"### `{name}`")
        section = doc[start:doc.find("\n### ", start + 1)]
        missing = [c.name for c in table.columns if f"`{c.name}`" not in section]
        assert not missing, f"docs/warehouse.md does not describe {name}.{missing}"


def test_documented_queries_run_and_find_the_rows(wh) -> None:
    scored_run(wh, "published")
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 5
    with wh.engine.connect() as conn:
        for sql in blocks:
            ours = sql.replace("demo-county-2025", "wh-test-2025").replace("2025Q3", "2025Q1").replace("QH03", "C01")
            assert conn.execute(text(ours)).all(), sql


def test_fact_tables_hold_the_columns_the_scoring_engine_declares() -> None:
    from kaoping.scoring.engine import CATEGORY_COLUMNS, RANKING_COLUMNS, SCORE_COLUMNS
    from kaoping.warehouse.models import FactCategoryScore, FactRanking, FactScore

    for model, declared in ((FactScore, SCORE_COLUMNS), (FactCategoryScore, CATEGORY_COLUMNS),
                            (FactRanking, RANKING_COLUMNS)):
        assert [c.name for c in model.__table__.columns if c.name != "run_id"] == declared
