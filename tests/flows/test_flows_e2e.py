"""The flows end to end in a temporary workspace, on SQLite and PostgreSQL, in Prefect's ephemeral mode."""
from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from kaoping.flows.api import start_api
from kaoping.flows.pipeline import backfill, nightly
from kaoping.warehouse.models import FactRanking, ScoreRun, Submission

QUARTERS = [f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)]


def published_ranking(res, period: str) -> dict[str, tuple]:
    """unit → (rank, total rounded, rank_change) of the period's newest published run."""
    with res.warehouse.session() as session:
        run_id = session.scalar(select(func.max(ScoreRun.id)).where(ScoreRun.period == period,
                                                                    ScoreRun.status == "published"))
        rows = session.execute(select(FactRanking.unit_code, FactRanking.rank, FactRanking.total,
                                      FactRanking.rank_change).where(FactRanking.run_id == run_id)).all()
    return {u: (rank, round(total, 2), change) for u, rank, total, change in rows}


def run_ids(res) -> dict[str, int]:
    """period → newest run id."""
    with res.warehouse.session() as session:
        return dict(session.execute(select(ScoreRun.period, func.max(ScoreRun.id)).group_by(ScoreRun.period)).all())


def row_counts(res) -> tuple[int, int, int]:
    with res.warehouse.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Submission, ScoreRun, FactRanking))


def file_times(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def csv_rows(path: Path) -> dict[str, tuple]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["unit_code"]: (int(r["rank"]), float(r["total"]), int(r["rank_change"]) if r["rank_change"] else None)
                for r in csv.DictReader(fh)}


def test_nightly_run_then_noop_then_resubmission(tiny):
    tiny.send_quarters(QUARTERS[:4])
    tiny.send("2025Q1", ["abc", 90, 80, 70])  # rejected: not a number
    summary = nightly(workspace=str(tiny.root), database_url=tiny.database_url)

    assert [Path(o.path).name for o in summary.rejected] == ["公安局_2025Q1.csv"]
    assert list(summary.runs) == QUARTERS[:4] and summary.skipped == []
    res = tiny.resources()
    # 2024Q2: 破案率 70, 95, 90, 80 → totals 0.8·v; ranks against 2024Q1's 1, 2, 3, 4
    assert published_ranking(res, "2024Q2") == {"U1": (4, 56.0, -3), "U2": (1, 76.0, 1),
                                                "U3": (2, 72.0, 1), "U4": (3, 64.0, 1)}
    out = tiny.root / "out"
    for period in QUARTERS[:4]:
        assert (out / period / "排名" / f"tiny-2024_{period}_考评排名.xlsx").is_file()
        assert csv_rows(out / period / "rankings.csv") == published_ranking(res, period)
    assert (out / "2025Q1" / "问题清单" / "GA" / "公安局_2025Q1_问题清单.xlsx").is_file()

    counts, ids, times = row_counts(res), run_ids(res), file_times(out)
    again = nightly(workspace=str(tiny.root), database_url=tiny.database_url)
    assert again.outcomes == [] and again.runs == {}
    assert row_counts(res) == counts and run_ids(res) == ids and file_times(out) == times

    tiny.send("2024Q3", [99, 60, 65, 62], name="公安局_2024Q3_更正.csv")
    third = nightly(workspace=str(tiny.root), database_url=tiny.database_url)
    assert [o.status for o in third.outcomes] == ["accepted"]
    new_ids = run_ids(res)
    assert {p for p in ids if new_ids[p] != ids[p]} == {"2024Q3", "2024Q4"}  # Q4's rank changes look at Q3
    assert published_ranking(res, "2024Q3") == {"U1": (1, 79.2, 3), "U2": (4, 48.0, -3),
                                                "U3": (2, 52.0, 0), "U4": (3, 49.6, 0)}
    # 2024Q4 values 90, 80, 70, 95 → ranks 2, 3, 4, 1 against the corrected 2024Q3's 1, 4, 2, 3
    assert {u: r[2] for u, r in published_ranking(res, "2024Q4").items()} == {"U1": -1, "U2": 1, "U3": -2, "U4": 2}
    rewritten = {name for name, t in file_times(out).items() if times.get(name) != t}
    assert rewritten and {name.split("/")[0] for name in rewritten} == {"2024Q3", "2024Q4"}
    with res.warehouse.session() as session:
        statuses = session.execute(select(Submission.file_name, Submission.status)
                                   .where(Submission.period == "2024Q3")).all()
    assert sorted(statuses) == [("公安局_2024Q3.csv", "superseded"), ("公安局_2024Q3_更正.csv", "accepted")]
    res.close()


