"""Reaching Prefect's API before any flow runs."""
from __future__ import annotations

from prefect.client.orchestration import get_client


def start_api() -> None:
    """Prefect's API reachable; without PREFECT_API_URL its ephemeral server is started now.

    The ephemeral server is started once per process and kept until exit. Starting it up
    front also avoids a race in Prefect when two flows start in threads at the same moment
    and both try to start it.
    """
    with get_client(sync_client=True) as client:
        client.hello()
