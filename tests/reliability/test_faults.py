"""The fault hook itself (kaoping/core/faults.py): armed only by KAOPING_FAULT, at the n-th pass."""
from __future__ import annotations

import errno
import signal
import subprocess
import sys

import pytest

from kaoping.core import faults
from kaoping.core.faults import Fault, fault_point, parsed_faults


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch):
    monkeypatch.setattr(faults, "_passes", faults.Counter())


def test_spec_parsing():
    assert parsed_faults("ingest") == {"ingest": Fault("ingest", 1, "kill")}
    assert parsed_faults("publish@3:enospc, score:sleep") == {
        "publish": Fault("publish", 3, "enospc"), "score": Fault("score", 1, "sleep")}


@pytest.mark.parametrize("spec", ["ingest:explode", "ingest@0", "@2", "ingest@x"])
def test_malformed_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parsed_faults(spec)


def test_unarmed_points_do_nothing(monkeypatch):
    monkeypatch.delenv("KAOPING_FAULT", raising=False)
    fault_point("ingest")
    monkeypatch.setenv("KAOPING_FAULT", "score:enospc")
    fault_point("ingest")
    assert faults._passes == {}


def test_enospc_fires_on_the_nth_pass_only(monkeypatch):
    monkeypatch.setenv("KAOPING_FAULT", "publish@3:enospc")
    fault_point("publish")
    fault_point("publish")
    with pytest.raises(OSError) as full:
        fault_point("publish")
    assert full.value.errno == errno.ENOSPC
    fault_point("publish")


def test_kill_ends_the_process_with_sigkill():
    code = "from kaoping.core.faults import fault_point\nfault_point('a')\nprint('survived', flush=True)\nfault_point('a')\nprint('no')"
    done = subprocess.run([sys.executable, "-c", code], env={"KAOPING_FAULT": "a@2"}, capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL and done.stdout == "survived\n"


def test_sleep_pauses_then_continues(monkeypatch):
    monkeypatch.setenv("KAOPING_FAULT", "load:sleep")
    monkeypatch.setenv("KAOPING_FAULT_SLEEP_S", "0")
    fault_point("load")
    assert faults._passes["load"] == 1
