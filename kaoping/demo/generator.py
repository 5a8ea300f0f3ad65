"""The seeded submission generator: departments' files for a set of periods, plus the ground truth.

Used by `kaoping init --demo`, by the tests and by the benchmark. The same inputs and seed give
byte-identical files with identical modification times.
"""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Mapping

import pandas as pd

from kaoping.demo import texts
from kaoping.demo.cells import is_missing
from kaoping.demo.defects import choose_defects, write_with_defect
from kaoping.demo.files import TRUTH_COLUMNS, FileWriter, GeneratedCorpus
from kaoping.demo.layouts import Slot, UnitRow
from kaoping.demo.plan import assign_quirks
from kaoping.demo.values import Profile, true_values
from kaoping.scoring.catalog import Catalog, Indicator, catalogs_for_year
from kaoping.scoring.periods import Period, sort_periods
from kaoping.sources.registry import Registry


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
    writer = FileWriter(corpus, registry, rng)
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


