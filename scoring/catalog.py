"""The 考评细则 (indicator catalog): pydantic models and their checks of a parsed mapping (SPEC §3, §4b).

This module is the one place that declares what a catalog holds. Validation checks it fully;
every problem is collected and reported together, in Chinese and English, naming the file
and the code concerned. Reading and parsing the YAML is done at the edge (`kaoping.sources.catalogs`).
"""
from __future__ import annotations

from typing import Iterable, Literal, Union

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kaoping.scoring.catalog_checks import catalog_problems

Method = Literal["threshold", "relative", "rank", "deduction", "bands", "curve", "direct"]
Direction = Literal["higher_better", "lower_better"]
MissingPolicy = Literal["zero", "previous", "exclude"]
MissingPeriod = Literal["zero", "skip"]
Kind = Literal["scored", "bonus", "penalty", "veto", "input", "derived", "deduction"]


class CatalogError(ValueError):
    """A catalog that cannot be used; `problems` holds one (zh, en) pair per problem."""

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {zh} / {en}" for zh, en in problems]
        super().__init__("\n".join(lines))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HistoryMean(_Strict):
    """`{history_mean: n}`: the mean of the unit's own value in the same period of n earlier years."""

    history_mean: int = Field(ge=1)


class InputReference(_Strict):
    """`{input: CODE}`: the unit's value of an input indicator."""

    input: str


Reference = Union[Literal["peer_mean", "peer_median"], HistoryMean, InputReference]


class Derivation(_Strict):
    """A formula: `ratio: [a, b]` with `scale`, `yoy: x`, `sum: {A: w}` or `vs: X, reference: R, as: …`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    ratio: tuple[str, str] | None = None
    scale: float = 1.0
    yoy: str | None = None
    sum: dict[str, float] | None = None
    vs: str | None = None
    reference: Reference | None = None
    as_: Literal["difference", "percent"] = Field(default="difference", alias="as")

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every code the formula reads."""
        if self.ratio:
            return self.ratio
        if self.yoy:
            return (self.yoy,)
        if self.sum:
            return tuple(self.sum)
        if self.vs:
            extra = (self.reference.input,) if isinstance(self.reference, InputReference) else ()
            return (self.vs, *extra)
        return ()

    @property
    def forms(self) -> list[str]:
        """The formula kinds written (exactly one is allowed)."""
        return [name for name in ("ratio", "yoy", "sum", "vs") if getattr(self, name)]


class Band(_Strict):
    """One 分档: `min: x` matches v ≥ x, `max: x` matches v ≤ x; `score` (scored) or `amount` (bonus/penalty)."""

    min: float | None = None
    max: float | None = None
    score: float | None = None
    amount: float | None = None

    @property
    def bounded(self) -> bool:
        return self.min is not None or self.max is not None


class GroupParameters(_Strict):
    """Method parameters one unit group overrides (`by_group`); never `points`."""

    direction: Direction | None = None
    target: float | None = None
    floor: float | None = None
    ceiling: float | None = None
    base: float | None = None
    step: float | None = None
    min_points: float | None = None
    per: float | None = None
    cap: float | None = None
    bands: tuple[Band, ...] | None = None
    curve: tuple[tuple[float, float], ...] | None = None

    def given(self) -> dict:
        """The parameters actually written."""
        return {k: getattr(self, k) for k in self.model_fields_set}


class MaxGrade(_Strict):
    """`{max_grade: 良好}`: the grade is no better than that (限制等次)."""

    max_grade: str


class Demote(_Strict):
    """`{demote: n}`: the grade is lowered by n grades (降低等次)."""

    demote: int = Field(ge=1)


Effect = Union[Literal["veto"], MaxGrade, Demote]


