"""The seeded submission generator: departments' files for a set of periods, plus the ground truth.

Used by `kaoping init --demo`, by the tests and by the benchmark. The same inputs and seed give
byte-identical files with identical modification times.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Mapping

import pandas as pd

from kaoping.demo import texts
from kaoping.demo.cells import is_missing
from kaoping.demo.defects import choose_defects, write_with_defect
from kaoping.demo.layouts import Layout, Slot, UnitRow, long_layout, wide_layout
from kaoping.demo.plan import EXTENSIONS, assign_quirks, file_format, file_stem, folder_name, received_at
from kaoping.demo.sheets import csv_bytes, xls_bytes, xlsx_bytes
from kaoping.demo.values import Profile, true_values
from kaoping.scoring.catalog import Catalog, Indicator, catalogs_for_year
from kaoping.scoring.periods import Period, sort_periods
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


def _collected(catalogs: list[Catalog], department: str) -> list[Indicator]:
    seen: dict[str, Indicator] = {}
    for catalog in catalogs:
        for ind in catalog.collected(department):
            seen.setdefault(ind.code, ind)
    return list(seen.values())


def _groups(catalogs: list[Catalog]) -> dict[str, str]:
    out: dict[str, str] = {}
    for catalog in catalogs:
        for cat in catalog.categories:
            out.update({i.code: cat.name for i in cat.indicators})
        out.update({i.code: texts.KIND_GROUPS[i.kind] for i in catalog.all_indicators() if i.kind != "scored"})
    return out


def build_slots(registry: Registry, catalogs: list[Catalog], periods: list[str],
                values: pd.DataFrame) -> list[Slot]:
    """One slot per period × department that collects something in that period."""
    lookup = values.set_index(["period", "unit_code", "indicator_code"])["value"].to_dict()
    groups = _groups(catalogs)
    slots = []
    for code in sort_periods(list(periods)):
        period = Period.parse(code)
        year_catalogs = catalogs_for_year(catalogs, period.year)
        if not year_catalogs:
            continue
        units = pd.concat([registry.units_in(period, c.assessed_kind) for c in year_catalogs]).drop_duplicates("code")
        rows = [UnitRow(u.code, u.name, tuple(u.aliases)) for u in units.sort_values("code").itertuples()]
        for dept in registry.departments.itertuples():
            inds = _collected(year_catalogs, dept.code)
            if inds and rows:
                slot_values = {(u.code, i.code): lookup[(code, u.code, i.code)] for u in rows for i in inds}
                slots.append(Slot(dept.code, dept.name, period, inds, groups, rows, slot_values))
    return slots


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


def _ensure_missing(slot: Slot, rng: random.Random) -> Slot:
    """The slot with at least one missing value (so that a missing marker shows)."""
    if any(is_missing(v) for v in slot.values.values()):
        return slot
    keys = [k for k, v in slot.values.items() if next(i for i in slot.indicators if i.code == k[1]).kind
            not in ("veto", "penalty", "bonus")]
    if not keys:
        return slot
    return replace(slot, values={**slot.values, rng.choice(keys): float("nan")})


def generate_submissions(workspace: Path, registry: Registry, catalogs: list[Catalog], periods: list[str],
                         seed: int = 2025, messy_share: float = 0.2, defects: bool = True,
                         profiles: Mapping[str, Profile] | None = None,
                         missing_share: float = 0.03) -> GeneratedCorpus:
    """Write one file per department × period under `workspace/inbox/` and return what was written.

    About `messy_share` of the files are messy (SPEC §5); with `defects`, three files in the latest
    year must be rejected (each followed by a correct resend) and one is corrected by a later file.
    """
    workspace = Path(workspace)
    indicators = {i.code: i for c in catalogs for i in c.all_indicators() if i.is_collected}
    kinds = {c.assessed_kind for c in catalogs}
    units = registry.units[registry.units["kind"].isin(kinds)]["code"].tolist()
    values = true_values(units, list(indicators.values()), list(periods), seed, profiles, missing_share)
    slots = build_slots(registry, catalogs, periods, values)
    rng = random.Random(seed)
    messy = sorted(rng.sample(range(len(slots)), round(messy_share * len(slots))))
    quirks = assign_quirks(slots, messy, rng)
    special = choose_defects(slots, [i for i in range(len(slots)) if i not in quirks], rng) if defects else {}
    corpus = GeneratedCorpus(workspace)
    writer = _Writer(corpus, registry, rng)
    for index, slot in enumerate(slots):
        slot_quirks = quirks.get(index, frozenset())
        if "missing_markers" in slot_quirks:
            slot = _ensure_missing(slot, rng)
        if index in special:
            write_with_defect(writer, slot, special[index], rng)
        else:
            writer.write(slot, slot_quirks)
    corpus.truth = pd.DataFrame(writer.truth_rows, columns=TRUTH_COLUMNS)
    return corpus


class _Writer:
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
