"""What the demo generator writes: the inbox files, their records and the true values they carry."""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from kaoping.demo.cells import is_missing
from kaoping.demo.layouts import Layout, Slot, long_layout, wide_layout
from kaoping.demo.plan import EXTENSIONS, file_format, file_stem, folder_name, received_at
from kaoping.demo.sheets import csv_bytes, xls_bytes, xlsx_bytes
from kaoping.sources.registry import Registry

TRUTH_COLUMNS = ["file", "department", "unit_code", "indicator_code", "period", "value"]


@dataclass(frozen=True)
class Defect:
    """Why a generated file must be rejected, and the cell that shows it."""

    rule: str  # unknown_unit | out_of_range | non_numeric
    sheet: str
    cell: str
    unit_code: str | None
    indicator_code: str | None
    value: object
    message: str


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    department: str
    period: str
    fmt: str  # xlsx | xls | csv_gbk | csv_utf8bom
    quirks: frozenset[str]
    status: str  # accepted | superseded | rejected
    received_at: datetime
    defect: Defect | None = None

    @property
    def is_messy(self) -> bool:
        return bool(self.quirks)


@dataclass
class GeneratedCorpus:
    """The files written and the true values that each accepted (or later superseded) file carries."""

    workspace: Path
    files: list[GeneratedFile] = field(default_factory=list)
    truth: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TRUTH_COLUMNS))

    @property
    def rejected(self) -> list[GeneratedFile]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def messy(self) -> list[GeneratedFile]:
        return [f for f in self.files if f.is_messy]

    def current_values(self) -> pd.DataFrame:
        """The values that stand once everything is ingested: those of the accepted files."""
        current = {self.relative(f.path) for f in self.files if f.status == "accepted"}
        return self.truth[self.truth["file"].isin(current)].reset_index(drop=True)

    def relative(self, path: Path) -> str:
        return Path(path).relative_to(self.workspace).as_posix()


def _render(layout: Layout, fmt: str, author: str, when: datetime) -> bytes:
    if fmt == "xlsx":
        return xlsx_bytes(layout.sheet, author, when)
    if fmt == "xls":
        return xls_bytes(layout.sheet)
    return csv_bytes(layout.sheet, "gbk" if fmt == "csv_gbk" else "utf-8-sig")


def _write(path: Path, content: bytes, when: datetime) -> None:
    """Write a new inbox file with a fixed mtime."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (when.timestamp(), when.timestamp()))


class FileWriter:
    """Renders slots into inbox files and collects the corpus records."""

    def __init__(self, corpus: GeneratedCorpus, registry: Registry, rng: random.Random):
        self.corpus, self.rng = corpus, rng
        deps = list(registry.departments.itertuples())
        self.folders = {d.code: folder_name(d.code, tuple(d.aliases), i) for i, d in enumerate(deps)}
        self.short = {d.code: d.aliases[0] if d.aliases else d.name for d in deps}
        self.order = {d.code: i for i, d in enumerate(deps)}
        self.serial: dict[str, int] = {}
        self.truth_rows: list[tuple] = []

    def layout(self, slot: Slot, quirks: frozenset[str]) -> Layout:
        build = long_layout if "long" in quirks else wide_layout
        return build(slot, quirks, self.rng, nbsp=file_format(quirks) != "csv_gbk")

    def path(self, slot: Slot, quirks: frozenset[str], suffix: str = "") -> Path:
        folder = self.folders[slot.department]
        serial = self.serial[folder] = self.serial.get(folder, -1) + 1
        stem = file_stem(self.short[slot.department], slot.period, quirks, serial, self.rng) + suffix
        return self.corpus.workspace / "inbox" / folder / (stem + EXTENSIONS[file_format(quirks)])

    def write(self, slot: Slot, quirks: frozenset[str], suffix: str = "", days_later: int = 0,
              status: str = "accepted", layout: Layout | None = None, defect: Defect | None = None) -> GeneratedFile:
        """Render and write one file; record it and (unless rejected) the values it carries."""
        layout = layout or self.layout(slot, quirks)
        fmt = file_format(quirks)
        when = received_at(slot.period, self.order[slot.department], days_later)
        path = self.path(slot, quirks, suffix)
        if not path.exists():  # an existing inbox file is never overwritten
            _write(path, _render(layout, fmt, slot.department_name, when), when)
        record = GeneratedFile(path, slot.department, slot.period.code, fmt, quirks, status, when, defect)
        self.corpus.files.append(record)
        if status != "rejected":
            rel = self.corpus.relative(path)
            self.truth_rows += [(rel, slot.department, u, i, slot.period.code, v)
                                for (u, i), v in slot.values.items() if not is_missing(v)]
        return record
