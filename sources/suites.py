"""Great Expectations suites generated from the catalog, and the per-run validator (SPEC §6).

A suite holds, for one catalog × department × list of units in scope: allowed units and
indicators, numeric text, each indicator's `range` and `integer`, uniqueness of unit × indicator, and completeness.
One ephemeral GX context serves a whole run; its results are kept for Data Docs.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pandas as pd

from scoring.catalog import Catalog
from sources import messages as M
from sources.problems import Problem, make_problem
from sources.values import NUMBER_PATTERN

UNKNOWN = "?"  # prefix of a unit or indicator key that did not resolve, so it fails the in-set checks


def _expectation_specs(catalog: Catalog, department: str, allowed_units: list[str],
                       required_units: list[str]) -> list[tuple[str, dict, dict]]:
    """(expectation class name, arguments, meta) for every check the catalog implies."""
    collected = catalog.collected(department)
    specs = [
        ("ExpectColumnValuesToBeInSet", {"column": "unit_key", "value_set": allowed_units}, {"rule": "unit"}),
        ("ExpectColumnValuesToBeInSet", {"column": "indicator_key", "value_set": [i.code for i in collected]},
         {"rule": "indicator"}),
        ("ExpectColumnValuesToMatchRegex", {"column": "number_text", "regex": NUMBER_PATTERN}, {"rule": "non_numeric"}),
        ("ExpectCompoundColumnsToBeUnique", {"column_list": ["unit_key", "indicator_key"]},
         {"rule": "duplicate_conflict"}),
        ("ExpectColumnDistinctValuesToContainSet", {"column": "unit_key", "value_set": required_units},
         {"rule": "unit_incomplete" if catalog.require_complete else "units_missing"}),
    ]
    for ind in collected:
        where = {"row_condition": f'indicator_key=="{ind.code}"', "condition_parser": "pandas"}
        if ind.range:
            specs.append(("ExpectColumnValuesToBeBetween", {"column": "value", "min_value": ind.range[0],
                                                            "max_value": ind.range[1], **where},
                          {"rule": "out_of_range", "indicator": ind.code}))
        if ind.integer:
            specs.append(("ExpectColumnValuesToBeBetween", {"column": "fraction", "min_value": 0,
                                                            "max_value": 1e-9, **where},
                          {"rule": "not_integer", "indicator": ind.code}))
    return specs


def gx_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns the suites check, one row per long-table row (`row_id` maps results back)."""
    value = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    return pd.DataFrame({"row_id": range(len(rows)), "unit_key": rows["unit_key"].to_numpy(),
                         "indicator_key": rows["indicator_key"].to_numpy(),
                         "number_text": rows["number_text"].to_numpy(), "value": value.to_numpy(),
                         "fraction": (value - value.round()).abs().to_numpy()})


