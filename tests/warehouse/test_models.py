"""The warehouse schema on SQLite and PostgreSQL: a round trip of every table, and the constraints
that make bad states impossible (SPEC §7)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.exc import IntegrityError

from kaoping.sources.catalogs import parse_catalog
from kaoping.sources.registry import Registry
from kaoping.warehouse.engine import bulk_insert
from kaoping.warehouse.dimensions import ensure_period, known_periods, sync_catalog, sync_registry
from kaoping.warehouse.models import (Base, DimCatalog, DimDepartment, DimIndicator, DimPeriod, DimRecipient, DimUnit,
                              Distribution, FactCategoryScore, FactRanking, FactScore, FactValue, ScoreRun,
                              Submission, SubmissionProblem)

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"
CHINA = timezone(timedelta(hours=8))
RECEIVED = datetime(2025, 4, 3, 9, 30, tzinfo=CHINA)
CATALOG = """\
catalog:
  code: wh-test-2025
  name: 仓库测试考评
  year: 2025
  assessed_kind: county
  full_marks: 10
  grades: [{name: 合格, min_score: 6}, {name: 不合格}]
  veto_grade: 不合格
categories:
  - code: C01
    name: 社会治安
    points: 10
    indicators:
      - {code: C01-01, name: 刑事案件破案率, unit: "%", source: GA, aliases: [破案率（%）], range: [0, 100],
         method: threshold, direction: higher_better, points: 10, target: 90, floor: 50}
vetoes:
  - {code: V01, name: 发生重大群体性事件, unit: 起, source: GA, integer: true}
"""


def _registry(folder: Path, east_name: str = "东城区") -> Registry:
    (folder / "units.csv").write_text(
        "code,name,kind,parent,group,aliases,valid_from,valid_to\n"
        f"C01,{east_name},county,CITY,城区,东城|东城区（开发区）,,\nC02,西山县,county,CITY,县域,,2024Q1,\n",
        encoding="utf-8")
    (folder / "departments.csv").write_text("code,name,aliases\nGA,市公安局,公安局|公安\n", encoding="utf-8")
    (folder / "recipients.csv").write_text("recipient,name,email\nC01,东城区平安办,dc@example.cn\n", encoding="utf-8")
    return Registry.load(folder)


@pytest.fixture
def wh(warehouse, tmp_path: Path):
    """A warehouse with the registry, the catalog and period 2025Q1 loaded."""
    with warehouse.session() as s:
        sync_registry(s, _registry(tmp_path))
        sync_catalog(s, parse_catalog(CATALOG, "wh-test-2025.yaml", {"GA"}))
        ensure_period(s, "2025Q1")
    return warehouse


def _submission(**over) -> Submission:
    row = dict(sha256="a" * 64, file_name="公安局_2025Q1.xlsx", inbox_path="inbox/GA/公安局_2025Q1.xlsx",
               department_code="GA", period="2025Q1", catalog_code="wh-test-2025", shape="wide", sheet="Sheet1",
               status="accepted", received_at=RECEIVED, processed_at=RECEIVED, error_count=0, warning_count=0,
               value_count=1)
    return Submission(**{**row, **over})


def _value(submission_id: int, **over) -> FactValue:
    row = dict(submission_id=submission_id, unit_code="C01", catalog_code="wh-test-2025", indicator_code="C01-01",
               period="2025Q1", value=95.3, raw_text="９５．３％", flags="全角字符", sheet="Sheet1", cell="C7")
    return FactValue(**{**row, **over})


def _run(status: str = "draft") -> ScoreRun:
    return ScoreRun(period="2025Q1", catalog_code="wh-test-2025", status=status, parameters={"sensitivity": False},
                    input_sha256="b" * 64, created_at=RECEIVED,
                    published_at=RECEIVED if status == "published" else None, produced_by={"host": "test"})


def _ranking(run_id: int, **over) -> FactRanking:
    row = dict(run_id=run_id, unit_code="C01", group_code="城区", category_total=10, bonus=0, penalty=0, total=10,
               rank=1, grade="合格", is_vetoed=False, rank_change=None, alerts="")
    return FactRanking(**{**row, **over})


def _scored_run(wh, status: str, with_submission: bool = True) -> int:
    """A run with a fact_value → fact_score → category score → ranking chain; returns the run id."""
    with wh.session() as s:
        value = None
        if with_submission:
            sub = _submission()
            s.add(sub)
            s.flush()
            value = _value(sub.id)
            s.add(value)
        run = _run()
        s.add(run)
        s.flush()
        s.add_all([FactScore(run_id=run.id, unit_code="C01", indicator_code="C01-01", value_used=95.3, score=10,
                             points=10, flags="", value_period="2025Q1", fact_value_id=value.id if value else None),
                   FactCategoryScore(run_id=run.id, unit_code="C01", category_code="C01", score=10, points=10),
                   _ranking(run.id)])
        s.flush()
        if status == "published":
            run.status, run.published_at = "published", RECEIVED
        return run.id


def test_round_trip_of_every_table(wh) -> None:
    run_id = _scored_run(wh, "published")
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
    run_id = _scored_run(wh, "published")
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
        sync_registry(s, _registry(renamed, "东城新区"))
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
        sync_registry(s, _registry(tmp_path))
    assert writes == []
    grown = tmp_path / "grown"
    grown.mkdir()
    _registry(grown, "东城新区")
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


def _refused(wh, case: str, step) -> str:
    """Run `step(session)` in its own transaction; return the database's refusal message."""
    try:
        with wh.session() as s:
            step(s)
            s.flush()
    except IntegrityError as exc:
        return str(exc.orig)
    pytest.fail(f"the database accepted {case}")


