"""Semantic checks of a parsed catalog (SPEC §3): each returns (zh, en) problem pairs."""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kaoping.scoring.catalog import Catalog, Indicator

Problem = tuple[str, str]
_CODE = re.compile(r"^[a-z0-9-]+$")
_EPS = 1e-9


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=1e-6)


def header_problems(cat: Catalog) -> list[Problem]:
    """Catalog code, full marks, grades, veto grade."""
    out: list[Problem] = []
    if not _CODE.match(cat.code):
        out.append((f"考评细则代码 {cat.code!r} 只能包含小写字母、数字和连字符",
                     f"catalog code {cat.code!r} must match [a-z0-9-]"))
    if cat.full_marks <= 0:
        out.append(("满分 full_marks 必须大于 0", "full_marks must be positive"))
    if not cat.grades:
        out.append(("缺少等次 grades", "grades are missing"))
    elif cat.grades[-1].min_score is not None or cat.grades[-1].max_share is not None:
        out.append((f"等次列表 grades 最后一项 {cat.grades[-1].name} 必须是兜底等次（不设 min_score 和 max_share）",
                     f"the last of grades, {cat.grades[-1].name}, must be a catch-all (no min_score, no max_share)"))
    floors = [g.min_score for g in cat.grades if g.min_score is not None]
    if floors != sorted(floors, reverse=True):
        out.append(("等次列表 grades 须按 min_score 从高到低排列（先匹配者优先）",
                    "grades must be listed by min_score, highest first (first match wins)"))
    names = [g.name for g in cat.grades]
    if len(set(names)) != len(names):
        out.append(("等次列表 grades 中名称重复", "grade names in grades are duplicated"))
    if cat.veto_grade is not None and cat.veto_grade not in names:
        out.append((f"一票否决等次 veto_grade {cat.veto_grade} 不在等次列表 grades 中",
                     f"veto_grade {cat.veto_grade} is not one of the grades"))
    if cat.bonus_cap is not None and cat.bonus_cap < 0:
        out.append(("加分上限 bonus_cap 不能为负", "bonus_cap must not be negative"))
    if cat.vetoes and cat.veto_grade is None:
        out.append(("设置了一票否决指标但没有 veto_grade", "vetoes are defined but veto_grade is missing"))
    return out


def points_problems(cat: Catalog) -> list[Problem]:
    """Category points add up to full marks; indicator points add up to their category."""
    out: list[Problem] = []
    total = sum(c.points for c in cat.categories)
    if not _close(total, cat.full_marks):
        out.append((f"一级指标分值合计 {total:g} 不等于满分 full_marks {cat.full_marks:g}",
                     f"category points add up to {total:g}, not full_marks {cat.full_marks:g}"))
    for c in cat.categories:
        s = sum(i.points or 0 for i in c.indicators)
        if not _close(s, c.points):
            out.append((f"一级指标 {c.code} 下各指标分值合计 {s:g} 不等于其分值 {c.points:g}",
                         f"indicators of category {c.code} add up to {s:g}, not {c.points:g}"))
        if not c.indicators:
            out.append((f"一级指标 {c.code} 没有指标", f"category {c.code} has no indicators"))
    return out


def code_problems(cat: Catalog) -> list[Problem]:
    """Codes unique across categories and indicators of every kind."""
    codes = [c.code for c in cat.categories] + [i.code for i in cat.all_indicators()]
    dups = sorted({c for c in codes if codes.count(c) > 1})
    return [(f"代码 {c} 重复", f"code {c} is used more than once") for c in dups]


def _need(ind: Indicator, *fields: str) -> list[Problem]:
    return [(f"指标 {ind.code}：缺少参数 {f}", f"indicator {ind.code}: missing parameter {f}")
            for f in fields if getattr(ind, f) is None]


def _threshold_problems(ind: Indicator) -> list[Problem]:
    if ind.direction == "higher_better":
        out = _need(ind, "target")
        if not out and ind.target <= (ind.floor or 0):
            out.append((f"指标 {ind.code}：目标值 target 必须大于 floor",
                        f"indicator {ind.code}: target must exceed floor"))
        return out
    out = _need(ind, "target", "ceiling")
    if not out and ind.ceiling <= ind.target:
        out.append((f"指标 {ind.code}：ceiling 必须大于目标值 target",
                    f"indicator {ind.code}: ceiling must exceed target"))
    return out


def method_problems(ind: Indicator) -> list[Problem]:
    """Each method and kind carries its parameters (SPEC §3, §4)."""
    if ind.kind in ("bonus", "penalty"):
        return _need(ind, "per")
    if ind.kind != "scored":
        return []
    out = _need(ind, "method", "points")
    if ind.points is not None and ind.points <= 0:
        out.append((f"指标 {ind.code}：分值必须大于 0", f"indicator {ind.code}: points must be positive"))
    if ind.method in ("threshold", "relative", "rank"):
        out += _need(ind, "direction")
    if ind.method == "threshold" and ind.direction:
        out += _threshold_problems(ind)
    if ind.method == "relative" and ind.base is not None and not 0 <= ind.base <= 1:
        out.append((f"指标 {ind.code}：base 必须在 0 到 1 之间", f"indicator {ind.code}: base must be in [0, 1]"))
    if ind.method == "rank":
        out += _need(ind, "step")
    if ind.method == "deduction":
        out += _need(ind, "per")
    return out