def test_backfill_rescore_only_rescores_eight_quarters_in_order(tiny):
    tiny.send_quarters(QUARTERS)
    nightly(workspace=str(tiny.root), database_url=tiny.database_url)
    res = tiny.resources()
    before, counts = run_ids(res), row_counts(res)

    catalog = tiny.root / "catalog" / "tiny-2025.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("points: 80, target: 100", "points: 80, target: 92", 1), encoding="utf-8")
    tiny.send("2025Q4", [90, 90, 90, 90], department="司法局")  # must wait: rescore-only takes nothing in

    summary = backfill(workspace=str(tiny.root), first="2024Q1", last="2025Q4", rescore_only=True,
                       database_url=tiny.database_url)
    assert list(summary.runs) == QUARTERS and summary.skipped == [] and summary.outcomes == []
    after = run_ids(res)
    assert [p for p in QUARTERS if after[p] != before[p]] == QUARTERS[4:]
    assert row_counts(res)[0] == counts[0]
    # 2025Q1 (96, 91, 81, 71) under target 92: 80, 80·91/92, 80·81/92, 80·71/92; against 2024Q4's 2, 3, 4, 1
    assert published_ranking(res, "2025Q1") == {"U1": (1, 80.0, 1), "U2": (2, 79.13, 1),
                                                "U3": (3, 70.43, 1), "U4": (4, 61.74, -3)}

    early = backfill(workspace=str(tiny.root), first="2023Q3", last="2024Q1", rescore_only=True,
                     database_url=tiny.database_url)
    # the published quarters after the range are checked too; their inputs did not change
    assert early.skipped == ["2023Q3", "2023Q4"] and early.runs == {p: [after[p]] for p in QUARTERS}
    res.close()


def test_nightly_and_backfill_at_once_leave_no_duplicate_or_missing_rows(tiny):
    quarters = QUARTERS[2:6]  # 2024Q3 … 2025Q2, across a year boundary
    tiny.send_quarters(quarters)
    start_api()
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(nightly, workspace=str(tiny.root), database_url=tiny.database_url),
                pool.submit(backfill, workspace=str(tiny.root), first="2024Q3", last="2025Q2",
                            database_url=tiny.database_url)]
        summaries = [r.result() for r in runs]
    assert sorted(o.period for s in summaries for o in s.outcomes if o.status == "accepted") == sorted(quarters)
    res = tiny.resources()
    with res.warehouse.session() as session:
        submissions = session.execute(select(Submission.period, Submission.status)).all()
        duplicates = session.execute(select(ScoreRun.period, ScoreRun.input_sha256, func.count())
                                     .group_by(ScoreRun.period, ScoreRun.input_sha256)
                                     .having(func.count() > 1)).all()
    assert sorted(submissions) == [(p, "accepted") for p in sorted(quarters)] and duplicates == []
    for period in quarters:
        ranking = published_ranking(res, period)
        assert sorted(ranking) == ["U1", "U2", "U3", "U4"]
        assert csv_rows(tiny.root / "out" / period / "rankings.csv") == ranking
    assert {u: r[2] for u, r in published_ranking(res, "2025Q1").items()} == {"U1": 1, "U2": 1, "U3": 1, "U4": -3}
    res.close()


def test_nightly_finishes_a_period_whose_publishing_died(tiny):
    tiny.send_quarters(QUARTERS[:2])
    nightly(workspace=str(tiny.root), database_url=tiny.database_url)
    res = tiny.resources()
    counts, ids = row_counts(res), run_ids(res)
    workbook = tiny.root / "out" / "2024Q2" / "排名" / "tiny-2024_2024Q2_考评排名.xlsx"
    before = workbook.read_bytes()
    # what a kill -9 between publishing the run and writing its files leaves behind
    workbook.unlink()
    (tiny.root / ".kaoping" / "outputs-done" / "2024Q2.json").unlink()

    again = nightly(workspace=str(tiny.root), database_url=tiny.database_url)

    assert list(again.runs) == ["2024Q2"] and again.outcomes == []
    assert workbook.read_bytes() == before
    assert row_counts(res) == counts and run_ids(res) == ids
    assert nightly(workspace=str(tiny.root), database_url=tiny.database_url).runs == {}
