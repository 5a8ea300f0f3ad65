"""Fixtures of the reliability tests: a small intake workspace of hostile files."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def res(tmp_path: Path):
    """Resources of a small intake workspace (hostile_files.make_workspace) on SQLite."""
    import hostile_files as hf
    from kaoping.stages.resources import Resources

    resources = Resources.open(hf.make_workspace(tmp_path / "ws"), f"sqlite:///{tmp_path / 'wh.db'}")
    yield resources
    resources.close()
