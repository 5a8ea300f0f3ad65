"""Load-time checks of the SPEC §4b catalog extensions: each broken catalog names the code, in Chinese and English."""
from __future__ import annotations

import pytest
from rules_cases import catalog_of

from kaoping.scoring.catalog import CatalogError

DIRECT = {"code": "I", "method": "direct", "points": 10}


def problems(categories=None, **kw) -> list[tuple[str, str]]:
    with pytest.raises(CatalogError) as caught:
        catalog_of(categories or [{"code": "C", "indicators": [DIRECT]}], **kw)
    return caught.value.problems


def has(found, zh: str, en: str) -> bool:
    return any(zh in z and en in e for z, e in found)


def one(ind: dict, **kw):
    return problems([{"code": "C", "indicators": [{"code": "I", "points": 4, **ind}]}], **kw)


@pytest.mark.parametrize("ind, zh, en", [
    ({"method": "bands", "bands": [{"min": 90, "score": 4}]}, "最后一档必须是兜底档", "last band must have no bound"),
    ({"method": "bands", "bands": [{"min": 90, "score": 5}, {"score": 0}]}, "不在 [0, 分值 4] 之内", "outside [0, 4]"),
    ({"method": "bands", "bands": [{"min": 90, "score": -1}, {"score": 0}]}, "不在 [0, 分值 4] 之内", "outside [0, 4]"),
    ({"method": "bands", "bands": [{"min": 9, "max": 5, "score": 1}, {"score": 0}]}, "min 大于 max", "min above max"),
    ({"method": "bands", "bands": [{"min": 9, "amount": 1}, {"score": 0}]}, "第 1 档必须设置 score", "band 1 needs score"),
    ({"method": "bands"}, "缺少参数 bands", "missing parameter bands"),
    ({"method": "curve", "curve": [[90, 0], [90, 4]]}, "严格递增", "strictly increasing x"),
    ({"method": "curve", "curve": [[96, 4], [90, 2]]}, "严格递增", "strictly increasing x"),
    ({"method": "curve", "curve": [[96, 4]]}, "至少需要两个节点", "at least two knots"),
    ({"method": "direct", "range": [0, 5]}, "评分录入指标的 range", "direct item's range"),
    ({"method": "direct", "target": 3}, "参数 target 对该指标无效", "parameter target does not apply"),
])
def test_scored_rule_problems(ind, zh, en):
    found = one(ind)
    assert has(found, zh, en) and all("I" in z for z, _ in found), found


def test_bonus_with_two_amount_rules_and_penalty_band_without_amount():
    found = problems(bonus=[{"code": "B", "per": 1, "curve": [[0, 0], [1, 1]]}],
                     penalties=[{"code": "P", "bands": [{"min": 1, "score": 1}, {"amount": 0}]}])
    assert has(found, "指标 B：per、bands、curve 必须且只能设置一个", "exactly one of per, bands, curve")
    assert has(found, "指标 P：第 1 档必须设置 amount", "band 1 needs amount")


def test_max_grade_not_a_grade_and_demote_not_positive():
    found = problems(vetoes=[{"code": "V", "effect": {"max_grade": "优异"}}])
    assert has(found, "max_grade 优异 不在等次列表", "max_grade 优异 is not one of the grades")
    assert problems(vetoes=[{"code": "V", "effect": {"demote": 0}}])


def test_effect_only_on_veto_items():
    assert has(problems(penalties=[{"code": "P", "per": 1, "effect": {"demote": 1}}]),
               "参数 effect 对该指标无效", "parameter effect does not apply")


def test_grade_effects_without_veto_need_no_veto_grade():
    cat = catalog_of([{"code": "C", "indicators": [DIRECT]}], vetoes=[{"code": "V", "effect": {"demote": 1}}],
                     veto_grade=None)
    assert cat.veto_grade is None


def test_combine_weights_must_add_up_to_one():
    found = problems(combine=[{"from": "quarter", "weight": 0.6}, {"from": "year", "weight": 0.5}])
    assert has(found, "权重合计 1.1 不等于 1", "weights add up to 1.1, not 1")
    assert has(problems(combine=[{"from": "quarter", "weight": 0.5}, {"from": "quarter", "weight": 0.5}]),
               "同一来源 from 出现多次", "same from more than once")
    assert problems(combine=[{"from": "week", "weight": 1}])


