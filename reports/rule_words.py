"""SPEC §4b rules in words, generated from the catalog (pure: catalog in, Chinese text out).

The same words serve the ranking and feedback workbooks and the printable 考评细则, so the document
sent to departments can never disagree with the scoring.
"""
from __future__ import annotations

import json

from kaoping.reports import texts
from kaoping.reports.words import event_text, number_text, quantity_text
from kaoping.scoring.catalog import Catalog, Indicator, InputReference


def band_condition(band, unit: str) -> str:
    """`96% 及以上`, `5 起 及以下`, `0 至 5`, `其余`."""
    q = lambda v: quantity_text(v, unit)  # noqa: E731
    if band.min is not None and band.max is not None:
        return texts.BAND_BETWEEN.format(min=q(band.min), max=q(band.max))
    if band.min is not None:
        return texts.BAND_MIN.format(min=q(band.min))
    if band.max is not None:
        return texts.BAND_MAX.format(max=q(band.max))
    return texts.BAND_REST


def bands_text(ind: Indicator, bands=None) -> str:
    """分档：96% 及以上得 4 分，90% 及以上得 3 分，其余得 0 分."""
    template = {"bonus": texts.NOTE_BAND_BONUS, "penalty": texts.NOTE_BAND_PENALTY}.get(ind.kind,
                                                                                      texts.NOTE_BAND_SCORE)
    parts = [template.format(when=band_condition(b, ind.unit),
                             score=number_text(b.score if b.score is not None else b.amount))
             for b in (bands or ind.bands)]
    return texts.NOTE_BANDS.format(bands="，".join(parts))


def curve_text(ind: Indicator, curve=None) -> str:
    """分段线性：84% 得 0 分，90% 得 2.5 分，96% 得 4 分，其间按直线计分，两端以外不变."""
    knots = "，".join(texts.NOTE_CURVE_KNOT.format(x=quantity_text(x, ind.unit), y=number_text(y))
                      for x, y in (curve or ind.curve))
    template = {"bonus": texts.NOTE_CURVE_BONUS, "penalty": texts.NOTE_CURVE_PENALTY}.get(ind.kind, texts.NOTE_CURVE)
    return template.format(knots=knots)


def _better_grades(catalog: Catalog, grade: str) -> str:
    names = [g.name for g in catalog.grades]
    return "、".join(names[:names.index(grade)])


def effect_text(ind: Indicator, catalog: Catalog) -> str | None:
    """限制等次 / 降低等次 of a veto item in words (None for a plain veto)."""
    effect = ind.grade_effect
    if effect == "veto":
        return None
    if hasattr(effect, "max_grade"):
        return texts.NOTE_MAX_GRADE.format(event=event_text(ind.name), better=_better_grades(catalog, effect.max_grade))
    return texts.NOTE_DEMOTE.format(event=event_text(ind.name), n=effect.demote)


def pool_text(ind: Indicator, catalog: Catalog) -> str:
    """；与扣分二合计最多扣 4 分（平安三率） for a pool member ('' otherwise)."""
    names = {i.code: i.name for i in catalog.penalties}
    for pool in catalog.penalty_groups:
        if ind.code in pool.members:
            others = "、".join(names[m] for m in pool.members if m != ind.code) or ind.name
            return texts.NOTE_POOL.format(others=others, cap=number_text(pool.cap), name=pool.name)
    return ""


def pools_text(catalog: Catalog) -> str | None:
    """平安三率：命案发生、重大交通事故合计最多扣 5 分 for every 限扣 pool (None without pools)."""
    names = {i.code: i.name for i in catalog.penalties}
    pools = [texts.POOL_RULE.format(name=p.name, members="、".join(names[m] for m in p.members),
                                    cap=number_text(p.cap)) for p in catalog.penalty_groups]
    return texts.GRADE_RULES_JOIN.join(pools) or None


def combine_text(catalog: Catalog) -> str | None:
    """年度综合 = 季度平均 × 60% + 年终考核 × 40%, with how a missing quarter counts (None when not combined)."""
    if not catalog.combine:
        return None
    parts = " + ".join(texts.COMBINE_RULE_PART.format(name=texts.COMBINED_PART_NAME[p.from_],
                                                      weight=f"{number_text(p.weight * 100)}%")
                       for p in catalog.combine)
    missing = "".join(texts.COMBINE_MISSING[catalog.part_missing_period(p)].format(grain=texts.GRAIN[p.from_])
                      for p in catalog.combine if p.from_ != "year")
    meanings = texts.COMBINE_MEANINGS.format(meanings="，".join(texts.COMBINE_PART_MEANING[p.from_]
                                                                for p in catalog.combine))
    return texts.COMBINED.format(parts=parts) + meanings + missing


