"""Files that must be rejected (then sent again correctly), and one corrected resubmission."""
from __future__ import annotations

import random
from dataclasses import replace

from kaoping.demo import texts
from kaoping.demo.cells import is_missing
from kaoping.demo.layouts import Layout, Slot
from kaoping.demo.files import Defect, FileWriter
from kaoping.demo.sheets import cell_ref

REJECTION_RULES = ("unknown_unit", "out_of_range", "non_numeric")
RESUBMISSION = "resubmission"
_EVENTS = ("veto", "penalty", "bonus")


def _ranged_keys(slot: Slot) -> list[tuple[str, str]]:
    ranged = {i.code for i in slot.indicators if i.range and i.unit == "%"}
    return [k for k, v in slot.values.items() if k[1] in ranged and not is_missing(v)]


def _usable(rule: str, slot: Slot) -> bool:
    if rule == "out_of_range":
        return bool(_ranged_keys(slot))
    return any(not is_missing(v) for v in slot.values.values())


def choose_defects(slots: list[Slot], clean: list[int], rng: random.Random) -> dict[int, str]:
    """Slot index → the defect its first file carries, among clean slots of the latest year."""
    latest = max((slots[i].period.year for i in clean), default=None)
    pool = [i for i in clean if slots[i].period.year == latest]
    chosen: dict[int, str] = {}
    for rule in (*REJECTION_RULES, RESUBMISSION):
        candidates = [i for i in pool if i not in chosen and _usable(rule, slots[i])]
        if candidates:
            chosen[rng.choice(candidates)] = rule
    return chosen


def _defect(rule: str, layout: Layout, row: int, col: int, unit: str | None, ind: str | None,
            value: object, indicator_name: str = "") -> Defect:

    message = texts.DEFECT_REASONS[rule].format(value=value, indicator=indicator_name)
    return Defect(rule, layout.sheet.title, cell_ref(row, col), unit, ind, value, message)


def broken_layout(writer: FileWriter, slot: Slot, rule: str, rng: random.Random) -> tuple[Layout, Defect]:
    """A clean wide layout of `slot` with one defect that must get the file rejected."""
    layout = writer.layout(slot, frozenset())
    rows = layout.sheet.rows
    names = {i.code: i.name for i in slot.indicators}
    if rule == "unknown_unit":
        first = layout.unit_rows[slot.units[0].code]
        rows.append([texts.UNKNOWN_UNIT_CODE, texts.UNKNOWN_UNIT] + rows[first - 1][2:])
        return layout, _defect(rule, layout, len(rows), 1, None, None, texts.UNKNOWN_UNIT_CODE)
    keys = _ranged_keys(slot) if rule == "out_of_range" else [k for k, v in slot.values.items()
                                                               if not is_missing(v)]
    unit, ind = rng.choice(keys)
    row, col = layout.cells[(unit, ind)]
    if rule == "out_of_range":
        hi = next(i.range[1] for i in slot.indicators if i.code == ind)
        value: object = round(hi + rng.uniform(5, 40), 1)
    else:
        value = texts.NON_NUMERIC
    rows[row - 1][col - 1] = value
    return layout, _defect(rule, layout, row, col, unit, ind, value, names[ind])


def _first_version(slot: Slot, rng: random.Random) -> Slot:
    """The slot as first sent, with two values wrong (the correction sends the true ones)."""
    kinds = {i.code: i for i in slot.indicators}
    keys = [k for k, v in slot.values.items() if not is_missing(v) and kinds[k[1]].kind not in _EVENTS]
    wrong = dict(slot.values)
    for key in rng.sample(keys, min(2, len(keys))):
        ind = kinds[key[1]]
        wrong[key] = wrong[key] + 3 if ind.integer else round(wrong[key] * 0.9, 2)
    return replace(slot, values=wrong)


def write_with_defect(writer: FileWriter, slot: Slot, rule: str, rng: random.Random) -> None:
    """A rejected first file and its correct resend, or a superseded first version and its correction."""
    if rule == RESUBMISSION:
        writer.write(_first_version(slot, rng), frozenset(), status="superseded")
        writer.write(slot, frozenset(), suffix=texts.RESUBMISSION_SUFFIX, days_later=4)
        return
    layout, defect = broken_layout(writer, slot, rule, rng)
    writer.write(slot, frozenset(), status="rejected", layout=layout, defect=defect)
    writer.write(slot, frozenset(), suffix=texts.RESEND_SUFFIX, days_later=2)
