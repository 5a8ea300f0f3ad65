"""What the 通报 says (SPEC §11), prepared from one published run: pure data, no python-docx.

`bulletin_content(data, office, timeliness)` decides every sentence and table cell; `bulletin.py`
only lays them out. Numbers are the ranking workbook's (total and scores rounded half-up to 2
decimals as on 排名总表).

`timeliness` is the period's 报送时限 state per department (SPEC §10), built by the 报送 cycle:
a frame with columns `department` (name), `state` (按时 / 迟报 / 缺报 / 未到期) and `days_late`.
Without it the section says who has not sent an accepted file (from the run's submissions).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd

from kaoping.core.config import OfficeSettings
from kaoping.reports import texts
from kaoping.reports.data import RunData, scheme_name
from kaoping.reports.ranking import rank_change_text
from kaoping.scoring import labels
from kaoping.scoring.deadlines import STATE_ZH
from kaoping.scoring.rounding import round2

BOTTOM = 3  # units named in the weakest-category section, per ranking
# units the charts draw at most (five pages per chart): a province's 2,000 units would make a
# 37 MB 通报 of 170 chart pages nobody reads; the annex has every unit's category scores
CHART_UNITS = 120
TIMELINESS_COLUMNS = ("department", "state", "days_late")
LATE, MISSING = "迟报", "缺报"


def number(value: float | None) -> str:
    """A score as printed: 2 decimals (half-up), as on 排名总表."""
    return "" if value is None else f"{round2(value):.2f}"


def percent(rate: float) -> str:
    return f"{round2(rate * 100):.1f}%"


@dataclass(frozen=True)
class Table:
    """A table of text cells: header row, body rows (what the renderer writes, cell for cell)."""

    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    """One numbered section (一、…): its heading, paragraphs and an optional table after them."""

    heading: str
    paragraphs: list[str]
    table: Table | None = None
    table_caption: str = ""
    after_table: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChartData:
    """What the two charts draw: totals in ranking order, and unit × category score rates."""

    units: list[str]
    totals: list[float]
    grades: list[str]
    grade_order: list[str]
    categories: list[str]
    rates: np.ndarray  # units × categories, score ÷ points (NaN where a unit has no category score)
    full_marks: float
    note: str = ""  # which units are drawn, when not all of them

    def pages(self, rows: int) -> list[ChartData]:
        """The chart cut into balanced parts of at most `rows` units, in ranking order (one picture per page)."""
        n = len(self.units)
        parts = max(1, -(-n // rows))
        size = -(-n // parts) if n else 0
        return [replace(self, units=self.units[k:k + size], totals=self.totals[k:k + size],
                        grades=self.grades[k:k + size], rates=self.rates[k:k + size])
                for k in range(0, max(n, 1), max(size, 1))]


@dataclass(frozen=True)
class BulletinContent:
    office: str
    doc_number: str
    title: str
    addressee: str
    opening: str
    sections: list[Section]
    chart: ChartData
    annex_title: str
    annex: Table
    signature_date: str
    core_properties_title: str
    stamp: datetime


def official(text: str) -> str:
    """Half-width parentheses as a 公文 writes them (full-width): 县(市、区) → 县（市、区）."""
    return str(text).replace("(", "（").replace(")", "）")


def date_text(when: datetime | None) -> str:
    return texts.DATE.format(d=when) if when else texts.UNKNOWN


def _items(names: list[str]) -> str:
    return "、".join(names)


def _where(data: RunData, group) -> str:
    return texts.WHERE_GROUP.format(group=group) if data.grouped and group else ""


def _rankings(data: RunData) -> list[pd.DataFrame]:
    """The ranking as one frame per ranked group (one frame when the catalog does not group)."""
    frame = data.rankings
    if not data.grouped:
        return [frame]
    return [part for _, part in frame.groupby(frame["group"].fillna(""), sort=True)]


def _stats(part: pd.DataFrame) -> dict:
    totals = [round2(t) for t in part["total"]]
    best, worst = int(np.argmax(totals)), int(np.argmin(totals))
    return dict(n=len(part), mean=number(sum(round2(t) for t in part["total"]) / len(part) if len(part) else 0),
                best=number(totals[best]), best_unit=part["unit_name"].iat[best],
                worst=number(totals[worst]), worst_unit=part["unit_name"].iat[worst])


def overview(data: RunData) -> Section:
    """总体情况: units, average (of the rounded totals), best and worst, grade distribution."""
    counts = data.rankings["grade"].value_counts()
    grades = "、".join(texts.GRADE_COUNT.format(grade=g.name, n=int(counts.get(g.name, 0)))
                       for g in data.catalog.grades)
    paragraphs = [texts.OVERVIEW.format(grades=grades, **_stats(data.rankings))]
    if data.grouped:
        parts = _rankings(data)
        paragraphs[0] += texts.BULLETIN_GROUPS.format(groups="、".join(p["group"].iat[0] for p in parts))
        paragraphs += [texts.OVERVIEW_GROUP.format(group=p["group"].iat[0], **_stats(p)) for p in parts]
    return Section(texts.H_OVERVIEW, paragraphs)


def results_table(data: RunData) -> Table:
    """表1: rank, unit (group), total, grade, rank change — the ranking's order and numbers."""
    headers = list(texts.RESULTS_HEADERS)
    if data.grouped:
        headers.insert(2, texts.GROUP)
    rows = []
    for r in data.rankings.itertuples():
        row = [str(int(r.rank)), r.unit_name, number(r.total), r.grade, rank_change_text(r.rank_change) or "—"]
        if data.grouped:
            row.insert(2, r.group or "")
        rows.append(row)
    return Table(headers, rows)


