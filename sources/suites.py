"""The Great Expectations suite of the intake and the per-run validator (SPEC §6).

One suite serves every catalog, department and period: what differs per file (the units in scope,
the department's indicators, each indicator's `range` and `integer`, whether the catalog requires
completeness) is resolved into row-level columns before validation, so no expectation argument
grows with the number of units or files. Several files are validated in one GX run (a `part`
column tells them apart); their problems are split back per file. One ephemeral GX context
serves a whole run; its results are kept for Data Docs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kaoping.scoring.catalog import Catalog
from kaoping.sources import messages as M
from kaoping.sources.data_docs import DocsEntry, make_offline, run_label, run_name
from kaoping.sources.problems import Problem, make_problem
from kaoping.sources.values import NUMBER_PATTERN

UNKNOWN = "?"  # prefix of a unit or indicator key that did not resolve
SUITE_NAME = "kaoping.intake"
MISSING_LISTED = 20  # absent units named one by one; the rest are counted in one more problem
# each expectation with the rule of its failures
_EXPECTATIONS: tuple[tuple[str, dict, str], ...] = (
    ("ExpectColumnValuesToBeNull", {"column": "unit_problem"}, "unit"),
    ("ExpectColumnValuesToBeNull", {"column": "indicator_problem"}, "indicator"),
    ("ExpectColumnValuesToMatchRegex", {"column": "number_text", "regex": NUMBER_PATTERN}, "non_numeric"),
    ("ExpectCompoundColumnsToBeUnique", {"column_list": ["part", "unit_key", "indicator_key"]},
     "duplicate_conflict"),
    ("ExpectColumnValuesToBeNull", {"column": "absent_unit"}, "completeness"),
    ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "value", "column_B": "lo", "or_equal": True,
                                                 "ignore_row_if": "either_value_is_missing"}, "out_of_range"),
    ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "hi", "column_B": "value", "or_equal": True,
                                                 "ignore_row_if": "either_value_is_missing"}, "out_of_range"),
    ("ExpectColumnValuesToBeBetween", {"column": "integer_fraction", "min_value": 0, "max_value": 1e-9},
     "not_integer"),
)


@dataclass
class SuiteInput:
    """One file's cleaned long table and what the suite checks it against."""

    rows: pd.DataFrame
    catalog: Catalog
    department: str
    in_scope: list[str]  # unit codes assessed in the period, registry order
    file: str
    unit_names: dict[str, str]


def _indicator_table(catalog: Catalog, department: str) -> pd.DataFrame:
    """The department's indicators: report position, bounds (NaN where none) and integer flag."""
    collected = catalog.collected(department)
    return pd.DataFrame({"position": range(len(collected)),
                         "lo": [i.range[0] if i.range else np.nan for i in collected],
                         "hi": [i.range[1] if i.range else np.nan for i in collected],
                         "integer": [i.integer for i in collected]},
                        index=pd.Index([i.code for i in collected], dtype=object))


def _absent(rows: pd.DataFrame, in_scope: list[str]) -> list[str]:
    """In-scope units with no row in the file (an anti-join on the unit key)."""
    present = set(rows["unit_key"].tolist())
    return [code for code in in_scope if code not in present]


def gx_frame(item: SuiteInput, part: int) -> pd.DataFrame:
    """The columns the suite checks: one row per long-table row (`row_id`), then one per absent unit."""
    rows, table = item.rows, _indicator_table(item.catalog, item.department)
    keys = rows["indicator_key"]
    value = pd.to_numeric(rows["value"], errors="coerce").astype(float).to_numpy()
    integer = keys.map(table["integer"]).fillna(False).astype(bool).to_numpy()
    scope, own = set(item.in_scope), set(table.index)
    data = pd.DataFrame({
        "part": part, "row_id": np.arange(len(rows)), "unit_key": rows["unit_key"].to_numpy(dtype=object),
        "indicator_key": keys.to_numpy(dtype=object),
        "unit_problem": [None if k in scope else k for k in rows["unit_key"].tolist()],
        "indicator_problem": [None if k in own else k for k in keys.tolist()],
        "number_text": rows["number_text"].to_numpy(dtype=object), "value": value,
        "lo": keys.map(table["lo"]).astype(float).to_numpy(), "hi": keys.map(table["hi"]).astype(float).to_numpy(),
        "integer_fraction": np.where(integer, np.abs(value - np.round(value)), np.nan),
        "absent_unit": None})
    absent = _absent(rows, item.in_scope)
    return pd.concat([data, pd.DataFrame({"part": part, "row_id": -1, "unit_key": absent, "absent_unit": absent})],
                     ignore_index=True) if absent else data