class Validator:
    """One ephemeral GX context for a run: a suite built once per catalog × department × unit list."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.enable_analytics(False)  # runs offline; nothing about submissions leaves the machine
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("submissions").add_dataframe_asset("long_values")
        self._batch = asset.add_batch_definition_whole_dataframe("whole_file")
        self._definitions: dict[str, object] = {}
        self.results: list = []

    def _definition(self, catalog: Catalog, department: str, allowed: list[str], required: list[str]):
        inputs = f"{catalog.sha256}|{','.join(allowed)}|{','.join(required)}"
        # keyed by content, not period: the quarters of a year share one suite when their units agree
        name = f"{catalog.code}.{department}.{hashlib.sha256(inputs.encode()).hexdigest()[:12]}"
        if name not in self._definitions:
            suite = self.context.suites.add(self._gx.ExpectationSuite(name=name))
            for cls, kwargs, meta in _expectation_specs(catalog, department, allowed, required):
                suite.add_expectation(getattr(self._gx.expectations, cls)(**kwargs, meta=meta))
            self._definitions[name] = self.context.validation_definitions.add(
                self._gx.ValidationDefinition(name=name, data=self._batch, suite=suite))
        return self._definitions[name]

    def validate(self, rows: pd.DataFrame, catalog: Catalog, department: str,
                 allowed: list[str], required: list[str], file: str, unit_names: dict[str, str]) -> list[Problem]:
        """Problems the suite finds in the rows (long table with unit_key/indicator_key/number_text/value)."""
        definition = self._definition(catalog, department, allowed, required)
        result = definition.run(batch_parameters={"dataframe": gx_frame(rows)},
                                result_format={"result_format": "COMPLETE",
                                               "unexpected_index_column_names": ["row_id"]})
        self.results.append(result)
        problems: list[Problem] = []
        for outcome in result.results:
            if not outcome.success:
                problems += _problems(outcome, rows, catalog, file, unit_names)
        return problems

    def build_docs(self, folder: Path) -> Path:
        """Data Docs (HTML) of every suite and result of this run; returns the index page."""
        folder = Path(folder).resolve()
        self.context.add_data_docs_site(site_name="kaoping", site_config={
            "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)}})
        self.context.build_data_docs(site_names=["kaoping"])
        return folder / "index.html"


def _row_problem(rule: str, row, catalog: Catalog, file: str, unit_names: dict[str, str], expected: str,
                 ) -> Problem:
    code = row.indicator_key
    indicator = catalog.indicator(code).name if not code.startswith(UNKNOWN) else (row.indicator_text or None)
    unit = unit_names.get(row.unit_key, row.unit_text or None)
    return make_problem(rule, file, row.sheet, row.cell, unit, indicator, row.raw_text, expected)


def _row_rule(rule: str, row) -> tuple[str, str]:
    """The specific rule and expectation text of a failed row (which in-set failure it was)."""
    if rule == "unit":
        return ("unit_unknown" if pd.isna(row.unit_code) else "unit_out_of_scope"), M.EXPECTED["units"]
    if rule == "indicator":
        return ("indicator_unknown" if not row.indicator_codes else "indicator_foreign"), "本部门报送的指标"
    return rule, {"non_numeric": M.EXPECTED["number"], "duplicate_conflict": M.EXPECTED["single_value"],
                  "not_integer": M.EXPECTED["integer"]}.get(rule, "")


def _missing_unit_problems(outcome, rule: str, file: str, unit_names: dict[str, str]) -> list[Problem]:
    """One problem per required unit absent from the file (GX lists the first few; the rest are counted)."""
    missing = outcome.result.get("partial_missing_list") or []
    out = [make_problem(rule, file, unit=unit_names.get(u, u), expected=M.EXPECTED["units"]) for u in missing]
    more = outcome.result.get("missing_count", 0) - len(missing)
    if more > 0:
        out.append(make_problem(rule, file, value=f"另有 {more} 个单位", expected=M.EXPECTED["units"]))
    return out


def _problems(outcome, rows: pd.DataFrame, catalog: Catalog, file: str, unit_names: dict[str, str]) -> list[Problem]:
    """A failed expectation → one Problem per offending row (a unit once, at its own cell)."""
    meta = outcome.expectation_config.meta or {}
    rule = meta["rule"]
    if rule in ("unit_incomplete", "units_missing"):
        return _missing_unit_problems(outcome, rule, file, unit_names)
    out, units_seen = [], set()
    for hit in outcome.result.get("unexpected_index_list") or []:
        row = rows.iloc[int(hit["row_id"])]
        specific, expected = _row_rule(rule, row)
        if rule == "out_of_range":
            lo, hi = catalog.indicator(meta["indicator"]).range
            expected = M.EXPECTED["range"].format(lo=f"{lo:g}", hi=f"{hi:g}")
        if rule != "unit":
            out.append(_row_problem(specific, row, catalog, file, unit_names, expected))
        elif row.unit_cell not in units_seen:
            units_seen.add(row.unit_cell)
            out.append(make_problem(specific, file, row.sheet, row.unit_cell, row.unit_text or None, None,
                                    row.unit_text, expected))
    return out
