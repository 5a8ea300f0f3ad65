"""Deployments on a real Prefect server with real process workers (PostgreSQL warehouse, as in production).

One server on a free loopback port, with its scheduler service running (every second), and two
workers (`w1`, `w2`) serve the module (per test process).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kaoping.flows.deploy import register
from kaoping.flows.pipeline import backfill
from kaoping.warehouse.models import FactRanking, ScoreRun

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)]
POOL = "kaoping"  # the default of settings.schedule.work_pool


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(home), "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_HEARTBEAT_SECONDS": "5",
                "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1"})
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory, prefect_home):
    """`prefect server start` on a free loopback port, with a home of its own; yields the API URL."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    home, port = tmp_path_factory.mktemp("server-home"), _free_port()
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port), "--no-ui"], env=_environment(home),
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        _stop(proc)
        pytest.fail(f"Prefect server did not start: {(home / 'server.log').read_text()[-2000:]}")
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield url
    _stop(proc)
    scheduler_errors = [line for line in (home / "server.log").read_text(errors="replace").splitlines()
                        if "Can't evaluate bulk DML" in line]
    assert not scheduler_errors, scheduler_errors[:3]


@pytest.fixture(scope="module")
def workers(prefect_api, tmp_path_factory):
    """Two process workers, `w1` and `w2`, on the pool, two runs at a time each."""
    procs = []
    for name in ("w1", "w2"):
        home = tmp_path_factory.mktemp(f"{name}-home")
        log = (home / "worker.log").open("wb")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--type", "process",
             "--name", name, "--limit", "2"], env=_environment(home, prefect_api), stdout=log,
            stderr=subprocess.STDOUT))
    yield ("w1", "w2")
    for proc in procs:
        _stop(proc)


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _published_runs(res) -> dict[str, list[int]]:
    """period → ids of its published runs."""
    with res.warehouse.session() as session:
        rows = session.execute(select(ScoreRun.period, ScoreRun.id).where(ScoreRun.status == "published")).all()
    found: dict[str, list[int]] = {}
    for period, run_id in rows:
        found.setdefault(period, []).append(run_id)
    return found


def _ranking_rows(res, run_id: int) -> dict[str, tuple]:
    with res.warehouse.session() as session:
        rows = session.execute(select(FactRanking.unit_code, FactRanking.rank, FactRanking.rank_change)
                               .where(FactRanking.run_id == run_id)).all()
    return {u: (rank, change) for u, rank, change in rows}


def _wait_final(run_ids, timeout: float = 400) -> list:
    deadline = time.monotonic() + timeout
    with _client() as client:
        while time.monotonic() < deadline:
            runs = [client.read_flow_run(i) for i in run_ids]
            if all(r.state and r.state.is_final() for r in runs):
                return runs
            time.sleep(1)
    pytest.fail("flow runs did not finish in time")


def test_serve_registers_schedule_and_backfill_runs_on_a_worker(tiny_pg, workers):
    from prefect.deployments import run_deployment

    tiny_pg.send_quarters(["2024Q3", "2024Q4"])
    res = tiny_pg.resources()
    registered = register(res.settings, tiny_pg.database_url)
    assert registered.work_pool == POOL
    with _client() as client:
        nightly = client.read_deployment_by_name("nightly/kaoping-nightly")
        assert [(s.schedule.cron, s.schedule.timezone) for s in nightly.schedules] == [("0 2 * * *", "Asia/Shanghai")]
        assert nightly.work_pool_name == POOL
        assert client.read_deployment_by_name("backfill/kaoping-backfill").parameters["workspace"] == str(tiny_pg.root)

    from kaoping.stages.intake import ingest

    ingest(res)  # here, so the worker's run need not start Great Expectations
    run = run_deployment("backfill/kaoping-backfill", parameters={"first": "2024Q3", "last": "2024Q4",
                                                                  "rescore_only": True},
                         timeout=0, as_subflow=False)
    (finished,) = _wait_final([run.id])
    assert finished.state.is_completed(), finished.state
    published = _published_runs(res)
    assert sorted(published) == ["2024Q3", "2024Q4"] and all(len(ids) == 1 for ids in published.values())
    # 2024Q4 (90, 80, 70, 95) against 2024Q3 (80, 70, 95, 90): ranks 2, 3, 4, 1 after 3, 4, 1, 2
    assert _ranking_rows(res, published["2024Q4"][0]) == {"U1": (2, 1), "U2": (3, 1), "U3": (4, -3), "U4": (1, 1)}
    assert (tiny_pg.root / "out" / "2024Q4" / "排名" / "tiny-2024_2024Q4_考评排名.xlsx").is_file()
    res.close()


