"""Semantic checks of a parsed catalog (SPEC §3, §4b): each returns (zh, en) problem pairs."""
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
    if any(v.grade_effect == "veto" for v in cat.vetoes) and cat.veto_grade is None:
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
    codes = ([c.code for c in cat.categories] + [i.code for i in cat.all_indicators()]
             + [g.code for g in cat.penalty_groups])
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
        given = [f for f in ("per", "bands", "curve") if getattr(ind, f) is not None]
        if not given:
            return _need(ind, "per")
        if len(given) > 1:
            return [(f"指标 {ind.code}：per、bands、curve 必须且只能设置一个",
                     f"indicator {ind.code}: exactly one of per, bands, curve is required")]
        return amount_problems(ind)
    if ind.kind == "deduction":
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
    if ind.method == "bands":
        out += _need(ind, "bands") or band_problems(ind, "score")
    if ind.method == "curve":
        out += _need(ind, "curve") or curve_problems(ind)
    if ind.method == "direct" and ind.range and ind.points is not None and not (
            0 <= ind.range[0] <= ind.range[1] <= ind.points + _EPS):
        out.append((f"指标 {ind.code}：评分录入指标的 range 必须在 [0, 分值 {ind.points:g}] 之内",
                    f"indicator {ind.code}: a direct item's range must lie within [0, {ind.points:g}]"))
    return out


def amount_problems(ind: Indicator) -> list[Problem]:
    """A bonus or penalty amount from bands (with `amount:`) or a curve."""
    if ind.bands is not None:
        return band_problems(ind, "amount")
    if ind.curve is not None:
        return curve_problems(ind)
    return []


def band_problems(ind: Indicator, field: str) -> list[Problem]:
    """Bands: each gives `field` (score in [0, P], or an amount ≥ 0), min ≤ max, the last one unbounded."""
    other = "amount" if field == "score" else "score"
    out: list[Problem] = []
    if not ind.bands:
        return [(f"指标 {ind.code}：分档 bands 不能为空", f"indicator {ind.code}: bands must not be empty")]
    for k, band in enumerate(ind.bands, start=1):
        value = getattr(band, field)
        if value is None or getattr(band, other) is not None:
            out.append((f"指标 {ind.code}：第 {k} 档必须设置 {field}（不能用 {other}）",
                        f"indicator {ind.code}: band {k} needs {field} (not {other})"))
        elif field == "score" and ind.points is not None and not -_EPS <= value <= ind.points + _EPS:
            out.append((f"指标 {ind.code}：第 {k} 档得分 {value:g} 不在 [0, 分值 {ind.points:g}] 之内",
                        f"indicator {ind.code}: band {k} score {value:g} is outside [0, {ind.points:g}]"))
        elif field == "amount" and value < 0:
            out.append((f"指标 {ind.code}：第 {k} 档金额 amount 不能为负",
                        f"indicator {ind.code}: band {k} amount must not be negative"))
        if band.min is not None and band.max is not None and band.min > band.max:
            out.append((f"指标 {ind.code}：第 {k} 档 min 大于 max，永远不会匹配",
                        f"indicator {ind.code}: band {k} has min above max and never matches"))
    if ind.bands[-1].bounded:
        out.append((f"指标 {ind.code}：分档 bands 最后一档必须是兜底档（不设 min 和 max）",
                    f"indicator {ind.code}: the last band must have no bound (a catch-all)"))
    return out


def curve_problems(ind: Indicator) -> list[Problem]:
    """Curve knots: at least two, x strictly increasing."""
    knots = ind.curve or ()
    if len(knots) < 2:
        return [(f"指标 {ind.code}：分段线性 curve 至少需要两个节点",
                 f"indicator {ind.code}: a curve needs at least two knots")]
    xs = [x for x, _ in knots]
    if any(b <= a for a, b in zip(xs, xs[1:])):
        return [(f"指标 {ind.code}：分段线性 curve 的节点横坐标必须严格递增（{', '.join(f'{x:g}' for x in xs)}）",
                 f"indicator {ind.code}: curve knots must have strictly increasing x")]
    return []


def group_problems(ind: Indicator, groups: set[str] | None) -> list[Problem]:
    """by_group: known groups, and the indicator with each group's parameters is itself valid."""
    if not ind.by_group:
        return []
    out: list[Problem] = []
    if ind.kind not in ("scored", "bonus", "penalty", "deduction"):
        return [(f"指标 {ind.code}：只有计分、加分、扣分指标可以设置 by_group",
                 f"indicator {ind.code}: only scored, bonus, penalty and deduction items may have by_group")]
    for group, override in ind.by_group.items():
        if groups is not None and group not in groups:
            out.append((f"指标 {ind.code}：by_group 中的分组 {group} 不在单位名录 units.csv 的 group 列中",
                        f"indicator {ind.code}: by_group group {group} is not a group of the units registry"))
        merged = ind.for_group(group).model_copy(update={"by_group": None})
        inner = method_problems(merged) + unused_parameter_problems(merged) + sign_problems(merged)
        out += [(f"{zh}（分组 {group}）", f"{en} (group {group})") for zh, en in inner]
    return out


_SCORING = ("method", "direction", "points", "target", "floor", "ceiling", "base", "step", "min_points",
            "per", "cap", "bands", "curve", "effect")