class Indicator(_Strict):
    """One indicator of any kind; `kind` and `category_code` are set by the loader."""

    code: str
    name: str
    unit: str = ""
    kind: Kind = "scored"
    category_code: str | None = None
    source: str | None = None
    aliases: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    integer: bool = False
    missing: MissingPolicy | None = None
    method: Method | None = None
    direction: Direction | None = None
    points: float | None = None
    target: float | None = None
    floor: float | None = None
    ceiling: float | None = None
    base: float | None = None
    step: float | None = None
    min_points: float | None = None
    per: float | None = None
    cap: float | None = None
    bands: tuple[Band, ...] | None = None
    curve: tuple[tuple[float, float], ...] | None = None
    by_group: dict[str, GroupParameters] | None = None
    effect: Effect | None = None
    derived: Derivation | None = None
    note: str | None = None

    def __hash__(self) -> int:  # by_group and sum hold dicts; equal indicators share code and kind
        return hash((self.code, self.kind, self.category_code))

    @property
    def grade_effect(self) -> Effect:
        """A veto item's effect (`veto` unless written)."""
        return self.effect if self.effect is not None else "veto"

    def for_group(self, group: str) -> "Indicator":
        """The indicator with the parameters of one unit group applied (itself when none)."""
        override = (self.by_group or {}).get(group)
        return self.model_copy(update=override.given()) if override is not None else self

    @property
    def is_collected(self) -> bool:
        """True when a department sends this value (it has a source)."""
        return self.source is not None


class Category(_Strict):
    code: str
    name: str
    points: float
    indicators: tuple[Indicator, ...]
    deductions: tuple[Indicator, ...] = ()
    deduction_cap: float | None = None


class PenaltyGroup(_Strict):
    """限扣: penalty items whose amounts together take at most `cap` off the total."""

    code: str
    name: str
    members: tuple[str, ...]
    cap: float


