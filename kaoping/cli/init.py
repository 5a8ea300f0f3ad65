"""Creating a workspace (`kaoping init`): the folder layout, config, registries and catalogs."""
from __future__ import annotations

from pathlib import Path

from kaoping.core.config import DEFAULT_TOML
from kaoping.core.layout import FOLDERS
from kaoping.demo import demo_files, write_demo_submissions
from kaoping.starter import starter_files

DEMO_OFFICE, DEMO_DOC_PREFIX = "清河市平安建设领导小组办公室", "清平安办"  # the demo's issuing office (通报)

EMPTY_REGISTRIES = {
    "units.csv": "code,name,kind,parent,group,aliases,valid_from,valid_to\n",
    "departments.csv": "code,name,aliases\n",
    "recipients.csv": "recipient,name,email\n",
}


class WorkspaceExists(RuntimeError):
    """The target folder is not empty and --force was not given."""


def init_workspace(folder: Path, demo: bool = False, force: bool = False, sample: bool = False,
                   review_days: int = 0) -> Path:
    """Create a workspace in `folder`; with `demo`, the demo city, catalogs and submissions; with
    `sample` (what `kaoping init` does), the sample catalog and the units and departments it scores
    (kaoping/starter/), unless the folder already has registries or a catalog; `review_days` goes
    into its kaoping.toml (`kaoping demo` opens a review window, SPEC §11).

    An existing non-empty folder is refused unless `force`; even then no existing file is
    overwritten (only missing files are added).
    """
    folder = Path(folder)
    for path in (folder, *(folder / name for name in FOLDERS)):
        if path.exists() and not path.is_dir():
            raise WorkspaceExists(f"{path} 是文件而不是目录 / {path} is a file, not a folder")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise WorkspaceExists(f"目录 {folder} 非空，如需在其中补充工作区文件请加 --force / "
                              f"{folder} is not empty; use --force to add missing workspace files")
    folder.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    files = {"kaoping.toml": DEFAULT_TOML, **EMPTY_REGISTRIES}
    if demo:
        files.update(demo_files())
        files["kaoping.toml"] = DEFAULT_TOML.replace('name = ""   ', f'name = "{DEMO_OFFICE}"   ', 1).replace(
            'doc_number_prefix = ""', f'doc_number_prefix = "{DEMO_DOC_PREFIX}"', 1)
    elif sample and _without_scheme(folder):
        files.update(starter_files())
    files["kaoping.toml"] = files["kaoping.toml"].replace("review_days = 0 ", f"review_days = {review_days} ", 1)
    for name, content in files.items():
        _write_new(folder / name, content)
    if demo:
        write_demo_submissions(folder)
    return folder


def _without_scheme(folder: Path) -> bool:
    """True when the folder has no registry and no catalog yet: the sample ones can go in together
    (a sample catalog beside someone's own departments.csv could name departments it lacks)."""
    return (not (folder / "units.csv").exists() and not (folder / "departments.csv").exists()
            and not any((folder / "catalog").glob("*.yaml")))


def _write_new(path: Path, content: str) -> None:
    """Write `content` unless the file exists (init never overwrites)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)