def annex_table(data: RunData) -> Table:
    """附件: each unit's category scores, bonus, penalty and total, in ranking order."""
    cats = data.catalog.categories
    headers = [texts.RANK, texts.UNIT] + ([texts.GROUP] if data.grouped else []) + [
        texts.CATEGORY_HEADER.format(name=c.name, points=c.points) for c in cats] + [
        texts.BONUS, texts.PENALTY, texts.TOTAL, texts.GRADE]
    scores = {(c.unit_code, c.category_code): c.score for c in data.categories.itertuples()}
    rows = []
    for r in data.rankings.itertuples():
        rows.append([str(int(r.rank)), r.unit_name] + ([r.group or ""] if data.grouped else []) + [
            number(scores.get((r.unit_code, c.code))) for c in cats] + [
            number(r.bonus), number(r.penalty), number(r.total), r.grade])
    return Table(headers, rows)


def advanced(data: RunData) -> Section:
    """先进单位: the units of the top grade, in ranking order (vetoed units never are)."""
    top = data.catalog.grades[0].name
    rows = data.rankings[(data.rankings["grade"] == top) & ~data.rankings["is_vetoed"]]
    if rows.empty:
        return Section(texts.H_ADVANCED, [texts.ADVANCED_NONE.format(grade=top)])
    count = f"等{len(rows)}个单位" if len(rows) > 1 else ""
    return Section(texts.H_ADVANCED, [texts.ADVANCED.format(units=_items(list(rows["unit_name"])), count=count,
                                                            grade=top)])


def _triggered(data: RunData) -> dict[str, list]:
    """unit code → the veto-section items (vetoes and grade effects) with a value > 0, catalog order."""
    d = data.details
    values = d["value_used"].to_numpy()
    hit = ~np.isnan(values) & (values > 0)
    codes = {i.code: i for i in data.catalog.vetoes}
    out: dict[str, list] = {}
    for unit, code in zip(d["unit_code"].to_numpy()[hit], d["indicator_code"].to_numpy()[hit]):
        if code in codes:
            out.setdefault(str(unit), []).append(codes[code])
    order = {i.code: k for k, i in enumerate(data.catalog.vetoes)}
    return {u: sorted(items, key=lambda i: order[i.code]) for u, items in out.items()}


def _effect(ind) -> tuple[str, object]:
    """A veto item's effect: ('veto', None), ('max_grade', name) or ('demote', n) (SPEC §4b grade effects)."""
    effect = getattr(ind, "effect", None)  # catalogs without grade effects: every item is a veto
    if effect is None or effect == "veto":
        return "veto", None
    if isinstance(effect, dict):
        kind, value = next(iter(effect.items()))
        return kind, value
    for kind in ("max_grade", "demote"):
        if getattr(effect, kind, None) is not None:
            return kind, getattr(effect, kind)
    return "veto", None