class CombinePart(_Strict):
    """One part of a combined year: the mean of a grain's periods, or the year's own scoring."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: Literal["quarter", "month", "year"] = Field(alias="from")
    weight: float
    missing_period: MissingPeriod | None = None


class Grade(_Strict):
    name: str
    min_score: float | None = None
    max_share: float | None = Field(default=None, gt=0, le=1)


class Alerts(_Strict):
    last_place_streak: int | None = Field(default=None, ge=1)
    grade_drop: bool = False


class Catalog(_Strict):
    code: str
    name: str
    year: int
    assessed_kind: str
    full_marks: float = 100
    missing: MissingPolicy = "zero"
    bonus_cap: float | None = None
    allow_negative: bool = False
    require_complete: bool = False
    deadline_days: int | None = Field(default=None, ge=0)  # 报送时限: days after the period's end
    grades: tuple[Grade, ...]
    veto_grade: str | None = None
    tie_breakers: tuple[str, ...] = ()
    rank_within: Literal["group"] | None = None
    alerts: Alerts = Alerts()
    combine: tuple[CombinePart, ...] = ()
    missing_period: MissingPeriod = "zero"
    categories: tuple[Category, ...] = ()
    bonus: tuple[Indicator, ...] = ()
    penalties: tuple[Indicator, ...] = ()
    penalty_groups: tuple[PenaltyGroup, ...] = ()
    vetoes: tuple[Indicator, ...] = ()
    inputs: tuple[Indicator, ...] = ()
    derived: tuple[Indicator, ...] = ()
    source_path: str = ""
    sha256: str = ""

    def __hash__(self) -> int:  # equal catalogs share code and text hash (dict fields are not hashable)
        return hash((self.code, self.sha256, self.source_path))

    def all_indicators(self) -> list[Indicator]:
        """Every indicator of every kind, scored ones in catalog order first."""
        scored = [i for c in self.categories for i in c.indicators]
        deductions = [i for c in self.categories for i in c.deductions]
        return scored + deductions + [*self.bonus, *self.penalties, *self.vetoes, *self.inputs, *self.derived]

    def combined(self, period_grain: str) -> bool:
        """True when periods of this grain are combined from parts (only the year can be)."""
        return bool(self.combine) and period_grain == "year"

    def part_missing_period(self, part: CombinePart) -> MissingPeriod:
        return part.missing_period or self.missing_period

    def indicator(self, code: str) -> Indicator:
        for ind in self.all_indicators():
            if ind.code == code:
                return ind
        raise KeyError(code)

    def collected(self, department: str | None = None) -> list[Indicator]:
        """Indicators departments send (optionally only those of one department)."""
        return [i for i in self.all_indicators()
                if i.is_collected and (department is None or i.source == department)]

    def missing_policy(self, indicator: Indicator) -> MissingPolicy:
        return indicator.missing or self.missing

    def indicator_frame(self) -> pd.DataFrame:
        """One row per indicator: the catalog as a table (the shape scoring works on)."""
        rows = []
        for ind in self.all_indicators():
            row = ind.model_dump(exclude={"aliases", "range", "derived", "bands", "curve", "by_group", "effect"})
            row.update(bands=ind.bands, curve=ind.curve, by_group=ind.by_group, effect=ind.grade_effect
                       if ind.kind == "veto" else None)
            row["range_lo"], row["range_hi"] = ind.range or (None, None)
            row["missing"] = self.missing_policy(ind)
            row["ratio_num"], row["ratio_den"] = (ind.derived.ratio if ind.derived and ind.derived.ratio
                                                  else (None, None))
            row["scale"] = ind.derived.scale if ind.derived else None
            row["yoy_of"] = ind.derived.yoy if ind.derived else None
            rows.append(row)
        return pd.DataFrame(rows)


SECTIONS = {"bonus": "bonus", "penalties": "penalty", "vetoes": "veto", "inputs": "input",
            "derived": "derived"}
_TOP_KEYS = {"catalog", "categories", "penalty_groups", *SECTIONS}
_LOADER_ONLY = {"source_path", "sha256", "categories", "penalty_groups", *SECTIONS}  # not writable in `catalog:`
_FORMULA_KEYS = ("ratio", "yoy", "scale", "sum", "vs", "reference", "as")
# pydantic error type → (zh, en) reason; `{expected}` is filled from the error's context
_REASONS = {"extra_forbidden": ("是未知字段（拼写错误？）", "is not a known field (misspelt?)"),
            "missing": ("缺少必填字段", "is required but missing"),
            "literal_error": ("取值应为 {expected} 之一", "must be one of {expected}"),
            "float_parsing": ("应为数字", "must be a number"), "float_type": ("应为数字", "must be a number"),
            "int_parsing": ("应为整数", "must be a whole number"), "int_type": ("应为整数", "must be a whole number"),
            "int_from_float": ("应为整数", "must be a whole number"),
            "bool_parsing": ("应为 true 或 false", "must be true or false"),
            "bool_type": ("应为 true 或 false", "must be true or false"),
            "string_type": ("应为文字", "must be text"),
            "tuple_type": ("应为列表 [..]", "must be a list [..]"), "list_type": ("应为列表 [..]", "must be a list [..]"),
            "too_short": ("列表项数不足", "has too few items"), "too_long": ("列表项数过多", "has too many items"),
            "dict_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
            "model_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
            "model_attributes_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
            "greater_than": ("应大于 {gt}", "must be greater than {gt}"),
            "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"),
            "less_than": ("应小于 {lt}", "must be less than {lt}"),
            "less_than_equal": ("应不大于 {le}", "must be at most {le}")}
_SECTION_ZH = {"categories": "一级指标", "indicators": "指标", "grades": "等次", "bonus": "加分项",
               "penalties": "扣分项", "vetoes": "否决项", "inputs": "基础数据", "derived": "计算指标",
               "alerts": "预警", "penalty_groups": "限扣组", "deductions": "类别扣分项", "bands": "分档",
               "combine": "年度综合"}


def _with_kind(entries: object, kind: Kind, category: object = None) -> object:
    """Section entries tagged with their kind; anything not a list of mappings is left for pydantic."""
    if not isinstance(entries, list):
        return entries if entries is not None else []
    out = []
    for entry in entries:
        if isinstance(entry, dict):
            entry = dict(entry)
            if kind == "derived" and "derived" not in entry:
                entry["derived"] = {k: entry.pop(k) for k in _FORMULA_KEYS if k in entry}
            if entry.get("method") == "direct" and "range" not in entry and isinstance(entry.get("points"),
                                                                                        (int, float)):
                entry["range"] = [0, entry["points"]]  # SPEC §4b: a direct item's range defaults to [0, P]
            entry = {**entry, "kind": kind, "category_code": category}
        out.append(entry)
    return out


def _normalised(doc: dict) -> dict:
    """The YAML document rearranged into the model's shape (kinds set, sections merged)."""
    cats = doc.get("categories") or []
    if isinstance(cats, list):
        cats = [{**c, "indicators": _with_kind(c.get("indicators"), "scored", c.get("code")),
                 "deductions": _with_kind(c.get("deductions"), "deduction", c.get("code"))}
                if isinstance(c, dict) else c for c in cats]
    sections = {name: _with_kind(doc.get(name), kind) for name, kind in SECTIONS.items()}
    return {**doc["catalog"], "categories": cats, **sections, "penalty_groups": doc.get("penalty_groups") or []}