def test_backfill_fans_out_over_two_workers(tiny_pg, workers):
    tiny_pg.send_quarters(QUARTERS)
    res = tiny_pg.resources()
    register(res.settings, tiny_pg.database_url)
    state = backfill(workspace=str(tiny_pg.root), first="2024Q1", last="2025Q4",
                     database_url=tiny_pg.database_url, return_state=True)
    assert state.is_completed(), state
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with _client() as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id])))
    assert sorted(r.name for r in children) == sorted(f"period-{p}" for p in QUARTERS)
    assert all(r.state.is_completed() for r in children)
    assert {r.labels.get("prefect.worker.name") for r in children} == set(workers)

    published = _published_runs(res)
    assert sorted(published) == sorted(QUARTERS) and all(len(ids) == 1 for ids in published.values())
    for period in QUARTERS:
        assert len(_ranking_rows(res, published[period][0])) == 4
        assert (tiny_pg.root / "out" / period / "rankings.csv").is_file()
    # in time order: 2025Q1 (96, 91, 81, 71) ranks 1..4 against 2024Q4's 2, 3, 4, 1
    assert _ranking_rows(res, published["2025Q1"][0]) == {"U1": (1, 1), "U2": (2, 1), "U3": (3, 1), "U4": (4, -3)}
    res.close()


def test_the_server_schedules_the_nightly_run_and_a_worker_completes_it(tiny_pg, workers):
    """The scheduler service creates the nightly's runs from its cron (every minute here), and one
    runs on a worker: it scores the period taken in beforehand."""
    from kaoping.stages.intake import ingest

    config = tiny_pg.root / "kaoping.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('cron = "0 2 * * *"', 'cron = "* * * * *"'),
                      encoding="utf-8")
    tiny_pg.send_quarters(["2024Q3"])
    res = tiny_pg.resources()
    ingest(res)
    registered = register(res.settings, tiny_pg.database_url)
    nightly_id = registered.deployment_ids["nightly"]
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    only_nightly = DeploymentFilter(id=DeploymentFilterId(any_=[nightly_id]))
    deadline = time.monotonic() + 240
    try:
        with _client() as client:
            while time.monotonic() < deadline:
                runs = client.read_flow_runs(deployment_filter=only_nightly)
                if any(r.state and r.state.is_completed() for r in runs):
                    break
                time.sleep(2)
            else:
                pytest.fail(f"no scheduled nightly run completed: {[(r.name, r.state_name) for r in runs]}")
    finally:
        with _client() as client:
            client.delete_deployment(nightly_id)  # no more runs every minute for the other tests
    assert all(r.auto_scheduled for r in runs)  # made by the scheduler, not by a client
    assert list(_published_runs(res)) == ["2024Q3"]
    res.close()


def test_ctrl_c_stops_kaoping_serve_quietly(prefect_api, tmp_path):
    """Ctrl+C on `kaoping serve` (SIGINT to its process group) ends it with one line, no traceback,
    and the exit code of a stop signal (128 + 2)."""
    import signal

    from kaoping.cli.init import init_workspace

    ws = init_workspace(tmp_path / "ws", sample=True)
    toml = ws / "kaoping.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('work_pool = "kaoping"', 'work_pool = "kaoping-ctrl-c"'),
                    encoding="utf-8")  # a pool of its own: the module's workers never see this worker
    proc = subprocess.Popen([str(Path(sys.executable).with_name("kaoping")), "serve", "-w", str(ws)],
                            env=_environment(tmp_path / "home", prefect_api), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline and not any("工作进程运行中" in line for line in seen):
            seen.append(proc.stdout.readline())  # the registration line wraps at 80 columns
        assert any("工作进程运行中" in line for line in seen), seen
        time.sleep(3)  # the worker polling the pool
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 128 + signal.SIGINT and "Traceback" not in out + err
    assert err.strip().splitlines() == ["已停止（收到信号 SIGINT），未完成的写入已撤销，下次运行时继续 / "
                                        "stopped by SIGINT; nothing was left half-written"]
