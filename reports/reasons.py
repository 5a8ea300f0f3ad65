"""Why a unit lost points on an indicator, in words (pure: catalog indicator + score row in, text out)."""
from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from typing import Iterable, Sequence

from kaoping.reports import texts
from kaoping.reports.rule_words import formula_text, group_text, loss_text, own_rule_text, pool_text
from kaoping.reports.words import event_text, number_text, quantity_text
from kaoping.scoring.catalog import Catalog, Indicator
from kaoping.scoring.rounding import round2


def points_lost(score: float | None, points: float | None) -> float | None:
    """Points the unit did not get on a scored indicator (None when it does not count)."""
    if score is None or points is None:
        return None
    return round2(points - score)


def _flags(flags: str | None) -> set[str]:
    return {f for f in (flags or "").split(";") if f}


class Peers:
    """The values an indicator is compared among (e.g. one group's units), sorted once so that the
    best value and a value's rank cost no scan per unit."""

    def __init__(self, values: Iterable[float]):
        self.values = array("d", sorted(values))  # 8 bytes a value: millions of them at province scale

    def __len__(self) -> int:
        return len(self.values)

    def best(self, higher_better: bool) -> float:
        return self.values[-1] if higher_better else self.values[0]

    def rank(self, value: float, higher_better: bool) -> int:
        """1 + the number of values strictly better than `value` (ties share a rank)."""
        if higher_better:
            return 1 + len(self.values) - bisect_right(self.values, value)
        return 1 + bisect_left(self.values, value)


def competition_rank(value: float, peers: Sequence[float] | Peers, higher_better: bool) -> int:
    """1 + the number of peers strictly better than `value` (ties share a rank)."""
    return _peers(peers).rank(value, higher_better)


def _peers(peers: Sequence[float] | Peers) -> Peers:
    return peers if isinstance(peers, Peers) else Peers(peers)


def _threshold_reason(ind: Indicator, value: float) -> str:
    q = lambda v: quantity_text(v, ind.unit)  # noqa: E731
    if ind.direction == "lower_better":
        if ind.ceiling is not None and value >= ind.ceiling:
            return texts.REASON_AT_CEILING.format(ceiling=q(ind.ceiling), value=q(value))
        return texts.REASON_ABOVE_TARGET.format(target=q(ind.target), value=q(value))
    if value <= (ind.floor or 0):
        return texts.REASON_AT_FLOOR.format(floor=q(ind.floor or 0), value=q(value))
    return texts.REASON_BELOW_TARGET.format(target=q(ind.target), value=q(value))


def _method_reason(ind: Indicator, value: float, lost: float, peers: Peers) -> str:
    q = lambda v: quantity_text(v, ind.unit)  # noqa: E731
    higher = ind.direction != "lower_better"
    if ind.method == "threshold":
        return _threshold_reason(ind, value)
    if ind.method == "deduction":
        return texts.REASON_DEDUCTION.format(value=q(value), lost=number_text(lost))
    if ind.method == "relative":
        return texts.REASON_RELATIVE.format(value=q(value), best=q(peers.best(higher)))
    return texts.REASON_RANK.format(rank=peers.rank(value, higher), n=len(peers))


def loss_reason(ind: Indicator, value_used: float | None, score: float | None, points: float | None,
                flags: str | None, value_period: str | None = None,
                peers: Sequence[float] | Peers = ()) -> str:
    """The reason a scored indicator lost points, or the effect of a bonus/penalty/veto; '' if none."""
    marks = _flags(flags)
    if texts.FLAG_EXCLUDED in marks:
        return texts.REASON_EXCLUDED
    if ind.kind in ("bonus", "penalty", "veto", "deduction"):
        return _extra_reason(ind, value_used, score)
    if texts.FLAG_MISSING in marks or value_used is None:
        return texts.REASON_MISSING
    words = loss_text(ind, value_used, score, points)
    if words is not None and points_lost(score, points):
        return words
    lost = points_lost(score, points)
    if not lost or lost <= 0:
        return ""
    prefix = texts.REASON_PREVIOUS.format(period=value_period or "") if texts.FLAG_PREVIOUS in marks else ""
    return prefix + _method_reason(ind, value_used, lost, _peers(peers) if len(peers) else Peers([value_used]))


