"""Builders for the scoring tests: small catalogs as YAML text, inputs as plain dicts."""
from __future__ import annotations

import math

import pandas as pd
import yaml

from kaoping.scoring.catalog import Catalog
from kaoping.scoring.engine import ScoreOptions, ScoreResult, score_period
from kaoping.sources.catalogs import parse_catalog

GRADES = [{"name": "合格", "min_score": 60}, {"name": "不合格"}]


def _entry(ind: dict) -> dict:
    base = {"name": ind["code"], **ind}
    return base if "derived" in ind else {"source": "D", **base}


def make_catalog(categories: dict[str, list[dict]], **head) -> Catalog:
    """A catalog from {category code: [indicator dicts]} plus header keys and extra sections."""
    sections = {k: [_entry(i) if k != "derived" else {"name": i["code"], **i} for i in head.pop(k)]
                for k in ("bonus", "penalties", "vetoes", "inputs", "derived") if k in head}
    cats = [{"code": code, "name": code, "points": sum(i["points"] for i in inds),
             "indicators": [_entry(i) for i in inds]} for code, inds in categories.items()]
    header = {"code": "t", "name": "测试", "year": 2025, "assessed_kind": "county",
              "full_marks": sum(c["points"] for c in cats), "grades": GRADES, **head}
    if sections.get("vetoes"):
        header.setdefault("veto_grade", header["grades"][-1]["name"])
    return parse_catalog(yaml.safe_dump({"catalog": header, "categories": cats, **sections}, allow_unicode=True))


def one(method: str, points: float = 10, **params) -> Catalog:
    """A catalog with one scored indicator I of the given method."""
    return make_catalog({"C": [{"code": "I", "method": method, "points": points, **params}]})


def run(catalog: Catalog, values: dict[tuple[str, str], float | None], units=None,
        history: dict[tuple[str, str, str], float] | None = None, previous: list[tuple] = (),
        period: str = "2025Q1", **options) -> ScoreResult:
    """Score `values` {(unit, code): v}; units: codes, or (code, group) pairs (default: those in values)."""
    units = units if units is not None else sorted({u for u, _ in values})
    pairs = [u if isinstance(u, tuple) else (u, "") for u in units]
    registry = pd.DataFrame({"code": [c for c, _ in pairs], "kind": "county", "group": [g for _, g in pairs]})
    frame = pd.DataFrame([(u, c, v) for (u, c), v in values.items()],
                         columns=["unit_code", "indicator_code", "value"])
    hist = pd.DataFrame([(p, u, c, v) for (p, u, c), v in (history or {}).items()],
                        columns=["period", "unit_code", "indicator_code", "value"])
    prev = pd.DataFrame(list(previous), columns=["period", "unit_code", "group", "rank", "grade"])
    return score_period(catalog, frame, registry, hist, prev, ScoreOptions(period, **options))


def scores(result: ScoreResult, code: str = "I") -> dict[str, float | None]:
    rows = result.scores[result.scores["indicator_code"] == code]
    return {r.unit_code: (None if pd.isna(r.score) else round(r.score, 9)) for r in rows.itertuples()}


def flags(result: ScoreResult, code: str = "I") -> dict[str, str]:
    rows = result.scores[result.scores["indicator_code"] == code]
    return {r.unit_code: r.flags for r in rows.itertuples()}


def ranking(result: ScoreResult, *columns: str) -> list[tuple]:
    """Rows of the ranking in output order: (unit_code, *columns)."""
    out = []
    for r in result.rankings.to_dict("records"):
        out.append((r["unit_code"], *(_plain(r[c]) for c in columns)))
    return out


def _plain(x):
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return None
    return round(float(x), 9) if isinstance(x, float) else x
