"""Fixtures of the intake tests: one GX validator per session, tiny workspaces on SQLite / PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import pytest
from intake_kit import make_workspace


@pytest.fixture(scope="session")
def validator():
    """One GX context for the whole test session, as one is made per ingest run."""
    from kaoping.sources.suites import Validator

    return Validator()


@pytest.fixture
def res(tmp_path: Path):
    """Resources of a tiny workspace on SQLite (parsing and validation tests)."""
    resources = make_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'warehouse.db'}")
    yield resources
    resources.close()


@pytest.fixture
def res_db(tmp_path: Path, db_url: str):
    """Resources of a tiny workspace on SQLite and on PostgreSQL (loading tests)."""
    resources = make_workspace(tmp_path / "ws", db_url)
    yield resources
    resources.close()