def test_second_accepted_submission_for_the_same_key_is_refused(wh) -> None:
    with wh.session() as s:
        s.add(_submission())
    _refused(wh, "a second accepted submission", lambda s: s.add(_submission(sha256="d" * 64)))


def test_superseding_keeps_one_accepted_submission(wh) -> None:
    with wh.session() as s:
        old = _submission()
        s.add(old)
        s.flush()
        new = _submission(sha256="d" * 64, status="rejected")  # as warehouse.submissions does it
        s.add(new)
        s.flush()
        s.execute(update(Submission).where(Submission.id == old.id).values(status="superseded", superseded_by=new.id))
        s.execute(update(Submission).where(Submission.id == new.id).values(status="accepted"))
        s.add(_submission(sha256="e" * 64, status="rejected", error_count=3))
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
        s.add(_submission(sha256="f" * 64, status="rejected"))
    for case, over in BAD_SUBMISSIONS.items():
        _refused(wh, case, lambda s, over=over: s.add(_submission(**over)))


def test_bad_fact_values_are_refused(wh) -> None:
    with wh.session() as s:
        s.add(_submission())
    for case, over in {"an unknown unit": {"unit_code": "C99"}, "an unknown indicator": {"indicator_code": "C09-09"},
                       "an unknown catalog": {"catalog_code": "other-2025"}, "an unknown period": {"period": "2026Q1"}
                       }.items():
        _refused(wh, case, lambda s, over=over: s.add(_value(s.scalar(select(Submission.id)), **over)))
    _refused(wh, "an unknown submission", lambda s: s.add(_value(999)))

    def twice(s):
        sub_id = s.scalar(select(Submission.id))
        s.add_all([_value(sub_id), _value(sub_id, value=1)])
    _refused(wh, "the same unit × indicator twice in one submission", twice)


def test_bad_run_rows_are_refused(wh) -> None:
    def ranked(rank: int):
        def step(s):
            run = _run()
            s.add(run)
            s.flush()
            s.add(_ranking(run.id, rank=rank))
        return step

    def published_without_time(s):
        run = _run()
        run.status = "published"
        s.add(run)

    _refused(wh, "rank 0", ranked(0))
    _refused(wh, "rank -1", ranked(-1))
    _refused(wh, "published without published_at", published_without_time)
    _refused(wh, "an unknown run status", lambda s: s.add(_run("final")))


