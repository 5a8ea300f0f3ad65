"""`kaoping init DIR`: the workspace layout (SPEC §9); a non-empty folder is refused, nothing overwritten."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kaoping.core.config import load_settings
from kaoping.cli.init import WorkspaceExists, init_workspace
from kaoping.sources.registry import Registry

KAOPING = str(Path(sys.executable).with_name("kaoping"))
LAYOUT = {"kaoping.toml", "units.csv", "departments.csv", "recipients.csv", "catalog", "inbox", "out",
          "archive", "outbox"}


def _kaoping(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KAOPING, *args], capture_output=True, text=True, timeout=120)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_creates_a_usable_workspace(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", sample=True)
    assert {p.name for p in ws.iterdir()} == LAYOUT
    assert all((ws / d).is_dir() for d in ("catalog", "inbox", "out", "archive", "outbox"))
    assert load_settings(ws).database_url.endswith("/ws/warehouse.db")
    reg = Registry.load(ws)  # the sample registries the sample catalog scores (tests/kaoping/test_cli_catalog.py)
    assert set(reg.units_in("2025", "county")["code"]) == {"SZ01", "SZ02", "SZ03", "SZ04"}
    assert set(reg.departments["code"]) == {"ZFW", "GA", "SF", "TJ"} and reg.recipients.empty
    assert [p.name.startswith("sample-county-") for p in (ws / "catalog").iterdir()] == [True]
    assert list(reg.units.columns) == ["code", "name", "kind", "parent", "group", "aliases", "valid_from",
                                       "valid_to"]


def test_init_into_an_existing_empty_folder(tmp_path: Path) -> None:
    init_workspace(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == LAYOUT


def test_init_refuses_a_non_empty_folder_and_leaves_it_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(WorkspaceExists, match="非空.* / .*not empty"):
        init_workspace(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_force_adds_what_is_missing_and_overwrites_nothing(tmp_path: Path) -> None:
    (tmp_path / "kaoping.toml").write_text("[smtp]\nhost = 'mail.example.cn'\n", encoding="utf-8")
    (tmp_path / "units.csv").write_bytes("code,name,kind\nC01,东城区,county\n".encode("gbk"))
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "公安局_2025Q3.xlsx").write_bytes(b"PK\x03\x04 not really")
    before = _snapshot(tmp_path)
    init_workspace(tmp_path, force=True)
    after = _snapshot(tmp_path)
    assert {k: after[k] for k in before} == before
    assert set(after) - set(before) == {"departments.csv", "recipients.csv"}
    assert {p.name for p in tmp_path.iterdir()} == LAYOUT


@pytest.mark.parametrize("blocker", [".", "inbox"])
def test_a_file_where_a_folder_belongs_is_refused(tmp_path: Path, blocker: str) -> None:
    target = tmp_path / "ws"
    if blocker == ".":
        target.write_text("x", encoding="utf-8")
    else:
        target.mkdir()
        (target / blocker).write_text("x", encoding="utf-8")
    with pytest.raises(WorkspaceExists, match="不是目录"):
        init_workspace(target, force=True)


def test_cli_init_refuses_then_force_keeps_every_byte(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    first = _kaoping("init", str(ws))
    assert first.returncode == 0, first.stderr
    assert {p.name for p in ws.iterdir()} == LAYOUT
    (ws / "units.csv").write_text("code,name,kind\nC01,东城区,county\n", encoding="utf-8")
    (ws / "departments.csv").unlink()
    before = _snapshot(ws)

    refused = _kaoping("init", str(ws))
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1 and "非空" in refused.stderr and "--force" in refused.stderr
    assert _snapshot(ws) == before

    forced = _kaoping("init", "--force", str(ws))
    assert forced.returncode == 0, forced.stderr
    after = _snapshot(ws)
    assert {k: after[k] for k in before} == before and set(after) - set(before) == {"departments.csv"}

