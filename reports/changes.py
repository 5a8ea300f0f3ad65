"""变更说明 (SPEC §11): what changed between two published versions of a catalog × period, and why.

Pure: the two versions' rankings, score details (with their source files) and adjustments in, one
row per unit whose total, rank or grade changed out. The cause of each changed indicator comes from
the lineage: the submission whose value the score used (a department's newer file supersedes its
older one), or the adjustment (人工调整) the new version used and the old one did not.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kaoping.reports import texts
from kaoping.reports.words import number_text
from kaoping.scoring.rounding import round2

COLUMNS = ["unit_code", "unit_name", "group", "total_old", "total_new", "rank_old", "rank_new",
           "grade_old", "grade_new", "causes"]
DETAIL = ["unit_code", "indicator_code", "indicator_name", "value_used", "score", "submission_id", "file_name",
          "department"]


@dataclass
class Version:
    """One published version's frames as the change log reads them."""

    number: int
    rankings: pd.DataFrame
    details: pd.DataFrame
    adjustments: pd.DataFrame


def _plain(details: pd.DataFrame) -> pd.DataFrame:
    """The detail columns the comparison needs, categoricals as plain objects."""
    return pd.DataFrame({c: details[c].astype(object) if isinstance(details[c].dtype, pd.CategoricalDtype)
                         else details[c] for c in DETAIL})


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise: the numbers differ at 2 decimals (two missing values are equal)."""
    x, y = pd.to_numeric(a, errors="coerce").round(2), pd.to_numeric(b, errors="coerce").round(2)
    return ~((x == y) | (x.isna() & y.isna()))


def _adjustment_ids(adjustments: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(unit, score indicator) → the adjustment row a version used."""
    return {(r["unit_code"], r["indicator_code"]): r for r in adjustments.to_dict("records")}


def _cause(row: dict, old_adjusted: dict, new_adjusted: dict) -> str:
    """Why one indicator of one unit changed: an adjustment, a superseding file, or other units' data."""
    key = (row["unit_code"], row["indicator_code"])
    adjustment = new_adjusted.get(key)
    if adjustment is not None and (key not in old_adjusted
                                   or old_adjusted[key]["adjustment_id"] != adjustment["adjustment_id"]):
        return texts.CHANGE_ADJUSTED.format(reason=adjustment["reason"], author=adjustment["author"])
    if row["submission_id_new"] != row["submission_id_old"] and isinstance(row["file_name_new"], str):
        return texts.CHANGE_RESUBMITTED.format(department=row["department_new"] or "", new=row["file_name_new"],
                                               old=row["file_name_old"] or texts.CHANGE_NO_FILE)
    return texts.CHANGE_PEERS


def _indicator_lines(old: pd.DataFrame, new: pd.DataFrame, old_adj: pd.DataFrame,
                     new_adj: pd.DataFrame) -> dict[str, list[str]]:
    """unit → one line per changed indicator: name, value and score old → new, and the cause."""
    both = _plain(old).merge(_plain(new), on=["unit_code", "indicator_code"], how="outer", suffixes=("_old", "_new"))
    changed = both[_differs(both["value_used_old"], both["value_used_new"])
                   | _differs(both["score_old"], both["score_new"])]
    old_adjusted, new_adjusted = _adjustment_ids(old_adj), _adjustment_ids(new_adj)
    lines: dict[str, list[str]] = {}
    for row in changed.replace({np.nan: None}).to_dict("records"):
        name = row["indicator_name_new"] or row["indicator_name_old"] or row["indicator_code"]
        lines.setdefault(row["unit_code"], []).append(texts.CHANGE_LINE.format(
            indicator=f"{row['indicator_code']} {name}",
            value_old=number_text(row["value_used_old"]) or "—", value_new=number_text(row["value_used_new"]) or "—",
            score_old=number_text(row["score_old"]) or "—", score_new=number_text(row["score_new"]) or "—",
            cause=_cause(row, old_adjusted, new_adjusted)))
    return lines


def change_log(old: Version, new: Version) -> pd.DataFrame:
    """One row per unit whose total, rank or grade changed from `old` to `new` (COLUMNS), in the
    new ranking's order (units no longer ranked last)."""
    keep = ["unit_code", "unit_name", "group", "total", "rank", "grade"]
    both = old.rankings[keep].merge(new.rankings[keep], on="unit_code", how="outer", suffixes=("_old", "_new"),
                                    indicator=True)
    moved = (_differs(both["total_old"], both["total_new"]) | _differs(both["rank_old"], both["rank_new"])
             | (both["grade_old"].fillna("") != both["grade_new"].fillna("")) | (both["_merge"] != "both"))
    both = both[moved.to_numpy()]
    lines = _indicator_lines(old.details, new.details, old.adjustments, new.adjustments)
    order = {code: k for k, code in enumerate(new.rankings["unit_code"])}
    both = both.assign(_order=[order.get(c, len(order)) for c in both["unit_code"]])
    both = both.sort_values(["_order", "unit_code"])
    return pd.DataFrame({
        "unit_code": both["unit_code"].to_numpy(),
        "unit_name": both["unit_name_new"].fillna(both["unit_name_old"]).to_numpy(),
        "group": both["group_new"].fillna(both["group_old"]).to_numpy(),
        "total_old": [round2(v) if pd.notna(v) else None for v in both["total_old"]],
        "total_new": [round2(v) if pd.notna(v) else None for v in both["total_new"]],
        "rank_old": [int(v) if pd.notna(v) else None for v in both["rank_old"]],
        "rank_new": [int(v) if pd.notna(v) else None for v in both["rank_new"]],
        "grade_old": both["grade_old"].to_numpy(), "grade_new": both["grade_new"].to_numpy(),
        "causes": ["\n".join(lines.get(code, [texts.CHANGE_RANK_ONLY])) for code in both["unit_code"]],
    }, columns=COLUMNS)