def _layout_problems(doc: dict) -> list[tuple[str, str]]:
    """Unknown top-level sections and section names written inside `catalog:`."""
    out = [(f"未知的顶层段 {k}（允许：{', '.join(sorted(_TOP_KEYS))}）", f"unknown top-level section {k}")
           for k in doc if k not in _TOP_KEYS]
    return out + [(f"catalog: 段中不能有 {k}", f"{k} is not allowed inside the catalog: section")
                  for k in doc["catalog"] if k in _LOADER_ONLY]


def _owner(data: dict, loc: tuple) -> str:
    """The code of the category or indicator a pydantic error location points into."""
    node, owner = data, ""
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("code"), str):
            owner = node["code"]
    return owner


def _place(data: dict, loc: tuple) -> tuple[str, str]:
    """Where an error is, as a reader of the YAML names it: `指标 C01-01 的 method` / `C01-01: method`."""
    owner = _owner(data, loc)
    if loc and isinstance(loc[-1], int) and isinstance(loc[-2] if len(loc) > 1 else None, str):
        section = loc[-2]
        return (f"{_SECTION_ZH.get(section, section)}第 {loc[-1] + 1} 项", f"{section} item {loc[-1] + 1}")
    fields = [str(p) for p in loc if isinstance(p, str) and p not in _SECTION_ZH] or [str(loc[-1])]
    name = ".".join(fields)
    if owner:
        return f"{owner} 的字段 {name}", f"{owner}: field {name}"
    section = next((_SECTION_ZH[p] for p in reversed(loc) if isinstance(p, str) and p in _SECTION_ZH), "")
    position = next((p for p in reversed(loc) if isinstance(p, int)), None)
    where_zh = f"{section}第 {position + 1} 项的" if section and position is not None else ("catalog: 段的" if len(loc) == 1 else "")
    where_en = f"{[p for p in loc if isinstance(p, str)][0]} item {position + 1}, " if section and position is not None else ""
    return f"{where_zh}字段 {name}", f"{where_en}field {name}"


def _pydantic_problems(err: ValidationError, data: dict) -> list[tuple[str, str]]:
    """Every validation error in the catalog's own words (no library text)."""
    out = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        zh_where, en_where = _place(data, loc)
        ctx = {k: v for k, v in (e.get("ctx") or {}).items()}
        zh, en = _REASONS.get(e["type"], ("格式不正确", "is not valid"))
        ctx_zh = {k: str(v).replace("' or '", "', '") for k, v in ctx.items()}
        seen = e.get("input")
        shown = f"（填写的是 {seen!r}）" if e["type"] not in ("missing",) and isinstance(seen, (str, int, float)) else ""
        shown_en = f" (given {seen!r})" if shown else ""
        out.append((f"{zh_where} {zh.format(**ctx_zh)}{shown}", f"{en_where} {en.format(**ctx)}{shown_en}"))
    return out


def catalog_from_mapping(doc: object, path: str = "<catalog>", sha256: str = "",
                         departments: Iterable[str] | None = None, groups: Iterable[str] | None = None) -> Catalog:
    """A checked Catalog from a parsed YAML mapping; raises CatalogError listing every problem.

    sha256: the hash of the catalog's YAML text; departments / groups: the registry's department codes and unit
    groups (None: not checked).
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("catalog"), dict):
        raise CatalogError(path, [("缺少 catalog: 段", "missing the catalog: section")])
    layout = _layout_problems(doc)
    data = _normalised(doc)
    try:
        catalog = Catalog.model_validate({**data, "source_path": path, "sha256": sha256})
    except ValidationError as err:
        raise CatalogError(path, layout + _pydantic_problems(err, data)) from None
    problems = layout + catalog_problems(catalog, set(departments) if departments is not None else None,
                                         set(groups) if groups is not None else None)
    if problems:
        raise CatalogError(path, problems)
    return catalog


def duplicate_code_problem(catalogs: Iterable[Catalog]) -> CatalogError | None:
    """The error for two catalogs sharing one code (None when every code is unique)."""
    seen: dict[str, str] = {}
    for cat in catalogs:
        if cat.code in seen:
            return CatalogError(cat.source_path, [(f"考评细则代码 {cat.code} 与 {seen[cat.code]} 重复",
                                                   f"catalog code {cat.code} duplicates {seen[cat.code]}")])
        seen[cat.code] = cat.source_path
    return None


def catalogs_for_year(catalogs: Iterable[Catalog], year: int) -> list[Catalog]:
    """The catalogs that score periods of `year` (SPEC §3: several schemes may run side by side)."""
    return [c for c in catalogs if c.year == year]
