"""`kaoping run` on a full disk and on a read-only out/ (issue 19 item 9): one bilingual line,
exit 2, nothing half-loaded or half-written; after the space is back the next run completes.

The folders are real tmpfs mounts (48 KB, or read-only) where this process may mount (root);
elsewhere the same write point gets ENOSPC / EROFS injected (`KAOPING_FAULT=publish@3:enospc`) or
out/ is made read-only by its mode."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import harness as h
import pytest

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return h.build_workspace(tmp_path_factory.mktemp("template") / "ws")


def _mount(folder: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True)


def _assert_one_line_and_nothing_half_done(outcome: h.Outcome, ws: Path, url: str, zh: str, en: str) -> None:
    assert outcome.returncode == 2, outcome
    assert "Traceback" not in outcome.stderr, outcome
    last = outcome.stderr.strip().splitlines()
    assert len(last) == 1 and zh in last[0] and en in last[0], outcome
    assert h.half_loaded(url) == [] and h.broken_workbooks(ws / "out") == []
    assert not [p for p in h.visible_files(ws / "out") if p.suffix == ".tmp"]


def test_disk_full_under_out(template, tmp_path):
    ws = h.copy_workspace(template, tmp_path / "ws")
    url = f"sqlite:///{ws / 'warehouse.db'}"
    mounted = _mount(ws / "out", "size=48k")
    try:
        outcome = h.kaoping(ws, url, "run", fault=None if mounted else "publish@3:enospc")
        _assert_one_line_and_nothing_half_done(outcome, ws, url, "磁盘空间不足", "no space left on device")
        if mounted:
            subprocess.run(["mount", "-o", "remount,size=16m", str(ws / "out")], check=True)
        again = h.kaoping(ws, url, "run")  # the files were taken in before the disk filled: only outputs remain
        assert again.returncode == 0 and "已发布 / published 2025Q1" in again.stdout, again
        said = int(re.search(r"输出文件 / output files: (\d+)", again.stdout)[1])
        written = [p for p in h.visible_files(ws / "out") if "问题清单" not in p.parts]  # intake's lists aside
        assert said == len(written) > 0 and h.broken_workbooks(ws / "out") == []  # what it says is on disk
    finally:
        if mounted:
            _unmount(ws / "out")


def test_read_only_out(template, tmp_path):
    ws = h.copy_workspace(template, tmp_path / "ws")
    url = f"sqlite:///{ws / 'warehouse.db'}"
    mounted = _mount(ws / "out", "ro,size=1m")
    if not mounted:
        (ws / "out").chmod(0o555)
    try:
        outcome = h.kaoping(ws, url, "run")
        _assert_one_line_and_nothing_half_done(outcome, ws, url, "无法写入", "read-only or permission denied")
    finally:
        if mounted:
            _unmount(ws / "out")
        else:
            (ws / "out").chmod(0o755)
