"""SPEC §4b rules in words: the texts the workbooks, feedback and the printable 细则 show."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "scoring"))
from rules_cases import catalog_of  # noqa: E402

from kaoping.reports.reasons import loss_reason, method_note  # noqa: E402
from kaoping.reports.rule_words import (combine_text, combined_text, effect_reasons, grade_reasons,  # noqa: E402
                                        pools_text)

BANDS = {"code": "I", "name": "破案率", "unit": "%", "method": "bands", "points": 4,
         "bands": [{"min": 96, "score": 4}, {"min": 90, "score": 3}, {"max": 5, "min": 0, "score": 1}, {"score": 0}]}


def cat(**kw):
    return catalog_of([{"code": "C", "indicators": [BANDS, {"code": "K", "name": "K", "unit": "%", "method": "curve",
                                                            "points": 4, "curve": [[84, 0], [90, 2.5], [96, 4]]},
                                                    {"code": "M", "method": "direct", "points": 2}],
                        "deductions": [{"code": "D1", "name": "督导检查发现问题", "unit": "个", "per": 0.5}],
                        "deduction_cap": 3}],
                      penalties=[{"code": "P1", "name": "迟报", "unit": "次", "per": 1},
                                 {"code": "P2", "name": "瞒报", "unit": "次", "per": 2}],
                      penalty_groups=[{"code": "PG", "name": "信息报送", "members": ["P1", "P2"], "cap": 5}],
                      vetoes=[{"code": "V", "name": "较大安全事故", "effect": {"max_grade": "良好"}},
                              {"code": "W", "name": "通报批评", "effect": {"demote": 1}}], **kw)


def test_rule_notes_in_words():
    c = cat()
    assert method_note(c.indicator("I"), c).startswith(
        "分档：96% 及以上得 4 分，90% 及以上得 3 分，0% 至 5% 之间得 1 分，其余得 0 分")
    assert method_note(c.indicator("K"), c).startswith("分段线性：84% 得 0 分，90% 得 2.5 分，96% 得 4 分")
    assert method_note(c.indicator("M"), c).startswith("评分录入：报送的数值即为得分（0–2 分）")
    assert method_note(c.indicator("D1"), c) == "一级指标扣分：每 1 个扣 0.5 分，本一级指标最多扣 3 分，扣至 0 分为止"
    assert method_note(c.indicator("P1"), c) == "扣分：每 1 次从总分扣 1 分；与瞒报合计最多扣 5 分（信息报送）"
    assert method_note(c.indicator("V"), c) == "限制等次：发生较大安全事故，不得评为优秀"
    assert method_note(c.indicator("W"), c) == "降低等次：发生通报批评，等次降低 1 个"


def test_loss_reasons_in_words():
    c = cat()
    assert loss_reason(c.indicator("I"), 95.2, 3, 4, "") == "分档：96% 及以上得 4 分，本单位 95.2%，得 3 分"
    assert loss_reason(c.indicator("K"), 93, 3.25, 4, "") == "分段线性：本单位 93%，得 3.25 分"
    assert loss_reason(c.indicator("I"), 97, 4, 4, "") == ""


def test_grade_effects_and_combined_year_in_words():
    c = cat()
    detail = json.dumps({"earned_grade": "优秀", "effects": ["V", "W"],
                         "parts": [{"part": "quarter", "weight": 0.6, "value": 87.2125, "periods": 4, "skip": False},
                                   {"part": "year", "weight": 0.4, "value": 90.1, "periods": 1, "skip": False}]})
    assert effect_reasons(detail, c) == ["限制等次：发生较大安全事故，不得评为优秀", "降低等次：发生通报批评，等次降低 1 个"]
    assert combined_text(detail) == "年度综合 = 季度平均 87.21 × 60% + 年终考核 90.10 × 40%"
    assert combined_text(None) is None


def test_grade_effects_are_said_where_they_changed_the_grade():
    c = cat()
    capped = json.dumps({"earned_grade": "优秀", "effects": ["V"]})
    assert grade_reasons(capped, c, "良好") == ["按得分为优秀", "限制等次：发生较大安全事故，不得评为优秀"]
    assert grade_reasons(json.dumps({"earned_grade": "良好", "effects": ["V"]}), c, "良好") == []  # the cap did not bite
    assert grade_reasons(None, c, "良好") == []
    both = json.dumps({"earned_grade": "优秀", "effects": ["V", "W"]})  # capped to 良好, then demoted to 合格
    assert grade_reasons(both, c, "合格") == ["按得分为优秀", "限制等次：发生较大安全事故，不得评为优秀",
                                              "降低等次：发生通报批评，等次降低 1 个"]
    # earned 合格: the cap did not bite, the demote did
    assert grade_reasons(json.dumps({"earned_grade": "合格", "effects": ["V", "W"]}), c, "不合格") == [
        "按得分为合格", "降低等次：发生通报批评，等次降低 1 个"]


def test_pools_and_the_combined_year_rule_in_words():
    c = cat(combine=[{"from": "quarter", "weight": 0.6, "missing_period": "skip"}, {"from": "year", "weight": 0.4}])
    assert pools_text(c) == "信息报送：迟报、瞒报合计最多扣 5 分"
    assert combine_text(c) == ("年度综合 = 季度平均 × 60% + 年终考核 × 40%（季度平均为本年度 4 个季度考评总分的平均，"
                               "年终考核为按年度数据考评的总分）；某季度无排名的单位，按其有排名的季度平均")
    plain = catalog_of([{"code": "C", "indicators": [BANDS]}])
    assert pools_text(plain) is None and combine_text(plain) is None


def test_an_item_named_with_its_event_is_not_said_twice():
    c = catalog_of([{"code": "C", "indicators": [BANDS]}],
                   vetoes=[{"code": "V", "name": "发生较大安全事故", "effect": {"max_grade": "良好"}}])
    assert method_note(c.indicator("V"), c) == "限制等次：发生较大安全事故，不得评为优秀"
    assert loss_reason(c.indicator("V"), 1, None, None, "").startswith("限制等次：发生较大安全事故，")