CHANGES = {
    "insert_score": lambda s, r: s.add(FactScore(run_id=r, unit_code="C02", indicator_code="C01-01", score=0,
                                                 points=10, flags="缺报")),
    "update_score": lambda s, r: s.execute(update(FactScore).where(FactScore.run_id == r).values(score=0)),
    "delete_score": lambda s, r: s.execute(delete(FactScore).where(FactScore.run_id == r)),
    "insert_ranking": lambda s, r: s.add(_ranking(r, unit_code="C02", rank=2)),
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
    run_id = _scored_run(wh, "published")
    for change, step in CHANGES.items():
        message = _refused(wh, change, lambda s, step=step: step(s, run_id))
        assert "已发布的评分批次不可修改" in message, change
    with wh.session() as s:
        assert s.get(FactRanking, (run_id, "C01")).rank == 1 and s.get(FactScore, (run_id, "C01", "C01-01")).score == 10


def test_one_statement_over_a_draft_and_a_published_run_is_refused_whole(wh) -> None:
    draft, published = _scored_run(wh, "draft", with_submission=False), _scored_run(wh, "published")
    for table in (FactScore, FactCategoryScore, FactRanking):
        both = table.run_id.in_([draft, published])
        for change in (update(table).where(both).values(run_id=table.run_id), delete(table).where(both)):
            message = _refused(wh, f"{change} on {table.__tablename__}", lambda s, change=change: s.execute(change))
            assert "已发布的评分批次不可修改" in message
    with wh.session() as s:
        for run_id in (draft, published):
            assert s.scalars(select(FactScore.run_id).where(FactScore.run_id == run_id)).all() == [run_id]


def test_bulk_rows_into_a_published_run_are_refused_whole_and_into_a_draft_taken(wh) -> None:
    """The path score runs are stored by (COPY on PostgreSQL, executemany on SQLite) is checked too."""
    draft, published = _scored_run(wh, "draft", with_submission=False), _scored_run(wh, "published")
    columns = ["run_id", "unit_code", "indicator_code", "flags"]
    for run_id in (draft, published):
        rows = [(run_id, "C01", f"B{k:03d}", "") for k in range(300)]
        if run_id == published:
            with pytest.raises(Exception, match="已发布的评分批次不可修改"):
                with wh.session() as s:
                    bulk_insert(s, "fact_score", columns, [rows[:150], rows[150:]])
        else:
            with wh.session() as s:
                bulk_insert(s, "fact_score", columns, [rows[:150], rows[150:]])
    with wh.session() as s:
        added = select(func.count()).select_from(FactScore).where(FactScore.indicator_code.like("B%"))
        assert s.scalar(added.where(FactScore.run_id == draft)) == 300
        assert s.scalar(added.where(FactScore.run_id == published)) == 0


def test_draft_run_can_change_then_be_published(wh) -> None:
    run_id = _scored_run(wh, "draft")
    with wh.session() as s:
        for change in ("insert_score", "update_score", "insert_ranking", "update_ranking", "insert_category",
                       "update_category", "update_run"):
            CHANGES[change](s, run_id)
            s.flush()
        s.execute(update(ScoreRun).where(ScoreRun.id == run_id).values(status="published", published_at=RECEIVED))
    with wh.session() as s:
        assert s.get(ScoreRun, run_id).status == "published"
        assert sorted(s.scalars(select(FactRanking.rank).where(FactRanking.run_id == run_id))) == [2, 2]
    other = _scored_run(wh, "draft", with_submission=False)
    with wh.session() as s:  # a draft can also be thrown away entirely
        for change in ("delete_score", "delete_ranking", "delete_category", "delete_run"):
            CHANGES[change](s, other)
    with wh.session() as s:
        assert s.get(ScoreRun, other) is None and s.get(ScoreRun, run_id) is not None


def _sent(**over) -> Distribution:
    row = dict(recipient="C01", email="dc@example.cn", period="2025Q1", file_path="out/2025Q1/反馈/C01.xlsx",
               sha256="c" * 64, channel="smtp", status="sent", attempts=1, sent_at=RECEIVED)
    return Distribution(**{**row, **over})


def test_the_same_file_is_not_sent_twice_to_the_same_address(wh) -> None:
    with wh.session() as s:
        s.add_all([_sent(), _sent(status="failed", error="timeout"), _sent(status="failed", error="timeout"),
                   _sent(email="other@example.cn"), _sent(sha256="d" * 64), _sent(recipient="leaders")])
    _refused(wh, "the same file sent twice", lambda s: s.add(_sent(attempts=3)))
    _refused(wh, "an unknown channel", lambda s: s.add(_sent(channel="fax", sha256="e" * 64)))
    _refused(wh, "an unknown status", lambda s: s.add(_sent(status="queued", sha256="e" * 64)))
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
    _scored_run(wh, "published")
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
