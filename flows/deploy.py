"""Deployments on a real Prefect server (`kaoping serve`): nightly on its cron schedule, backfill
with parameters, the per-period deployment a backfill fans out to, all on one process work pool.

Entry points are module paths (`kaoping.flows.pipeline.nightly`): a worker on any machine with kaoping
installed can run them, reading the same workspace folder (a shared mount) and warehouse.
prefect.yaml declares the same deployments for `prefect deploy --all`.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.flows import EntrypointType
from prefect.schedules import Cron

from kaoping.flows import pipeline
from kaoping.core.config import Settings

DEPLOYMENTS = {"nightly": "kaoping-nightly", "backfill": "kaoping-backfill", "period": "kaoping-period"}


@dataclass(frozen=True)
class Registered:
    """What `register` put on the server."""

    work_pool: str
    deployment_ids: dict[str, UUID]


def ensure_work_pool(name: str) -> None:
    """A process work pool of that name exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            try:
                client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            except ObjectAlreadyExists:
                pass  # another `kaoping serve` created it meanwhile


def register(settings: Settings, database_url: str | None = None) -> Registered:
    """The work pool and the three deployments on the server."""
    pool = settings.schedule.work_pool
    ensure_work_pool(pool)
    common = {"workspace": str(settings.workspace), "database_url": database_url}
    deployments = {
        "nightly": pipeline.nightly.to_deployment(
            DEPLOYMENTS["nightly"], parameters=common, entrypoint_type=EntrypointType.MODULE_PATH,
            schedules=[Cron(settings.schedule.cron, timezone=settings.schedule.timezone)],
            description="每晚：接收新报送、评分、发布 / nightly: ingest, score, publish"),
        "backfill": pipeline.backfill.to_deployment(
            DEPLOYMENTS["backfill"], parameters=common, entrypoint_type=EntrypointType.MODULE_PATH,
            description="补算一段期间 / backfill a range of periods (first, last, grain, rescore_only)"),
        "period": pipeline.period_outputs.to_deployment(
            DEPLOYMENTS["period"], parameters=common, entrypoint_type=EntrypointType.MODULE_PATH,
            description="一个期间的输出文件（补算时分发给各工作进程）/ one period's files (backfill fan-out)"),
    }
    return Registered(pool, {key: d.apply(work_pool_name=pool) for key, d in deployments.items()})


def run_worker(work_pool: str, limit: int | None = None) -> None:
    """A process worker on the pool, until interrupted."""
    from prefect.workers.process import ProcessWorker

    async def work() -> None:
        async with ProcessWorker(work_pool_name=work_pool, limit=limit) as worker:
            await worker.start()

    asyncio.run(work())
