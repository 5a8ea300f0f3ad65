"""A published number stays what it was and says where it came from: published runs are refused
any change by the database itself (not only by the code), and each run records who and what
produced it (host, user, version, input hash) down to the submitted file and cell."""
from __future__ import annotations

import getpass
import hashlib
import re
import socket
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import hostile_files as hf
from kaoping.stages.resources import Resources
from kaoping.stages.intake import discover, process_file
from kaoping.stages.scoring import publish, score

TAMPERING = [
    "UPDATE score_run SET status = 'draft', published_at = NULL WHERE id = :run",
    "UPDATE score_run SET input_sha256 = 'forged' WHERE id = :run",
    "DELETE FROM score_run WHERE id = :run",
    "UPDATE fact_ranking SET rank = rank + 1 WHERE run_id = :run",
    "UPDATE fact_ranking SET total = 100 WHERE run_id = :run",
    "DELETE FROM fact_ranking WHERE run_id = :run",
    "UPDATE fact_score SET score = 0 WHERE run_id = :run",
    "DELETE FROM fact_category_score WHERE run_id = :run",
    "INSERT INTO fact_ranking (run_id, unit_code, category_total, bonus, penalty, total, rank, grade, is_vetoed, "
    "alerts) SELECT run_id, 'U01', 0, 0, 0, 0, 99, 'x', false, '' FROM fact_ranking WHERE run_id = :run LIMIT 1",
]


@pytest.fixture
def published(db_url: str, tmp_path: Path, validator):
    """A workspace whose one file was loaded, scored and published: (resources, run id, file)."""
    res = Resources.open(hf.make_workspace(tmp_path / "ws"), db_url)
    path = hf.write_zip(res.settings.inbox_dir / "公安局" / f"{hf.NAME}.xlsx", hf.xlsx_parts(hf.good_sheet()))
    [found] = discover(res)
    outcome = process_file(res, found, validator)
    assert outcome.status == "accepted", outcome.problems
    run_id = score(res, res.catalogs[0], "2025Q3")
    publish(res, run_id)
    yield res, run_id, path
    res.close()


def table_rows(res, sql: str, **params) -> list[tuple]:
    with res.warehouse.session() as session:
        return [tuple(r) for r in session.execute(text(sql), params).all()]


def refusal(res, statement: str, run_id: int) -> str | None:
    """The database's refusal message for `statement`, or None when it was carried out."""
    try:
        with res.warehouse.session() as session:
            session.execute(text(statement), {"run": run_id})
    except DBAPIError as exc:
        return str(exc.orig)
    return None


def test_the_database_refuses_changes_to_a_published_run(published):
    res, run_id, _ = published
    query = "SELECT unit_code, total, rank, grade FROM fact_ranking WHERE run_id = :run ORDER BY unit_code"
    before = table_rows(res, query, run=run_id)
    refusals = {statement: refusal(res, statement, run_id) for statement in TAMPERING}
    assert [s for s, why in refusals.items() if why is None or "不可修改" not in why] == []
    assert table_rows(res, query, run=run_id) == before and len(before) == 3
    assert table_rows(res, "SELECT status FROM score_run WHERE id = :run", run=run_id) == [("published",)]


def test_each_run_records_who_and_what_produced_it(published):
    res, run_id, path = published
    with res.warehouse.session() as session:
        from kaoping.warehouse.models import ScoreRun

        run = session.get(ScoreRun, run_id)
        produced_by, digest, cutoff = dict(run.produced_by), run.input_sha256, run.data_cutoff_at
    assert produced_by["host"] == socket.gethostname()
    assert produced_by["user"] == getpass.getuser()
    assert produced_by["version"] == metadata.version("kaoping")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert cutoff is not None


def test_a_ranked_number_traces_to_the_file_and_cell(published):
    res, run_id, path = published
    lineage = table_rows(res, """
        SELECT s.unit_code, s.indicator_code, v.value, v.cell, v.raw_text, b.sha256, b.file_name
        FROM fact_score s JOIN fact_value v ON v.id = s.fact_value_id JOIN submission b ON b.id = v.submission_id
        WHERE s.run_id = :run AND s.unit_code = 'U02' ORDER BY s.indicator_code""", run=run_id)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    # 西城区 is row 3 of the sheet: 88 in B3, 3 in C3
    assert lineage == [("U02", "C01-01", 88.0, "B3", "88", sha, path.name),
                       ("U02", "C01-02", 3.0, "C3", "3", sha, path.name)]


def test_rescoring_unchanged_inputs_reuses_the_run_and_leaves_it_published(published):
    res, run_id, _ = published
    assert score(res, res.catalogs[0], "2025Q3") == run_id
    assert table_rows(res, "SELECT count(*) FROM score_run") == [(1,)]