def vetoes(data: RunData) -> Section:
    """一票否决 and grade effects: which unit, which item, what grade it was given."""
    triggered, lines = _triggered(data), []
    for r in data.rankings.itertuples():
        items = triggered.get(r.unit_code, [])
        kinds: dict[str, list] = {}
        for ind in items:
            kinds.setdefault(_effect(ind)[0], []).append(ind)
        if r.is_vetoed or kinds.get("veto"):
            names = [i.name for i in kinds.get("veto", [])] or [labels.VETOED]
            lines.append(texts.VETO_LINE.format(unit=r.unit_name, items=_items(names),
                                                grade=data.catalog.veto_grade or r.grade))
            continue
        if kinds.get("max_grade"):
            caps = kinds["max_grade"]
            lines.append(texts.EFFECT_CAP_LINE.format(unit=r.unit_name, items=_items([i.name for i in caps]),
                                                      grade=_effect(caps[0])[1], final=r.grade))
        if kinds.get("demote"):
            dem = kinds["demote"]
            lines.append(texts.EFFECT_DEMOTE_LINE.format(unit=r.unit_name, items=_items([i.name for i in dem]),
                                                         n=sum(int(_effect(i)[1]) for i in dem), final=r.grade))
    return Section(texts.H_VETO, lines or [texts.NONE])


def _previous_grades(data: RunData) -> dict[str, str]:
    previous = data.period.previous().code
    h = data.history
    rows = h[h["period"] == previous] if len(h) else h
    return dict(zip(rows.get("unit_code", []), rows.get("grade", [])))


def alerts(data: RunData) -> Section:
    """连续末位 and 等次下降 as flagged on the ranking."""
    streak = data.catalog.alerts.last_place_streak
    lines = []
    for part in _rankings(data):
        flagged = part[[labels.LAST_PLACE_STREAK in (a or "") for a in part["alerts"]]]
        if len(flagged):
            lines.append(texts.STREAK_LINE.format(units=_items(list(flagged["unit_name"])), n=streak,
                                                  where=_where(data, part["group"].iat[0])))
    before = _previous_grades(data)
    for r in data.rankings.itertuples():
        if labels.GRADE_DROP in (r.alerts or ""):
            lines.append(texts.DROP_LINE.format(unit=r.unit_name, before=before.get(r.unit_code, ""), after=r.grade))
    return Section(texts.H_ALERTS, lines + [texts.ALERT_CLOSING] if lines else [texts.NONE])


def weakest(data: RunData) -> Section:
    """For each unit among the last three of its ranking: the category with the lowest score rate."""
    cats = data.catalog.categories
    scores = {(c.unit_code, c.category_code): c.score for c in data.categories.itertuples()}
    lines = []
    for part in _rankings(data):
        bottom = part.sort_values(["rank", "unit_code"]).tail(BOTTOM)
        for r in bottom.itertuples():
            rated = [(scores[(r.unit_code, c.code)] / c.points, k) for k, c in enumerate(cats)
                     if (r.unit_code, c.code) in scores and c.points]
            if not rated:
                continue
            rate, k = min(rated)
            c = cats[k]
            lines.append(texts.WEAK_LINE.format(unit=r.unit_name, where=_where(data, r.group), rank=int(r.rank),
                                                total=number(r.total), category=c.name,
                                                score=number(scores[(r.unit_code, c.code)]),
                                                points=f"{c.points:g}", rate=percent(rate)))
    return Section(texts.H_WEAK, lines or [texts.NONE])


def _expected_departments(data: RunData) -> list[str]:
    return sorted({i.source for i in data.catalog.collected() if i.source})


def timeliness_frame(states: list) -> pd.DataFrame | None:
    """The 报送时限 states (kaoping.scoring.deadlines.DepartmentState) as `reporting` reads them; None when
    no department has a deadline (the 通报 then names the departments with no accepted file)."""
    rows = [(s.name, STATE_ZH[s.state.state], s.state.days_late) for s in states if s.state is not None]
    return pd.DataFrame(rows, columns=list(TIMELINESS_COLUMNS)) if rows else None


