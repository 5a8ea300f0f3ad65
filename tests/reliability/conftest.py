"""Fixtures of the reliability tests: one Great Expectations validator per test process."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def validator():
    """The intake's validator, built once (as one is built per ingest run)."""
    from kaoping.sources.suites import Validator

    return Validator()


@pytest.fixture
def res(tmp_path: Path):
    """Resources of a small intake workspace (hostile_files.make_workspace) on SQLite."""
    import hostile_files as hf
    from kaoping.stages.resources import Resources

    resources = Resources.open(hf.make_workspace(tmp_path / "ws"), f"sqlite:///{tmp_path / 'wh.db'}")
    yield resources
    resources.close()