class Validator:
    """One ephemeral GX context for a run, with the one suite of the intake, made on first use (where
    worker processes validate, the flow's own validator may never run). `keep=False`: results are
    not kept for Data Docs (a worker process validates for many runs)."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self._context = self._definition = None
        self.results: list = []
        self.entries: list[DocsEntry] = []

    def open(self) -> "Validator":
        """The GX context made now, if not yet (a worker does it before any file's time limit starts)."""
        if self._context is None:
            self._context, self._definition = _suite_context()
        return self

    @property
    def context(self):
        return self.open()._context

    def validate(self, items: list[SuiteInput]) -> list[list[Problem]]:
        """Problems the suite finds in each item's rows, in one GX run over all of them."""
        if not items:
            return []
        frame = pd.concat([gx_frame(item, part) for part, item in enumerate(items)], ignore_index=True)
        result = self._named_run(frame, run_label([(item.file, item.department) for item in items]))
        if self.keep:
            self.results.append(result)
        failed = _failed_rows(result, frame)
        return [_file_problems(item, failed[failed["part"] == part]) for part, item in enumerate(items)]

    def _named_run(self, frame: pd.DataFrame, label: str):
        """One GX run whose pages name the files and departments it covered (run name, data asset)."""
        from datetime import datetime, timezone

        from great_expectations.core.run_identifier import RunIdentifier

        when = datetime.now(timezone.utc)
        run_id = RunIdentifier(run_name=run_name(label, when.strftime("%Y%m%dT%H%M%S.%f")), run_time=when)
        store = self.context.validation_results_store
        result = self._definition.run(batch_parameters={"dataframe": frame}, run_id=run_id,
                                      result_format={"result_format": "COMPLETE"})
        result.meta.setdefault("batch_spec", {})["data_asset_name"] = label
        for key in store.list_keys():  # stored before the name was set: store it again with it (or drop it)
            if getattr(key, "run_id", None) is not None and key.run_id.run_name == run_id.run_name:
                if self.keep:
                    store.set(key, result)
                else:
                    store.remove_key(key)
        if self.keep:
            self.entries.append(DocsEntry(run_id.run_name, label, bool(result.success)))
        return result

    def build_docs(self, folder: Path) -> Path:
        """Data Docs (HTML) of the suite and every result of this run, readable offline; returns the index page."""
        folder = Path(folder).resolve()
        self.context.add_data_docs_site(site_name="kaoping", site_config={
            "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "show_cta_footer": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)}})
        self.context.build_data_docs(site_names=["kaoping"])
        return make_offline(folder, self.entries)


def _suite_context():
    """An ephemeral GX context holding the intake suite, and its validation definition."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)  # runs offline; nothing about submissions leaves the machine
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("submissions").add_dataframe_asset("long_values")
             .add_batch_definition_whole_dataframe("files"))
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    for cls, kwargs, rule in _EXPECTATIONS:
        suite.add_expectation(getattr(gx.expectations, cls)(**kwargs, meta={"rule": rule}))
    return context, context.validation_definitions.add(gx.ValidationDefinition(name=SUITE_NAME, data=batch,
                                                                                suite=suite))


def _failed_rows(result, frame: pd.DataFrame) -> pd.DataFrame:
    """(part, row_id, absent_unit, rule, order) of every failing frame row, `order` the expectation's place."""
    hits = []
    for order, outcome in enumerate(result.results):
        if not outcome.success:
            index = np.asarray(outcome.result.get("unexpected_index_list") or [], dtype=np.int64)
            hits.append(frame.iloc[index][["part", "row_id", "absent_unit"]]
                        .assign(rule=outcome.expectation_config.meta["rule"], order=order))
    return pd.concat(hits, ignore_index=True) if hits else pd.DataFrame(
        columns=["part", "row_id", "absent_unit", "rule", "order"])


def _file_problems(item: SuiteInput, failed: pd.DataFrame) -> list[Problem]:
    """One file's problems, rule by rule; range and integer failures indicator by indicator."""
    def ids(rule: str) -> list[int]:
        return sorted(set(failed.loc[failed["rule"] == rule, "row_id"]))

    # the order of the per-catalog suites this one replaced, as their GX results came
    return (_unit_problems(item, ids("unit")) + _row_problems(item, "indicator", ids("indicator"))
            + _missing_unit_problems(item, list(failed.loc[failed["rule"] == "completeness", "absent_unit"]))
            + _row_problems(item, "non_numeric", ids("non_numeric"))
            + _row_problems(item, "duplicate_conflict", ids("duplicate_conflict"))
            + _bound_problems(item, failed[failed["rule"].isin(["out_of_range", "not_integer"])]))


def _names(item: SuiteInput, row) -> tuple[str | None, str | None]:
    """Unit and indicator as the problem names them (registry and catalog names when resolved)."""
    code = row.indicator_key
    indicator = item.catalog.indicator(code).name if not code.startswith(UNKNOWN) else (row.indicator_text or None)
    return item.unit_names.get(row.unit_key, row.unit_text or None), indicator


def _row_rule(rule: str, row) -> tuple[str, str]:
    """The specific rule and expectation text of a failed row (which in-set failure it was)."""
    if rule == "indicator":
        return ("indicator_unknown" if not row.indicator_codes else "indicator_foreign"), "本部门报送的指标"
    return rule, {"non_numeric": M.EXPECTED["number"], "duplicate_conflict": M.EXPECTED["single_value"],
                  "not_integer": M.EXPECTED["integer"]}.get(rule, "")


def _row_problems(item: SuiteInput, rule: str, ids: list[int], expected: str | None = None) -> list[Problem]:
    """One problem per failing row, at the row's own cell."""
    out = []
    for row in item.rows.iloc[ids].itertuples(index=False):
        specific, text = _row_rule(rule, row)
        unit, indicator = _names(item, row)
        out.append(make_problem(specific, item.file, row.sheet, row.cell, unit, indicator, row.raw_text,
                                expected or text))
    return out


def _unit_problems(item: SuiteInput, ids: list[int]) -> list[Problem]:
    """A unit not in scope, once per unit cell (not once per indicator of its row)."""
    out, seen = [], set()
    for row in item.rows.iloc[ids].itertuples(index=False):
        if row.unit_cell not in seen:
            seen.add(row.unit_cell)
            rule = "unit_unknown" if pd.isna(row.unit_code) else "unit_out_of_scope"
            out.append(make_problem(rule, item.file, row.sheet, row.unit_cell, row.unit_text or None, None,
                                    row.unit_text, M.EXPECTED["units"]))
    return out


def _missing_unit_problems(item: SuiteInput, absent: list[str]) -> list[Problem]:
    """One problem per absent in-scope unit (the first few in registry order; the rest are counted)."""
    rule = "unit_incomplete" if item.catalog.require_complete else "units_missing"
    listed = [code for code in item.in_scope if code in set(absent)][:MISSING_LISTED]
    out = [make_problem(rule, item.file, unit=item.unit_names.get(u, u), expected=M.EXPECTED["units"])
           for u in listed]
    if len(absent) > len(listed):
        out.append(make_problem(rule, item.file, value=f"另有 {len(absent) - len(listed)} 个单位",
                                expected=M.EXPECTED["units"]))
    return out


def _bound_problems(item: SuiteInput, failed: pd.DataFrame) -> list[Problem]:
    """Range, then integer failures, indicator by indicator in catalog order, rows in file order."""
    if failed.empty:
        return []
    table = _indicator_table(item.catalog, item.department)
    keys = item.rows["indicator_key"].to_numpy(dtype=object)
    ordered = (failed.assign(position=table["position"].reindex(keys[failed["row_id"].to_numpy(dtype=np.int64)])
                             .to_numpy(), kind=(failed["rule"] == "not_integer").astype(int))
               .drop_duplicates(["row_id", "rule"]).sort_values(["position", "kind", "row_id"]))
    out = []
    for rule, row_id in zip(ordered["rule"].tolist(), ordered["row_id"].tolist()):
        lo, hi = table.at[keys[row_id], "lo"], table.at[keys[row_id], "hi"]
        expected = M.EXPECTED["range"].format(lo=f"{lo:g}", hi=f"{hi:g}") if rule == "out_of_range" else None
        out += _row_problems(item, rule, [row_id], expected)
    return out