def _extra_reason(ind: Indicator, value: float | None, score: float | None) -> str:
    if not value:
        return ""
    q = quantity_text(value, ind.unit)
    if ind.kind == "veto":
        if ind.grade_effect != "veto":
            effect = ind.grade_effect
            return (texts.REASON_DEMOTE.format(event=event_text(ind.name), n=effect.demote) if hasattr(effect, "demote")
                    else texts.REASON_MAX_GRADE.format(event=event_text(ind.name), better=effect.max_grade + " 以上"))
        return texts.REASON_VETO.format(value=q)
    template = texts.REASON_BONUS if ind.kind == "bonus" else texts.REASON_PENALTY
    return template.format(score=number_text(abs(score or 0)), value=q)


def _rule_note(ind: Indicator, catalog: Catalog) -> str:
    words = own_rule_text(ind, catalog)
    if words is not None:
        return words + group_text(ind, catalog, lambda i, c: own_rule_text(i, c) or _plain_rule_note(i, c)) \
            + (pool_text(ind, catalog) if ind.kind == "penalty" else "")
    note = _plain_rule_note(ind, catalog)
    if ind.kind == "penalty":
        note += pool_text(ind, catalog)
    return note + group_text(ind, catalog, _plain_rule_note) if ind.by_group and ind.kind == "scored" else note


def _plain_rule_note(ind: Indicator, catalog: Catalog) -> str:
    q = lambda v: quantity_text(v, ind.unit)  # noqa: E731
    direction = texts.DIRECTION.get(ind.direction or "higher_better", "")
    if ind.kind == "bonus":
        return texts.NOTE_BONUS.format(unit=ind.unit, per=number_text(ind.per), cap=number_text(ind.cap))
    if ind.kind == "penalty":
        cap = texts.NOTE_PENALTY_CAP.format(cap=number_text(ind.cap)) if ind.cap is not None else ""
        return texts.NOTE_PENALTY.format(unit=ind.unit, per=number_text(ind.per), cap=cap)
    if ind.kind == "veto":
        return texts.NOTE_VETO.format(grade=catalog.veto_grade or "")
    if ind.kind in ("input", "derived") or ind.method is None:
        return texts.NOTE_INPUT
    if ind.method == "threshold" and ind.direction == "lower_better":
        return texts.NOTE_THRESHOLD_LOW.format(target=q(ind.target), ceiling=q(ind.ceiling))
    if ind.method == "threshold":
        return texts.NOTE_THRESHOLD_HIGH.format(target=q(ind.target), floor=q(ind.floor or 0))
    if ind.method == "relative":
        return texts.NOTE_RELATIVE.format(direction=direction, base=number_text(ind.base or 0))
    if ind.method == "rank":
        return texts.NOTE_RANK.format(step=number_text(ind.step), min_points=number_text(ind.min_points or 0),
                                      direction=direction)
    return texts.NOTE_DEDUCTION.format(unit=ind.unit, per=number_text(ind.per))


def indicator_label(code: str, catalog: Catalog) -> str:
    """An indicator's name for readers (its code when the catalog does not know it)."""
    try:
        return catalog.indicator(code).name
    except KeyError:
        return code


def derived_note(ind: Indicator, catalog: Catalog) -> str:
    """How a derived value is computed, with indicator names: `刑事案件立案数 ÷ 常住人口`."""
    d = ind.derived
    if d.ratio:
        scale = "" if d.scale == 1 else texts.NOTE_SCALE.format(scale=number_text(d.scale))
        return texts.NOTE_RATIO.format(a=indicator_label(d.ratio[0], catalog),
                                       b=indicator_label(d.ratio[1], catalog), scale=scale)
    if d.yoy:
        return texts.NOTE_YOY.format(x=indicator_label(d.yoy, catalog))
    return formula_text(ind, catalog)


def method_note(ind: Indicator, catalog: Catalog) -> str:
    """How an indicator is scored (or computed), in words, with its missing-data rule."""
    note = _rule_note(ind, catalog)
    if ind.derived is not None:
        formula = derived_note(ind, catalog)
        note = formula if ind.kind == "derived" else f"{note}；{formula}"
    if ind.kind == "scored":
        note += texts.NOTE_MISSING.format(policy=texts.MISSING_NOTE[catalog.missing_policy(ind)])
    return note
