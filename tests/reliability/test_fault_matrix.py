"""The fault matrix: `kaoping` dies (or loses its database, or its disk) at a controlled point,
is run again, and the warehouse, the output folder and what recipients got must be exactly what
one clean run gives — nothing lost, nothing twice, no half-loaded file, no half-written workbook.

Each case runs on SQLite and PostgreSQL; the clean run it is compared with is made once per test
process on SQLite (so PostgreSQL is also held to SQLite's result)."""
from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest

import harness as h

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    return h.build_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest.fixture(scope="session")
def clean(template, tmp_path_factory) -> dict:
    """The clean run: stages on a fresh copy, SQLite."""
    root = tmp_path_factory.mktemp("clean")
    ws = h.copy_workspace(template, root / "ws")
    url = f"sqlite:///{root / 'wh.db'}"
    outcomes = h.stages(ws, url)
    assert [o.returncode for o in outcomes] == [1, 0, 0], "\n".join(map(str, outcomes))
    return {"warehouse": h.warehouse_state(url), "outputs": h.outputs_state(ws),
            "sent": sorted({r[:3] for r in h.distribution_rows(url) if r[4] == "sent"})}


@pytest.fixture
def ws(template, tmp_path) -> Path:
    return h.copy_workspace(template, tmp_path / "ws")


def assert_like_clean(clean: dict, ws: Path, db_url: str) -> None:
    """Nothing lost or duplicated, nothing half-done, nobody sent a file twice."""
    assert h.half_loaded(db_url) == []
    assert h.broken_workbooks(ws / "out") == [] and h.broken_workbooks(ws / "outbox") == []
    state = h.warehouse_state(db_url)
    for key, expected in clean["warehouse"].items():
        assert state[key] == expected, key
    assert h.outputs_state(ws) == clean["outputs"]
    assert h.sent_twice(db_url) == []
    assert sorted({r[:3] for r in h.distribution_rows(db_url) if r[4] == "sent"}) == clean["sent"]


def assert_killed(outcome: h.Outcome) -> None:
    assert outcome.killed, f"the fault did not fire:\n{outcome}"


def test_kill_during_ingest(clean, ws, db_url):
    assert_killed(h.kaoping(ws, db_url, "ingest", fault="ingest@5"))
    assert h.half_loaded(db_url) == []
    assert len(h.warehouse_state(db_url)["submissions"]) < len(clean["warehouse"]["submissions"])
    h.stages(ws, db_url)
    assert_like_clean(clean, ws, db_url)


def test_kill_during_ingest_of_the_nightly_run(clean, ws, db_url):
    assert_killed(h.kaoping(ws, db_url, "run", fault="ingest@3"))
    rerun = h.kaoping(ws, db_url, "run")
    assert rerun.returncode == 1, rerun  # 1: the demo's defective files are rejected (again reported)
    assert_like_clean(clean, ws, db_url)


def test_kill_during_scoring(clean, ws, db_url):
    h.kaoping(ws, db_url, "ingest")
    assert_killed(h.kaoping(ws, db_url, "score", "--period", h.PERIOD, fault="score"))
    assert h.warehouse_state(db_url)["published_runs"] == {}
    h.stages(ws, db_url)
    assert_like_clean(clean, ws, db_url)


def test_kill_while_a_workbook_is_written(clean, ws, db_url):
    h.kaoping(ws, db_url, "ingest")
    h.kaoping(ws, db_url, "score", "--period", h.PERIOD)
    assert_killed(h.kaoping(ws, db_url, "publish", "--period", h.PERIOD, fault="publish@3"))
    assert h.broken_workbooks(ws / "out") == []
    assert len(h.visible_files(ws / "out" / h.PERIOD / "反馈")) < 12  # it did die part-way
    h.stages(ws, db_url)
    assert_like_clean(clean, ws, db_url)


def test_kill_between_sending_and_recording(clean, ws, db_url):
    """Outbox delivery is idempotent (same path, same bytes): a resend after the crash is a no-op."""
    h.kaoping(ws, db_url, "ingest")
    h.kaoping(ws, db_url, "score", "--period", h.PERIOD)
    assert_killed(h.kaoping(ws, db_url, "publish", "--period", h.PERIOD, fault="distribute@4"))
    h.stages(ws, db_url)
    assert_like_clean(clean, ws, db_url)


