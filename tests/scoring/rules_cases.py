"""Builders for the SPEC §4b rule tests: a whole catalog mapping (categories with deductions, pools, combine)."""
from __future__ import annotations

import pandas as pd
import yaml

from kaoping.scoring.catalog import Catalog
from kaoping.scoring.combine import PartRuns
from kaoping.sources.catalogs import parse_catalog

# a catalog using every §4b family (the end-to-end run, the printable 细则)
EVERY_FAMILY = """catalog:
  code: rules-2025
  name: 2025年度规则测试考评
  year: 2025
  assessed_kind: county
  full_marks: 100
  bonus_cap: 3
  grades: [{name: 优秀, min_score: 90}, {name: 良好, min_score: 80}, {name: 合格, min_score: 60}, {name: 不合格}]
  veto_grade: 不合格
  combine: [{from: quarter, weight: 0.6}, {from: year, weight: 0.4}]
categories:
  - code: C01
    name: 社会治安
    points: 40
    indicators:
      - {code: I1, name: 破案率, unit: "%", source: GA, method: bands, points: 20,
         bands: [{min: 96, score: 20}, {min: 90, score: 15}, {score: 5}]}
      - {code: I2, name: 调解率, unit: "%", source: SF, method: curve, points: 20, curve: [[80, 0], [100, 20]],
         by_group: {城区: {curve: [[90, 0], [100, 20]]}}}
    deductions:
      - {code: D1, name: 督导检查发现问题, unit: 个, source: ZFW, per: 2}
    deduction_cap: 6
  - code: C02
    name: 基层基础
    points: 60
    indicators:
      - {code: I3, name: 考核评分, source: ZFW, method: direct, points: 20}
      - {code: I4, name: 刑案数与平均值比较, unit: "%", method: curve, points: 20, curve: [[-50, 20], [50, 0]],
         derived: {vs: CR, reference: peer_mean, as: percent}}
      - {code: I5, name: 信息报送, method: deduction, points: 20, per: 4, derived: {sum: {LATE: 0.5, HIDE: 1}}}
bonus:
  - {code: B1, name: 表彰, source: ZFW, bands: [{min: 2, amount: 2}, {min: 1, amount: 1}, {amount: 0}]}
penalties:
  - {code: P1, name: 扣分一, source: ZFW, per: 1, cap: 3}
  - {code: P2, name: 扣分二, source: ZFW, per: 2}
penalty_groups:
  - {code: PG1, name: 平安三率, members: [P1, P2], cap: 4}
vetoes:
  - {code: V1, name: 否决一, source: ZFW}
  - {code: V2, name: 限等事项, source: ZFW, effect: {max_grade: 良好}}
  - {code: V3, name: 降等事项, source: ZFW, effect: {demote: 1}}
inputs:
  - {code: CR, name: 刑事案件数, source: GA}
  - {code: LATE, name: 迟报次数, source: ZFW}
  - {code: HIDE, name: 瞒报次数, source: ZFW}
"""
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
