"""Shared fixtures: warehouse URLs for SQLite and PostgreSQL, temporary workspaces, the intake
validator, and the published workspace of the report and stage tests.

PostgreSQL tests get a schema of their own (search_path in the URL) so they can run in
parallel and leave nothing behind. With CI=true an unreachable server is a failure, never a skip.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

import kaoping  # noqa: F401,E402  (its openpyxl setting, before any test module imports openpyxl)
from tests.reports.report_kit import build_published  # noqa: E402
from tests.sources.intake_kit import make_workspace  # noqa: E402

# Tests drop files into inboxes and take them in at once: no settle wait (the test of the settle
# interval itself removes this). Set here, so `kaoping` subprocesses inherit it too.
os.environ.setdefault("KAOPING_INTAKE_SETTLE_S", "0")

PG_ADMIN_URL = os.environ.get("KAOPING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str):
    """A PostgreSQL URL whose search_path is a fresh, private schema (dropped afterwards)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = pg_admin_url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{pg_admin_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path: Path) -> str:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def warehouse(db_url: str):
    from kaoping.warehouse.engine import Warehouse

    wh = Warehouse(db_url)
    yield wh
    wh.dispose()


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


@pytest.fixture
def published(tmp_path: Path, db_url: str):
    """A workspace whose 2025Q2 and 2025Q3 runs are published (SQLite and PostgreSQL)."""
    built = build_published(tmp_path / "ws", db_url)
    yield built
    built.res.close()
