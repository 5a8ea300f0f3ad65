"""Builders for the SPEC §4b rule tests: a whole catalog mapping (categories with deductions, pools, combine)."""
from __future__ import annotations

import pandas as pd
import yaml

from kaoping.scoring.catalog import Catalog, parse_catalog
from kaoping.scoring.combine import PartRuns

GRADES3 = [{"name": "优秀", "min_score": 90}, {"name": "良好", "min_score": 80}, {"name": "合格", "min_score": 60},
           {"name": "不合格"}]


def with_source(entries: list[dict]) -> list[dict]:
    return [{"name": e["code"], **({} if "derived" in e else {"source": "D"}), **e} for e in entries]


def catalog_of(categories: list[dict], groups=None, **sections) -> Catalog:
    """A catalog: categories [{code, indicators, deductions?, deduction_cap?}], header keys and sections."""
    head = {k: sections.pop(k) for k in list(sections) if k not in
            ("bonus", "penalties", "vetoes", "inputs", "derived", "penalty_groups")}
    cats = [{"name": c["code"], "points": sum(i["points"] for i in c["indicators"]), **c,
             "indicators": with_source(c["indicators"]),
             **({"deductions": with_source(c["deductions"])} if "deductions" in c else {})} for c in categories]
    body = {k: (with_source(v) if k not in ("penalty_groups", "derived") else v) for k, v in sections.items()}
    header = {"code": "t", "name": "测试", "year": 2025, "assessed_kind": "county",
              "full_marks": sum(c["points"] for c in cats), "grades": GRADES3, **head}
    if body.get("vetoes"):
        header.setdefault("veto_grade", header["grades"][-1]["name"])
    return parse_catalog(yaml.safe_dump({"catalog": header, "categories": cats, **body}, allow_unicode=True),
                         departments={"D"}, groups=groups)


def part_runs(totals: dict[tuple[str, str], float], categories: dict[tuple[str, str, str], float] | None = None,
              scores: dict[tuple[str, str, str], tuple[float, float]] | None = None) -> PartRuns:
    """Published quarter runs: {(period, unit): total}, {(period, unit, cat): score}, {(p, u, code): (score, value)}."""
    rankings = pd.DataFrame([(p, u, t, 0.0, 0.0, t) for (p, u), t in totals.items()],
                            columns=["period", "unit_code", "category_total", "bonus", "penalty", "total"])
    cats = pd.DataFrame([(p, u, c, s) for (p, u, c), s in (categories or {}).items()],
                        columns=["period", "unit_code", "category_code", "score"])
    rows = pd.DataFrame([(p, u, c, s, v) for (p, u, c), (s, v) in (scores or {}).items()],
                        columns=["period", "unit_code", "indicator_code", "score", "value_used"])
    return PartRuns(rankings, cats, rows)