_USED = {"threshold": {"direction", "target", "floor", "ceiling"}, "relative": {"direction", "base"},
         "rank": {"direction", "step", "min_points"}, "deduction": {"per"}, "bands": {"bands"},
         "curve": {"curve"}, "direct": set(), "bonus": {"per", "cap", "bands", "curve"},
         "penalty": {"per", "cap", "bands", "curve"}, "veto": {"effect"}, "deduction_item": {"per"}}


def unused_parameter_problems(ind: Indicator) -> list[Problem]:
    """Parameters the indicator's kind and method never read: a typo or a wrong method, not to ignore."""
    used = _USED.get(ind.method if ind.kind == "scored" else
                     "deduction_item" if ind.kind == "deduction" else ind.kind, set())
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
            if ind.derived is None or len(ind.derived.forms) != 1:
                out.append((f"指标 {ind.code}：计算公式必须是 ratio、yoy、sum、vs 之一",
                            f"indicator {ind.code}: the formula must be exactly one of ratio, yoy, sum, vs"))
            elif ind.derived.vs and ind.derived.reference is None:
                out.append((f"指标 {ind.code}：比较公式 vs 缺少 reference",
                            f"indicator {ind.code}: a vs formula needs a reference"))
            elif ind.derived.reference is not None and not ind.derived.vs:
                out.append((f"指标 {ind.code}：reference 只能与 vs 一起使用",
                            f"indicator {ind.code}: reference is only used with vs"))
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
        ref = ind.derived.reference if ind.derived else None
        code = getattr(ref, "input", None)
        if code is not None and known[code].kind != "input":
            out.append((f"指标 {ind.code}：reference 中的 {code} 不是 inputs: 段的指标",
                        f"indicator {ind.code}: reference input {code} is not an input indicator"))
        if ind.derived and ind.derived.sum is not None and not ind.derived.sum:
            out.append((f"指标 {ind.code}：加权求和 sum 不能为空", f"indicator {ind.code}: sum must not be empty"))
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


def effect_problems(cat: Catalog) -> list[Problem]:
    """Grade effects name a grade of the catalog."""
    names = [g.name for g in cat.grades]
    return [(f"指标 {v.code}：限制等次 max_grade {v.effect.max_grade} 不在等次列表 grades 中",
             f"indicator {v.code}: max_grade {v.effect.max_grade} is not one of the grades")
            for v in cat.vetoes if getattr(v.effect, "max_grade", None) is not None
            and v.effect.max_grade not in names]


def pool_problems(cat: Catalog) -> list[Problem]:
    """Deduction pools: members are penalty items, each in at most one pool; caps not negative."""
    penalties = {p.code for p in cat.penalties}
    known = {i.code for i in cat.all_indicators()}
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for group in cat.penalty_groups:
        if not group.members:
            out.append((f"限扣组 {group.code}：members 不能为空", f"penalty group {group.code}: members are empty"))
        if group.cap < 0:
            out.append((f"限扣组 {group.code}：cap 不能为负", f"penalty group {group.code}: cap must not be negative"))
        for m in group.members:
            if m not in penalties:
                what = "不是扣分项 penalties: 段的指标" if m in known else "是未知代码"
                out.append((f"限扣组 {group.code}：成员 {m} {what}",
                            f"penalty group {group.code}: member {m} is not a penalty item"))
            elif m in seen:
                out.append((f"限扣组 {group.code}：成员 {m} 已属于限扣组 {seen[m]}",
                            f"penalty group {group.code}: member {m} is already in penalty group {seen[m]}"))
            seen.setdefault(m, group.code)
    return out


def deduction_problems(cat: Catalog) -> list[Problem]:
    """Category deduction caps not negative."""
    return [(f"一级指标 {c.code}：deduction_cap 不能为负", f"category {c.code}: deduction_cap must not be negative")
            for c in cat.categories if c.deduction_cap is not None and c.deduction_cap < 0]


def combine_problems(cat: Catalog) -> list[Problem]:
    """Combined year: distinct parts, weights positive and adding up to 1."""
    if not cat.combine:
        return []
    out: list[Problem] = []
    grains = [p.from_ for p in cat.combine]
    if len(set(grains)) != len(grains):
        out.append(("年度综合 combine 中同一来源 from 出现多次", "combine lists the same from more than once"))
    if any(p.weight <= 0 for p in cat.combine):
        out.append(("年度综合 combine 的权重 weight 必须大于 0", "combine weights must be positive"))
    total = sum(p.weight for p in cat.combine)
    if not _close(total, 1.0):
        out.append((f"年度综合 combine 的权重合计 {total:g} 不等于 1", f"combine weights add up to {total:g}, not 1"))
    return out


def catalog_problems(cat: Catalog, departments: set[str] | None, groups: set[str] | None = None) -> list[Problem]:
    """Every problem of a catalog, in a stable order."""
    out = header_problems(cat) + points_problems(cat) + code_problems(cat)
    for ind in cat.all_indicators():
        out += method_problems(ind) + unused_parameter_problems(ind) + sign_problems(ind)
        out += group_problems(ind, groups)
    out += effect_problems(cat) + pool_problems(cat) + deduction_problems(cat) + combine_problems(cat)
    return out + source_problems(cat, departments) + formula_problems(cat) + tie_breaker_problems(cat)
