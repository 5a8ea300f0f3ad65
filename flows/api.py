"""Reaching Prefect's API before any flow runs."""
from __future__ import annotations

import threading

from prefect.client.orchestration import get_client


def start_api() -> None:
    """Prefect's API reachable; without PREFECT_API_URL its ephemeral server is started now.

    The ephemeral server is started once per process and kept until exit. Starting it up
    front also avoids a race in Prefect when two flows start in threads at the same moment
    and both try to start it.
    """
    with get_client(sync_client=True) as client:
        client.hello()


class ApiStarter:
    """`start_api` in a background thread: the ephemeral server's start-up (several seconds, in its
    own process) overlaps the command's own imports and checks. `wait()` re-raises its failure."""

    def __init__(self) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="prefect-api-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            start_api()
        except BaseException as exc:  # handed to the main thread by wait()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error
