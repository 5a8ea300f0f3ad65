"""The `published` fixture: the workspace of report_kit with its runs published."""
from __future__ import annotations

from pathlib import Path

import pytest
from report_kit import build_published


@pytest.fixture
def published(tmp_path: Path, db_url: str):
    """A workspace whose 2025Q2 and 2025Q3 runs are published (SQLite and PostgreSQL)."""
    built = build_published(tmp_path / "ws", db_url)
    yield built
    built.res.close()