def test_by_group_group_not_in_registry_and_points_not_overridable():
    ind = {"method": "threshold", "direction": "higher_better", "target": 100, "by_group": {"山区": {"target": 95}}}
    assert has(one(ind, groups={"城区"}), "分组 山区 不在单位名录", "group 山区 is not a group of the units registry")
    assert has(one({**ind, "by_group": {"城区": {"points": 5}}}, groups={"城区"}), "by_group", "points")
    merged = one({**ind, "by_group": {"城区": {"floor": 100}}}, groups={"城区"})
    assert has(merged, "target 必须大于 floor（分组 城区）", "(group 城区)")


def test_pool_member_not_a_penalty_and_in_two_pools():
    found = problems(penalties=[{"code": "P1", "per": 1}], bonus=[{"code": "B1", "per": 1}],
                     penalty_groups=[{"code": "G1", "name": "一", "members": ["P1", "B1", "NOPE"], "cap": 3},
                                     {"code": "G2", "name": "二", "members": ["P1"], "cap": -1}])
    assert has(found, "限扣组 G1：成员 B1 不是扣分项", "member B1 is not a penalty item")
    assert has(found, "成员 NOPE 是未知代码", "member NOPE is not a penalty item")
    assert has(found, "成员 P1 已属于限扣组 G1", "already in penalty group G1")
    assert has(found, "限扣组 G2：cap 不能为负", "cap must not be negative")


def test_category_deductions_need_per_and_a_cap_not_negative():
    cats = [{"code": "C", "indicators": [DIRECT], "deductions": [{"code": "D1"}], "deduction_cap": -1}]
    found = problems(cats)
    assert has(found, "指标 D1：缺少参数 per", "missing parameter per")
    assert has(found, "deduction_cap 不能为负", "deduction_cap must not be negative")


def test_benchmark_formula_problems():
    found = one({"method": "direct", "derived": {"vs": "X"}}, inputs=[{"code": "X"}])
    assert has(found, "比较公式 vs 缺少 reference", "a vs formula needs a reference")
    found = one({"method": "direct", "derived": {"vs": "X", "reference": {"input": "Y"}}}, inputs=[{"code": "X"}],
                bonus=[{"code": "Y", "per": 1}])
    assert has(found, "reference 中的 Y 不是 inputs", "reference input Y is not an input indicator")
    assert one({"method": "direct", "derived": {"vs": "X", "reference": {"history_mean": 0}}}, inputs=[{"code": "X"}])
    assert has(one({"method": "direct", "derived": {"sum": {"X": 1, "Z": 1}}}, inputs=[{"code": "X"}]),
               "公式引用了未知代码 Z", "unknown code Z")


def test_every_family_loads_together():
    cat = catalog_of(
        [{"code": "C1", "indicators": [
            {"code": "I1", "method": "bands", "points": 4, "bands": [{"min": 96, "score": 4}, {"score": 0}]},
            {"code": "I2", "method": "curve", "points": 4, "curve": [[84, 0], [96, 4]],
             "by_group": {"城区": {"curve": [[90, 0], [98, 4]]}}},
            {"code": "I3", "method": "direct", "points": 2}],
          "deductions": [{"code": "D1", "per": 0.5}], "deduction_cap": 3}],
        groups={"城区"}, combine=[{"from": "quarter", "weight": 0.6}, {"from": "year", "weight": 0.4}],
        missing_period="skip",
        penalties=[{"code": "P1", "per": 1}, {"code": "P2", "bands": [{"min": 1, "amount": 2}, {"amount": 0}]}],
        penalty_groups=[{"code": "PG", "name": "池", "members": ["P1", "P2"], "cap": 3}],
        vetoes=[{"code": "V1", "effect": {"max_grade": "良好"}}, {"code": "V2", "effect": "veto"}],
        inputs=[{"code": "X"}],
        derived=[{"code": "R", "name": "R", "vs": "X", "reference": "peer_mean", "as": "percent"}])
    assert cat.indicator("I3").range == (0, 2)
    assert cat.indicator("D1").kind == "deduction" and cat.indicator("R").derived.as_ == "percent"
    assert [p.from_ for p in cat.combine] == ["quarter", "year"] and cat.penalty_groups[0].cap == 3
