"""One import root: every project import goes through `kaoping`, never a bare top-level folder name."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("flows", "sources", "warehouse", "scoring", "reports")


def _python_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in tracked.stdout.splitlines()]


def _bare_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in FOLDERS]
    return found


def test_no_module_imports_a_bare_top_level_folder():
    offenders = [hit for path in _python_files() for hit in _bare_imports(path)]
    assert offenders == []


def test_every_design_card_folder_is_mapped_under_kaoping():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for folder in FOLDERS:
        assert f'"kaoping.{folder}" = "{folder}"' in text


def test_the_wheel_installs_kaoping_alone(tmp_path):
    """What `pip install .` puts into site-packages is the wheel's top level: `kaoping` and its dist-info."""
    source = tmp_path / "source"  # a copy of the tracked files: the build writes build/ and *.egg-info beside them
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in tracked.stdout.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "wheel"),
                    str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "wheel").glob("kaoping-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"kaoping"}
    assert len(top) == 2
    # and every tracked file of the package folders is installed (the demo city, the migrations' template…)
    wanted = {name if name.startswith("kaoping/") else f"kaoping/{name}" for name in tracked.stdout.splitlines()
              if name.split("/")[0] in ("kaoping", *FOLDERS)}
    assert wanted - names == set()