_SCORING = ("method", "direction", "points", "target", "floor", "ceiling", "base", "step", "min_points",
            "per", "cap")
_USED = {"threshold": {"direction", "target", "floor", "ceiling"}, "relative": {"direction", "base"},
         "rank": {"direction", "step", "min_points"}, "deduction": {"per"},
         "bonus": {"per", "cap"}, "penalty": {"per", "cap"}}


def unused_parameter_problems(ind: Indicator) -> list[Problem]:
    """Parameters the indicator's kind and method never read: a typo or a wrong method, not to ignore."""
    used = _USED.get(ind.method if ind.kind == "scored" else ind.kind, set())
    if ind.kind == "scored":
        used = used | {"method", "points"}
    if ind.method == "threshold":  # a floor bounds higher_better, a ceiling lower_better
        used = used - {"higher_better": {"ceiling"}, "lower_better": {"floor"}}.get(ind.direction, set())
    out = [(f"指标 {ind.code}：参数 {f} 对该指标无效（类型 {ind.kind}，方法 {ind.method or '无'}）",
            f"indicator {ind.code}: parameter {f} does not apply (kind {ind.kind}, method {ind.method})")
           for f in _SCORING if getattr(ind, f) is not None and f not in used]
    if ind.derived is not None and ind.kind not in ("scored", "derived"):
        out.append((f"指标 {ind.code}：只有计分指标和 derived: 段可以设置计算公式",
                    f"indicator {ind.code}: only scored and derived indicators may have a formula"))
    return out


def sign_problems(ind: Indicator) -> list[Problem]:
    """Counts and steps that only make sense positive."""
    out: list[Problem] = []
    for f, ok, zh in (("per", lambda v: v > 0, "必须大于 0"), ("step", lambda v: v > 0, "必须大于 0"),
                      ("cap", lambda v: v >= 0, "不能为负"), ("min_points", lambda v: v >= 0, "不能为负")):
        value = getattr(ind, f)
        if value is not None and not ok(value):
            out.append((f"指标 {ind.code}：{f} {zh}", f"indicator {ind.code}: {f} is out of range"))
    if ind.min_points is not None and ind.points is not None and ind.min_points > ind.points:
        out.append((f"指标 {ind.code}：min_points 不能大于分值", f"indicator {ind.code}: min_points exceeds points"))
    return out


def source_problems(cat: Catalog, departments: set[str] | None) -> list[Problem]:
    """Every value has exactly one origin: a known source department or a formula."""
    out: list[Problem] = []
    for ind in cat.all_indicators():
        if ind.kind == "derived" or (ind.kind == "scored" and ind.derived):
            if ind.source is not None:
                out.append((f"指标 {ind.code}：不能同时设置 source 和 derived",
                            f"indicator {ind.code}: has both source and derived"))
            if ind.derived is None or len([x for x in (ind.derived.ratio, ind.derived.yoy) if x]) != 1:
                out.append((f"指标 {ind.code}：计算公式必须是 ratio 或 yoy 之一",
                            f"indicator {ind.code}: the formula must be exactly one of ratio, yoy"))
        elif ind.source is None:
            out.append((f"指标 {ind.code}：缺少报送部门 source", f"indicator {ind.code}: missing source"))
        elif departments is not None and ind.source not in departments:
            out.append((f"指标 {ind.code}：报送部门 {ind.source} 不在 departments.csv 中",
                        f"indicator {ind.code}: source {ind.source} is not a known department"))
        if ind.range and ind.range[0] > ind.range[1]:
            out.append((f"指标 {ind.code}：range 下限大于上限", f"indicator {ind.code}: range low exceeds high"))
    return out


def formula_problems(cat: Catalog) -> list[Problem]:
    """Formulas reference known codes and have no cycles."""
    known = {i.code: i for i in cat.all_indicators()}
    graph = {i.code: list(i.derived.inputs) for i in cat.all_indicators() if i.derived}
    out = [(f"指标 {code}：公式引用了未知代码 {ref}", f"indicator {code}: formula references unknown code {ref}")
           for code, refs in graph.items() for ref in refs if ref not in known]
    if out:
        return out
    for ind in cat.all_indicators():
        if ind.derived and ind.derived.yoy and ind.derived.yoy == ind.code:
            out.append((f"指标 {ind.code}：同比公式不能引用自身", f"indicator {ind.code}: yoy of itself"))
    cycle = _cycle(graph)
    if cycle:
        path = " → ".join(cycle)
        out.append((f"计算公式存在循环引用：{path}", f"formulas form a cycle: {path}"))
    return out


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def tie_breaker_problems(cat: Catalog) -> list[Problem]:
    """Tie-breakers name a category or a scored indicator."""
    allowed = {c.code for c in cat.categories} | {i.code for c in cat.categories for i in c.indicators}
    return [(f"并列排序依据 tie_breakers 中的 {t} 不是一级指标或计分指标", f"tie_breakers: {t} is not a category or scored indicator")
            for t in cat.tie_breakers if t not in allowed]


def catalog_problems(cat: Catalog, departments: set[str] | None) -> list[Problem]:
    """Every problem of a catalog, in a stable order."""
    out = header_problems(cat) + points_problems(cat) + code_problems(cat)
    for ind in cat.all_indicators():
        out += method_problems(ind) + unused_parameter_problems(ind) + sign_problems(ind)
    return out + source_problems(cat, departments) + formula_problems(cat) + tie_breaker_problems(cat)
