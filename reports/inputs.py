"""计算依据: the sent values a computed indicator (`derived` in the catalog) was worked out from.

Pure: `input_rows` joins the run's details with the fact_value rows that
kaoping.warehouse.details.sent_inputs read, and returns rows shaped like RunData.details, each
under the details row it explains.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kaoping.reports import texts
from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period


def formula_leaves(catalog: Catalog, code: str, back: int = 0, seen: frozenset = frozenset()
                   ) -> list[tuple[str, int]]:
    """The sent codes a formula reads, each with how many years back (yoy: now and a year ago);
    a code computed by another formula is replaced by what that formula reads."""
    try:
        ind = catalog.indicator(code)
    except KeyError:
        return [(code, back)]
    f = ind.derived
    if f is None or code in seen:
        return [(code, back)]
    reads = [(f.yoy, back), (f.yoy, back + 1)] if f.yoy else [(c, back) for c in f.inputs]
    out: list[tuple[str, int]] = []
    for c, b in reads:
        for leaf in formula_leaves(catalog, c, b, seen | {code}):
            if leaf not in out:
                out.append(leaf)
    return out


def leaf_table(catalog: Catalog) -> pd.DataFrame:
    """parent, code, back, seq: for every indicator with a formula, the sent values it reads, in order."""
    rows = [(i.code, c, b, k) for i in catalog.all_indicators() if i.derived
            for k, (c, b) in enumerate(formula_leaves(catalog, i.code))]
    return pd.DataFrame(rows, columns=["parent", "code", "back", "seq"])


def input_periods(catalog: Catalog, period: Period) -> list[str]:
    """The periods whose values the formulas read (the run's, and years back for yoy)."""
    backs = sorted(set(leaf_table(catalog)["back"].tolist()))
    return [_years_back(period, b).code for b in backs]


def _years_back(period: Period, years: int) -> Period:
    return Period(period.year - years, period.grain_rank, period.index)


def input_rows(details: pd.DataFrame, catalog: Catalog, values: pd.DataFrame, period: Period) -> pd.DataFrame:
    """For every details row of an indicator with a formula, one row per value it reads: the
    details columns (indicator_name marked as an input, value_used the sent value, score and points
    empty) plus `parent` (the details row's position) and `seq` (the place in the formula)."""
    leaves = leaf_table(catalog)
    codes = details["indicator_code"].astype(object).to_numpy()
    parents = np.flatnonzero(pd.Index(leaves["parent"].unique()).get_indexer(codes) >= 0)
    if not len(parents):
        return pd.DataFrame(columns=[*details.columns, "parent", "seq"])
    rows = pd.DataFrame({"parent": parents, "parent_code": codes[parents],
                         "unit_code": details["unit_code"].astype(object).to_numpy()[parents]})
    rows = rows.merge(leaves.rename(columns={"parent": "parent_code"}), on="parent_code", how="left", sort=False)
    backs = {b: _years_back(period, int(b)).code for b in rows["back"].unique()}
    rows["value_period"] = rows["back"].map(backs)
    sent = values.drop_duplicates(["period", "unit_code", "indicator_code"], keep="last")
    rows = rows.merge(sent.rename(columns={"indicator_code": "code", "period": "value_period"}),
                      on=["unit_code", "code", "value_period"], how="left", sort=False)
    rows = rows.sort_values(["parent", "seq"], kind="stable").reset_index(drop=True)
    ind = {i.code: i for i in catalog.all_indicators()}
    found = rows["value"].notna().to_numpy()
    out = pd.DataFrame({
        "value_used": rows["value"].to_numpy(dtype=float),
        "score": np.nan, "points": np.nan,
        "unit_code": rows["unit_code"], "indicator_code": rows["code"],
        "flags": np.where(found, texts.INPUT_FLAG, texts.INPUT_FLAG_MISSING),
        "value_period": rows["value_period"], "raw_text": rows["raw_text"],
        "sheet": rows["sheet"], "cell": rows["cell"], "submission_id": None,
        "indicator_name": [texts.INPUT_NAME.format(name=ind[c].name if c in ind else c) for c in rows["code"]],
        "unit": [(ind[c].unit or "") if c in ind else "" for c in rows["code"]],
        "file_name": rows["file_name"], "department": rows["department"]})
    for name in out.columns:
        if name not in ("value_used", "score", "points"):
            out[name] = pd.Categorical(out[name].where(out[name].notna(), None))
    out["parent"], out["seq"] = rows["parent"].to_numpy(), rows["seq"].to_numpy()
    return out[[*details.columns, "parent", "seq"]]


def with_inputs(details: pd.DataFrame, inputs: pd.DataFrame | None, order: np.ndarray
                ) -> tuple[pd.DataFrame, np.ndarray]:
    """The details with their input rows appended, and `order` (of the details rows) with each
    details row followed by its inputs; without inputs, the details and `order` unchanged."""
    if inputs is None or not len(inputs):
        return details, order
    place = np.empty(len(details), dtype=np.int64)
    place[order] = np.arange(len(order))
    parent = inputs["parent"].to_numpy(dtype=np.int64)
    major = np.concatenate([place, place[parent]])
    minor = np.concatenate([np.zeros(len(details), dtype=np.int64), inputs["seq"].to_numpy(dtype=np.int64) + 1])
    kept = np.concatenate([np.isin(np.arange(len(details)), order), np.isin(parent, order)])
    combined = np.lexsort((minor, major))
    combined = combined[kept[combined]]
    frame = pd.DataFrame(index=pd.RangeIndex(len(details) + len(inputs)))
    for name in details.columns:
        a, b = details[name], inputs[name]
        if isinstance(a.dtype, pd.CategoricalDtype):
            b = pd.Categorical(b.astype(object).where(b.notna(), None))
            if len(b.categories) and b.categories.dtype != a.cat.categories.dtype:  # e.g. ids beside text
                a, b = (pd.Categorical(c.astype(object)) for c in (a, pd.Series(b)))
            elif not len(b.categories):
                b = pd.Categorical.from_codes(np.full(len(b), -1), a.cat.categories)
            frame[name] = pd.api.types.union_categoricals([pd.Categorical(a), b], ignore_order=True)
        else:
            frame[name] = np.concatenate([a.to_numpy(dtype=float), b.to_numpy(dtype=float)])
    return frame, combined
