"""Progress of the flows running in this process, reported to whoever listens (the CLI's display).

A module-level hook rather than a flow parameter: parameters go to the Prefect API as JSON.
Events: `<stage>-total` with a count, then `<stage>` with the item done (stages: ingest,
score, outputs).
"""
from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, object], None]
_listeners: list[Listener] = []


def report(event: str, item: object) -> None:
    """Tell every listener that `event` happened for `item`."""
    for listener in list(_listeners):
        listener(event, item)


def listen(listener: Listener) -> Callable[[], None]:
    """Register a listener; returns the function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)