def formula_text(ind: Indicator, catalog: Catalog) -> str | None:
    """A weighted sum or a benchmark formula in words (None for other formulas)."""
    f = ind.derived
    if f is None:
        return None
    name = lambda code: catalog.indicator(code).name  # noqa: E731
    if f.sum:
        return texts.NOTE_SUM.format(terms=" + ".join(f"{name(c)} × {number_text(w)}" for c, w in f.sum.items()))
    if f.vs:
        ref = f.reference
        reference = (texts.REFERENCE[ref] if isinstance(ref, str) else
                     texts.REFERENCE_INPUT.format(name=name(ref.input)) if isinstance(ref, InputReference) else
                     texts.REFERENCE_HISTORY.format(n=ref.history_mean))
        return texts.NOTE_BENCHMARK.format(x=name(f.vs), reference=reference, how=texts.BENCHMARK_AS[f.as_])
    return None


def own_rule_text(ind: Indicator, catalog: Catalog) -> str | None:
    """The §4b scoring rule of an indicator in words (None when it uses only §4 rules)."""
    if ind.kind == "deduction":
        cap = next(c.deduction_cap for c in catalog.categories if c.code == ind.category_code)
        cap_text = texts.NOTE_CATEGORY_CAP.format(cap=number_text(cap)) if cap is not None else ""
        return texts.NOTE_CATEGORY_DEDUCTION.format(unit=ind.unit, per=number_text(ind.per), cap=cap_text)
    if ind.kind == "veto":
        return effect_text(ind, catalog)
    if ind.bands:
        text = bands_text(ind)
    elif ind.curve:
        text = curve_text(ind)
    elif ind.method == "direct":
        text = texts.NOTE_DIRECT.format(points=number_text(ind.points))
    else:
        return None
    if ind.kind in ("bonus", "penalty") and ind.cap is not None:
        text += texts.NOTE_ITEM_CAP.format(cap=number_text(ind.cap))
    return text


def group_text(ind: Indicator, catalog: Catalog, rule) -> str:
    """；城区：<the rule with that group's parameters> for each by_group entry."""
    return "".join(texts.NOTE_BY_GROUP.format(group=g, rule=rule(ind.for_group(g).model_copy(
        update={"by_group": None}), catalog)) for g in (ind.by_group or {}))


def loss_text(ind: Indicator, value: float | None, score: float | None, points: float | None) -> str | None:
    """Why a §4b-scored indicator got its score ("分档：96 及以上得 4 分，本单位 95.2，得 3 分"); None otherwise."""
    if value is None or score is None:
        return None
    q = lambda v: quantity_text(v, ind.unit)  # noqa: E731
    if ind.bands:
        top = ind.bands[0]
        head = texts.NOTE_BAND_SCORE.format(when=band_condition(top, ind.unit), score=number_text(top.score))
        return texts.REASON_BANDS.format(top=head, value=q(value), score=number_text(score))
    if ind.curve:
        return texts.REASON_CURVE.format(value=q(value), score=number_text(score))
    if ind.method == "direct":
        return texts.REASON_DIRECT.format(score=number_text(score), points=number_text(points))
    return None


def combined_text(detail: str | None) -> str | None:
    """年度综合 = 季度平均 87.21 × 60% + 年终考核 90.10 × 40% (from a fact_ranking detail; None when not combined)."""
    parts = json.loads(detail).get("parts") if isinstance(detail, str) else None
    if not parts:
        return None
    words = []
    for p in parts:
        word = texts.COMBINED_PART.format(name=texts.COMBINED_PART_NAME[p["part"]], value=f"{p['value']:.2f}",
                                          weight=f"{number_text(p['weight'] * 100)}%")
        words.append(word)
    return texts.COMBINED.format(parts=" + ".join(words))


def effect_reasons(detail: str | None, catalog: Catalog) -> list[str]:
    """限制等次 / 降低等次 lines for a unit's ranking detail (the items that limited its grade)."""
    codes = json.loads(detail).get("effects", []) if isinstance(detail, str) else []
    out = []
    for code in codes:
        ind = catalog.indicator(code)
        text = effect_text(ind, catalog)
        if text:
            out.append(text)
    return out


def _changed_grade(ind: Indicator, catalog: Catalog, earned: str) -> bool:
    """Whether a max_grade / demote item moved a unit off the grade its score earned."""
    names = [g.name for g in catalog.grades]
    effect, at = ind.grade_effect, names.index(earned)
    return at < names.index(effect.max_grade) if hasattr(effect, "max_grade") else at < len(names) - 1


def grade_reasons(detail: str | None, catalog: Catalog, grade: str) -> list[str]:
    """The effect_reasons that changed a unit's grade, led by the grade its score earned ([] when none did)."""
    entry = json.loads(detail) if isinstance(detail, str) else {}
    earned, codes = entry.get("earned_grade"), entry.get("effects", [])
    items = [catalog.indicator(code) for code in codes]
    if not earned or earned == grade or any(i.grade_effect == "veto" for i in items):
        return []  # nothing changed, or the veto decided the grade (its own column says so)
    reasons = [effect_text(i, catalog) for i in items if _changed_grade(i, catalog, earned)]
    return [texts.GRADE_EARNED.format(earned=earned), *reasons] if reasons else []

