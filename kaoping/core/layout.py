"""The workspace's path layout, in one place: its folders and every output file's name (SPEC §3, §6).

    <workspace>/kaoping.toml, units.csv, departments.csv, recipients.csv
    catalog/*.yaml   inbox/<department>/…   archive/   outbox/<recipient>/<period>/
    out/<period>/排名/<catalog>_<period>_考评排名.xlsx    out/<period>/rankings.csv
    out/<period>/反馈/<unit code>_<unit name>.xlsx       out/<period>/通报/<catalog>_<period>_通报.docx
    out/<period or 未知期间>/问题清单/<department or 未知部门>/<file stem>_问题清单.xlsx
    .kaoping/        kaoping's own bookkeeping (outside out/, so outputs stay what readers see)
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

CATALOG, INBOX, OUT, ARCHIVE, OUTBOX = "catalog", "inbox", "out", "archive", "outbox"
FOLDERS = (CATALOG, INBOX, OUT, ARCHIVE, OUTBOX)
STATE = ".kaoping"
WAREHOUSE_FILE = "warehouse.db"

RANKING_DIR = "排名"
FEEDBACK_DIR = "反馈"
BULLETIN_DIR = "通报"
PROBLEM_LIST_DIR = "问题清单"
RANKING_FILE = "{catalog}_{period}_考评排名.xlsx"
BULLETIN_FILE = "{catalog}_{period}_通报.docx"
RANKINGS_CSV = "rankings.csv"
PROBLEM_LIST_SUFFIX = "_问题清单.xlsx"
UNKNOWN_PERIOD_DIR = "未知期间"
UNKNOWN_DEPARTMENT_DIR = "未知部门"
DONE_MARKERS = "outputs-done"

_UNSAFE_PART = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
NAME_BYTES = 150  # a component's UTF-8 bytes, with room for the suffix within NAME_MAX (255 bytes)


def safe_file_part(text: str) -> str:
    """Text usable in a file name on Windows and POSIX."""
    return _UNSAFE_PART.sub("_", str(text)).strip(" .") or "_"


def safe_name(text: str) -> str:
    """A path component that stays inside its folder (no separators, no leading dots) and within the
    file system's name length: a longer name is cut at a character boundary and keeps a short hash
    of the whole, so two long names that differ only at their ends stay two files."""
    name = _UNSAFE.sub("_", text).lstrip(". ") or "_"
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= NAME_BYTES:
        return name
    tag = hashlib.sha256(encoded).hexdigest()[:8]
    cut = encoded[:NAME_BYTES - len(tag) - 1].decode("utf-8", "ignore")
    return f"{cut}~{tag}"


def ranking_path(out_dir: Path, catalog_code: str, period: str) -> Path:
    return out_dir / period / RANKING_DIR / RANKING_FILE.format(catalog=safe_file_part(catalog_code), period=period)


def bulletin_path(out_dir: Path, catalog_code: str, period: str) -> Path:
    return out_dir / period / BULLETIN_DIR / BULLETIN_FILE.format(catalog=safe_file_part(catalog_code), period=period)


def feedback_path(out_dir: Path, period: str, unit_code: str, unit_name: str) -> Path:
    return out_dir / period / FEEDBACK_DIR / f"{safe_file_part(unit_code)}_{safe_file_part(unit_name)}.xlsx"


def rankings_csv_path(out_dir: Path, period: str) -> Path:
    return out_dir / period / RANKINGS_CSV


def problem_list_path(out_dir: Path, period: str | None, department: str | None, file_name: str) -> Path:
    """out/<period or 未知期间>/问题清单/<department or 未知部门>/<file stem>_问题清单.xlsx."""
    folder = out_dir / safe_name(period or UNKNOWN_PERIOD_DIR) / PROBLEM_LIST_DIR / \
        safe_name(department or UNKNOWN_DEPARTMENT_DIR)
    return folder / f"{safe_name(Path(file_name).stem)}{PROBLEM_LIST_SUFFIX}"


def done_marker(state_dir: Path, period: str) -> Path:
    """Where the outputs of `period` are recorded as written (what and from which runs)."""
    return state_dir / DONE_MARKERS / f"{period}.json"
