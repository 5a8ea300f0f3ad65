"""Fixtures of the command-line tests: a tiny workspace (tests/sources/intake_kit.py), a wide console."""
from __future__ import annotations

from pathlib import Path

import pytest

from kaoping.core.config import DEFAULT_TOML
from tests.sources.intake_kit import make_workspace


@pytest.fixture
def wide_console(monkeypatch):
    """Tables on one line per row whatever the terminal, so cells can be compared whole."""
    from kaoping.cli.app import console, err_console

    for c in (console, err_console):
        monkeypatch.setattr(c, "width", 2000)


@pytest.fixture
def tiny_ws(tmp_path: Path, wide_console) -> Path:
    """A tiny workspace folder (three counties, two departments, one catalog) with kaoping.toml."""
    make_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'ws' / 'warehouse.db'}").close()
    (tmp_path / "ws" / "kaoping.toml").write_text(DEFAULT_TOML, encoding="utf-8")
    return tmp_path / "ws"
