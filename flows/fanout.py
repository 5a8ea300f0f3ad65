"""Fanning a backfill out over workers: each period's files become a flow run of the per-period
deployment, picked up by whichever worker of the pool is free.

Only the output stage fans out. Scoring stays a chain in the parent run: the rank changes and
alerts of a period read the published rankings before it, so period t is published before t+1
is scored. A period's run is submitted the moment its ranking is published, so workers write
the workbooks of early periods while the parent scores the later ones.
"""
from __future__ import annotations

import time
from uuid import UUID

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run
from prefect.settings import PREFECT_API_URL

from kaoping.flows import progress

PERIOD_DEPLOYMENT = "period/kaoping-period"
POLL_SECONDS = 1.0


class FanOutFailed(RuntimeError):
    """Some period runs did not complete."""


def available() -> bool:
    """True on a real Prefect server where the per-period deployment is registered."""
    if not PREFECT_API_URL.value():
        return False
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(PERIOD_DEPLOYMENT)
        except ObjectNotFound:
            return False
    return True


def submit_period(workspace: str, period: str, database_url: str | None) -> UUID:
    """A scheduled run of the per-period deployment; at most one per parent run and period."""
    run = run_deployment(PERIOD_DEPLOYMENT, timeout=0, flow_run_name=f"period-{period}",
                         parameters={"workspace": workspace, "period": period, "database_url": database_url},
                         idempotency_key=f"{flow_run.get_id()}-{period}")
    get_run_logger().info("期间 %s 的输出已交给工作进程（%s）", period, run.id)
    return run.id


def wait(submitted: dict[str, UUID]) -> None:
    """Block until every period run is final; raise if any did not complete."""
    pending, failed = dict(submitted), []
    with get_client(sync_client=True) as client:
        while pending:
            for period, run_id in list(pending.items()):
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    pending.pop(period)
                    progress.report("outputs", period)
                    if not state.is_completed():
                        failed.append(f"{period}（{state.name}）")
            if pending:
                time.sleep(POLL_SECONDS)
    if failed:
        raise FanOutFailed(f"以下期间的输出运行未完成：{'、'.join(failed)} / period runs failed: {', '.join(failed)}")