def test_kill_between_smtp_send_and_recording_resends_at_most_the_message_in_flight(clean, ws, db_url):
    """SMTP is at-least-once: the one message sent before the kill is sent again, nothing else."""
    sink = h.SmtpSink()
    sink.controller.start()
    try:
        sink.configure(ws)
        h.kaoping(ws, db_url, "ingest")
        h.kaoping(ws, db_url, "score", "--period", h.PERIOD)
        assert_killed(h.kaoping(ws, db_url, "publish", "--period", h.PERIOD, fault="distribute@4"))
        sent_before_rerun = sum(sink.received.values())
        outcome = h.kaoping(ws, db_url, "publish", "--period", h.PERIOD)
        assert outcome.returncode == 0, outcome
    finally:
        sink.controller.stop()
    duplicates = sink.duplicates()
    assert sent_before_rerun > 0 and len({email for email, _, _ in duplicates}) <= 1, duplicates
    assert all(n == 2 for n in duplicates.values())
    assert h.sent_twice(db_url) == []
    rows = h.distribution_rows(db_url)
    assert {(e, name, sha) for _, e, name, sha, st in rows if st == "sent"} == set(sink.received)


@pytest.mark.postgres
def test_postgres_connection_cut_mid_load(clean, ws, pg_url, pg_admin_url):
    tag = f"kaoping-fault-{uuid.uuid4().hex[:8]}"
    url = f"{pg_url}&application_name={tag}"
    proc = h.start(ws, url, "ingest", fault="ingest@4:sleep")
    try:
        terminated = 0
        with psycopg.connect(pg_admin_url.replace("+psycopg", ""), autocommit=True) as admin:
            for _ in range(600):
                terminated = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = %s AND state = 'idle in transaction'", (tag,)).fetchone()[0]
                if terminated or proc.poll() is not None:
                    break
                time.sleep(0.5)
    finally:
        outcome = h.finish(proc)
    assert terminated >= 1, outcome
    assert outcome.returncode not in (0, -9), outcome  # it failed on the lost connection, loudly
    assert h.half_loaded(pg_url) == []
    h.stages(ws, pg_url)
    assert_like_clean(clean, ws, pg_url)


@pytest.fixture
def small_disk(ws):
    """out/<period>/反馈 on a 48 KB tmpfs (falls back to an injected ENOSPC where mounting is refused)."""
    folder = ws / "out" / h.PERIOD / "反馈"
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    yield folder if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_disk_full_while_writing_outputs(clean, ws, db_url, small_disk):
    h.kaoping(ws, db_url, "ingest")
    h.kaoping(ws, db_url, "score", "--period", h.PERIOD)
    fault = None if small_disk else "publish@4:enospc"
    failed = h.kaoping(ws, db_url, "publish", "--period", h.PERIOD, fault=fault)
    assert failed.returncode != 0 and "No space left" in failed.stderr + failed.stdout, failed
    assert h.broken_workbooks(ws / "out") == []
    assert not [p for p in (ws / "out").rglob("*.tmp")], "a failed write left its temp file"
    assert h.distribution_rows(db_url) == []  # nothing is sent from a half-written period
    if small_disk:
        subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
    h.stages(ws, db_url)
    assert_like_clean(clean, ws, db_url)


def test_nightly_and_backfill_at_once(clean, ws, db_url):
    nightly = h.start(ws, db_url, "run")
    backfill = h.start(ws, db_url, "backfill", "--from", h.PERIOD, "--to", h.PERIOD)
    outcomes = [h.finish(nightly), h.finish(backfill)]
    assert all(o.returncode in (0, 1) for o in outcomes), "\n".join(map(str, outcomes))
    assert_like_clean(clean, ws, db_url)


def test_the_same_file_dropped_twice_at_once(clean, ws, db_url):
    first = sorted((ws / "inbox").rglob("*.xlsx"))[0]
    (first.parent / f"副本_{first.name}").write_bytes(first.read_bytes())
    procs = [h.start(ws, db_url, "ingest"), h.start(ws, db_url, "ingest")]
    outcomes = [h.finish(p) for p in procs]
    assert all(o.returncode in (0, 1) for o in outcomes), "\n".join(map(str, outcomes))
    h.stages(ws, db_url)
    assert_like_clean(clean, ws, db_url)