def reporting(data: RunData, timeliness: pd.DataFrame | None) -> Section:
    """Departments late or missing: from the 报送时限 frame when given, else who has no accepted file."""
    if timeliness is not None:
        frame = timeliness.reindex(columns=list(TIMELINESS_COLUMNS))
        late = frame[frame["state"] == LATE]
        missing = frame[frame["state"] == MISSING]
        lines = []
        if len(late):
            lines.append(texts.REPORTING_LATE.format(departments="、".join(
                texts.REPORTING_LATE_ITEM.format(department=r.department, days=int(r.days_late))
                for r in late.itertuples())))
        if len(missing):
            lines.append(texts.REPORTING_MISSING.format(departments=_items(list(missing["department"]))))
        due = frame[frame["state"] != "未到期"]
        if len(due):
            lines.append(texts.REPORTING_ON_TIME.format(rate=percent((due["state"] == "按时").mean())))
        return Section(texts.H_REPORTING, lines or [texts.NONE])
    expected = _expected_departments(data)
    s = data.submissions
    accepted = set(s.loc[s["status"] == "accepted", "department_code"]) if len(s) else set()
    names = dict(zip(s["department_code"], s["department_name"])) if len(s) else {}
    missing = [names.get(code) or code for code in expected if code not in accepted]
    if not missing:
        return Section(texts.H_REPORTING, [texts.REPORTING_ALL.format(n=len(expected))])
    return Section(texts.H_REPORTING, [texts.REPORTING_COUNTS.format(n=len(expected), sent=len(expected) - len(missing))
                                       + texts.REPORTING_MISSING.format(departments=_items(missing))])


def charted_units(data: RunData) -> tuple[pd.DataFrame, str]:
    """The ranking rows the charts draw, and a caption note: every unit up to CHART_UNITS; beyond,
    the first and last units of each ranking (each group under `rank_within: group`)."""
    r = data.rankings
    if len(r) <= CHART_UNITS:
        return r, ""
    parts = _rankings(data)
    edge = -(-CHART_UNITS // (2 * len(parts)))
    chosen = pd.concat([p if len(p) <= 2 * edge else pd.concat([p.head(edge), p.tail(edge)]) for p in parts])
    each = texts.CHART_EACH_GROUP if data.grouped else ""
    return r[r.index.isin(chosen.index)], texts.CHART_SUBSET.format(each=each, k=edge, n=len(r))


def chart_data(data: RunData) -> ChartData:
    cats = data.catalog.categories
    scores = {(c.unit_code, c.category_code): c.score for c in data.categories.itertuples()}
    r, note = charted_units(data)
    labels_ = [f"{n}（{g}）" if data.grouped and g else n for n, g in zip(r["unit_name"], r["group"])]
    rates = np.array([[scores.get((u, c.code), np.nan) / c.points if c.points else np.nan for c in cats]
                      for u in r["unit_code"]], dtype=float).reshape(len(r), len(cats))
    return ChartData(labels_, [round2(t) for t in r["total"]], list(r["grade"]),
                     [g.name for g in data.catalog.grades], [c.name for c in cats], rates,
                     float(data.catalog.full_marks), note)


def doc_number(office: OfficeSettings, when: datetime) -> str:
    """The 文号 line, its serial left blank for the office's registry to fill in when it is signed."""
    return texts.BULLETIN_DOC_NUMBER.format(prefix=office.doc_number_prefix, year=when.year)


def bulletin_content(data: RunData, office: OfficeSettings, timeliness: pd.DataFrame | None = None) -> BulletinContent:
    """Every text and number of the 通报 for one published run."""
    issued = data.local(data.run.stamp)
    office_name = office.name or texts.BULLETIN_OFFICE_DEFAULT
    scheme, label = official(scheme_name(data.catalog)), data.period.label
    annex_title = texts.ANNEX_TITLE.format(label=label, scheme=scheme)
    results = Section(texts.H_RESULTS, [texts.RESULTS_LEAD], results_table(data),
                      texts.TABLE_RESULTS.format(label=label, scheme=scheme))
    charts = Section(texts.H_CHARTS, [texts.CHART_LEAD])
    sections = [overview(data), results, advanced(data), vetoes(data), alerts(data), weakest(data),
                reporting(data, timeliness), charts, Section(texts.H_REQUIREMENTS, [texts.REQUIREMENTS])]
    opening = texts.BULLETIN_OPENING.format(catalog=official(data.catalog.name), office=office_name,
                                            n=len(data.rankings), label=label,
                                            cutoff=date_text(data.local(data.run.data_cutoff_at)))
    title = texts.BULLETIN_TITLE.format(label=label, scheme=scheme)
    return BulletinContent(
        office=office_name, doc_number=doc_number(office, issued), title=title,
        addressee=texts.BULLETIN_ADDRESSEE.get(data.catalog.assessed_kind, texts.BULLETIN_ADDRESSEE_DEFAULT),
        opening=opening, sections=sections, chart=chart_data(data), annex_title=annex_title,
        annex=annex_table(data), signature_date=date_text(issued), core_properties_title=title,
        stamp=issued)
