"""A province-scale 考评细则 that uses every method of SPEC §4, sized by its indicator count."""
from __future__ import annotations

import yaml

CATEGORY_NAMES = ("政治安全", "社会治安", "矛盾纠纷化解", "公共安全", "网络安全", "基层基础",
                  "群众安全感", "专项工作")
# method, direction, extra parameters, unit of measure, missing policy (None: catalog default)
SCORED_PATTERNS = (
    ("threshold", "higher_better", {"target": 95, "floor": 60}, "%", None),
    ("threshold", "lower_better", {"target": 2, "ceiling": 20}, "起", None),
    ("relative", "higher_better", {"base": 0.6}, "分", None),
    ("relative", "lower_better", {}, "分", "exclude"),
    ("rank", "higher_better", {"step": 0.01}, "件", None),
    ("rank", "lower_better", {"step": 0.01, "min_points": 0.1}, "件", None),
    ("deduction", None, {"per": 0.5}, "起", None),
    ("threshold", "higher_better", {"target": 98, "floor": 70}, "%", "previous"),
)
RANGES = {"%": [0, 100], "分": [0, 100], "起": [0, 1000], "件": [0, 100000], "万人": [0, 10000],
          "项": [0, 50], "次": [0, 50]}
INTEGER_UNITS = {"起", "件", "项", "次"}
SPECIAL_COUNT = 16  # inputs 6, non-scored derived 2, bonus 3, penalties 3, vetoes 2
SCORED_DERIVED = 2  # one ratio and one yoy among the scored indicators


def _collected(code: str, name: str, unit: str, source: str, **extra) -> dict:
    """A department-sent indicator entry with its validation bounds."""
    entry = {"code": code, "name": name, "unit": unit, "source": source, "range": RANGES[unit], **extra}
    if unit in INTEGER_UNITS:
        entry["integer"] = True
    return entry


def indicator_points(count: int, full_marks: float = 100) -> list[float]:
    """Points per scored indicator: multiples of 0.25 (exact in binary) adding up to full marks."""
    step = 0.25
    base = int(full_marks / count / step) * step
    if base <= 0:
        raise ValueError(f"{count} scored indicators cannot share {full_marks} points in steps of {step}")
    extra = round((full_marks - base * count) / step)
    return [base + step if i < extra else base for i in range(count)]


def _scored_entry(i: int, points: float, source: str) -> dict:
    method, direction, params, unit, missing = SCORED_PATTERNS[i % len(SCORED_PATTERNS)]
    entry = _collected(f"S{i + 1:03d}", f"考评指标{i + 1:03d}{method_label(method)}", unit, source,
                       method=method, points=points, **params)
    if direction:
        entry["direction"] = direction
    if missing:
        entry["missing"] = missing
    if i % 9 == 4:
        entry["aliases"] = [f"指标{i + 1:03d}"]
    return entry


def method_label(method: str) -> str:
    return {"threshold": "达标率", "relative": "综合得分", "rank": "办结量", "deduction": "事件数"}[method]


def _derived_scored(points: list[float]) -> list[dict]:
    return [
        {"code": "S-RATIO", "name": "每万人刑事案件立案数", "unit": "起/万人", "method": "relative",
         "direction": "lower_better", "points": points[0], "base": 0.5,
         "derived": {"ratio": ["IN01", "POP"], "scale": 1}},
        {"code": "S-YOY", "name": "电信诈骗发案同比变化率", "unit": "%", "method": "rank",
         "direction": "lower_better", "points": points[1], "step": 0.01, "missing": "exclude",
         "derived": {"yoy": "IN02"}},
    ]


def _scored(count: int, sources: list[str]) -> list[dict]:
    points = indicator_points(count)
    derived = _derived_scored(points[-SCORED_DERIVED:])
    plain = [_scored_entry(i, points[i], sources[i % len(sources)]) for i in range(count - SCORED_DERIVED)]
    return plain + derived


def _categories(scored: list[dict]) -> list[dict]:
    """Scored indicators split into consecutive chunks, one per category."""
    n = len(CATEGORY_NAMES)
    bounds = [round(k * len(scored) / n) for k in range(n + 1)]
    cats = []
    for k, name in enumerate(CATEGORY_NAMES):
        chunk = scored[bounds[k]:bounds[k + 1]]
        cats.append({"code": f"C{k + 1:02d}", "name": name, "points": sum(e["points"] for e in chunk),
                     "indicators": chunk})
    return cats


def _specials(sources: list[str]) -> dict[str, list[dict]]:
    src = lambda k: sources[k % len(sources)]  # noqa: E731
    inputs = [_collected("POP", "常住人口", "万人", src(0))]
    inputs += [_collected(f"IN{k:02d}", f"基础数据{k:02d}", "起", src(k)) for k in range(1, 6)]
    return {
        "bonus": [_collected(f"B{k:02d}", f"加分事项{k:02d}", "项", src(k + 6), per=1, cap=2 + k)
                  for k in range(1, 4)],
        "penalties": [_collected(f"P{k:02d}", f"扣分事项{k:02d}", "次", src(k + 9), per=0.5,
                                 **({"cap": 3} if k == 1 else {})) for k in range(1, 4)],
        "vetoes": [_collected(f"V{k:02d}", f"一票否决事项{k:02d}", "起", src(k + 12)) for k in range(1, 3)],
        "inputs": inputs,
        "derived": [{"code": "D-RATIO", "name": "每万人基础数据03", "ratio": ["IN03", "POP"], "scale": 1},
                    {"code": "D-YOY", "name": "基础数据04同比变化率", "yoy": "IN04"}],
    }


def catalog_document(indicators: int, sources: list[str], year: int = 2025) -> dict:
    """The catalog as a YAML-ready dict: `indicators` entries of every kind in total."""
    scored_count = indicators - SPECIAL_COUNT
    if scored_count < len(CATEGORY_NAMES) + SCORED_DERIVED:
        raise ValueError(f"at least {SPECIAL_COUNT + len(CATEGORY_NAMES) + SCORED_DERIVED} indicators")
    categories = _categories(_scored(scored_count, sources))
    head = {
        "code": f"bench-province-{year}", "name": f"{year}年度全省县(市、区)平安建设考评（基准测试）",
        "year": year, "assessed_kind": "county", "full_marks": 100, "missing": "zero", "bonus_cap": 5,
        "grades": [{"name": "优秀", "min_score": 60, "max_share": 0.3}, {"name": "良好", "min_score": 50},
                   {"name": "合格", "min_score": 40}, {"name": "不合格"}],
        "veto_grade": "不合格",
        "tie_breakers": ["C02", categories[0]["indicators"][0]["code"]],
        "rank_within": "group",
        "alerts": {"last_place_streak": 2, "grade_drop": True},
    }
    return {"catalog": head, "categories": categories, **_specials(sources)}


def catalog_yaml(indicators: int, sources: list[str], year: int = 2025) -> str:
    """The catalog as YAML text (Chinese kept readable)."""
    doc = catalog_document(indicators, sources, year)
    return "# 基准测试用考评细则（自动生成）\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
