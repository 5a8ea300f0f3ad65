"""Fault injection for the reliability tests: `fault_point(name)` marks a point where a crash matters.

`KAOPING_FAULT=<name>[@<n>][:<action>]` makes the n-th pass (default the first) through the point
`name` in this process fail: `kill` (default) sends SIGKILL to the process itself, as a power cut
or the OOM killer would; `enospc` raises OSError(ENOSPC), as a full disk would; `sleep` blocks for
`KAOPING_FAULT_SLEEP_S` seconds (default 60) so a test can cut the database connection meanwhile.
Several faults are separated by commas. Unset, a fault point costs one dictionary lookup.

This is test machinery, not configuration: it is read here so that kaoping/core/config.py stays the
single place for settings users set.
"""
from __future__ import annotations

import errno
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass

ACTIONS = ("kill", "enospc", "sleep")
_passes: Counter[str] = Counter()


@dataclass(frozen=True)
class Fault:
    """One armed fault: at the `nth` pass through point `name`, do `action`."""

    name: str
    nth: int = 1
    action: str = "kill"


def parsed_faults(spec: str) -> dict[str, Fault]:
    """The faults of a KAOPING_FAULT value, by point name; ValueError on a malformed one."""
    faults = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        point, _, action = item.partition(":")
        name, _, nth = point.partition("@")
        fault = Fault(name, int(nth) if nth else 1, action or "kill")
        if not name or fault.nth < 1 or fault.action not in ACTIONS:
            raise ValueError(f"bad KAOPING_FAULT item {item!r}: expected name[@n][:{'|'.join(ACTIONS)}]")
        faults[name] = fault
    return faults


def fault_point(name: str) -> None:
    """Fail here when KAOPING_FAULT arms this point for the current pass; otherwise do nothing."""
    spec = os.environ.get("KAOPING_FAULT")
    if not spec:
        return
    fault = parsed_faults(spec).get(name)
    if fault is None:
        return
    _passes[name] += 1
    if _passes[name] != fault.nth:
        return
    if fault.action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f"KAOPING_FAULT={name}")
    if fault.action == "sleep":
        time.sleep(float(os.environ.get("KAOPING_FAULT_SLEEP_S", "60")))
        return
    os.kill(os.getpid(), signal.SIGKILL)
