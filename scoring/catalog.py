"""The 考评细则 (indicator catalog): pydantic models and the YAML loader (SPEC §3).

This module is the one place that declares what a catalog holds. Loading checks it fully;
every problem is collected and reported together, in Chinese and English, naming the file
and the code concerned.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scoring.catalog_checks import catalog_problems

Method = Literal["threshold", "relative", "rank", "deduction"]
Direction = Literal["higher_better", "lower_better"]
MissingPolicy = Literal["zero", "previous", "exclude"]
Kind = Literal["scored", "bonus", "penalty", "veto", "input", "derived"]

CATALOG_CODE = re.compile(r"^[a-z0-9-]+$")


class CatalogError(ValueError):
    """A catalog that cannot be used; `problems` holds one (zh, en) pair per problem."""

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {zh} / {en}" for zh, en in problems]
        super().__init__("\n".join(lines))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Derivation(_Strict):
    """A formula: `ratio: [a, b]` with `scale`, or `yoy: x`."""

    ratio: tuple[str, str] | None = None
    scale: float = 1.0
    yoy: str | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.ratio if self.ratio else ((self.yoy,) if self.yoy else ())


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
    derived: Derivation | None = None
    note: str | None = None

    @property
    def is_collected(self) -> bool:
        """True when a department sends this value (it has a source)."""
        return self.source is not None


class Category(_Strict):
    code: str
    name: str
    points: float
    indicators: tuple[Indicator, ...]


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
    grades: tuple[Grade, ...]
    veto_grade: str | None = None
    tie_breakers: tuple[str, ...] = ()
    rank_within: Literal["group"] | None = None
    alerts: Alerts = Alerts()
    categories: tuple[Category, ...] = ()
    bonus: tuple[Indicator, ...] = ()
    penalties: tuple[Indicator, ...] = ()
    vetoes: tuple[Indicator, ...] = ()
    inputs: tuple[Indicator, ...] = ()
    derived: tuple[Indicator, ...] = ()
    source_path: str = ""
    sha256: str = ""

    def all_indicators(self) -> list[Indicator]:
        """Every indicator of every kind, scored ones in catalog order first."""
        scored = [i for c in self.categories for i in c.indicators]
        return scored + [*self.bonus, *self.penalties, *self.vetoes, *self.inputs, *self.derived]

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
            row = ind.model_dump(exclude={"aliases", "range", "derived"})
            row["range_lo"], row["range_hi"] = ind.range or (None, None)
            row["missing"] = self.missing_policy(ind)
            row["ratio_num"], row["ratio_den"] = (ind.derived.ratio if ind.derived and ind.derived.ratio
                                                  else (None, None))
            row["scale"] = ind.derived.scale if ind.derived else None
            row["yoy_of"] = ind.derived.yoy if ind.derived else None
            rows.append(row)
        return pd.DataFrame(rows)


def _with_kind(entries: list, kind: Kind, category: str | None = None) -> list[dict]:
    out = []
    for entry in entries or []:
        entry = dict(entry)
        if kind == "derived" and "derived" not in entry:
            formula = {k: entry.pop(k) for k in ("ratio", "yoy", "scale") if k in entry}
            entry["derived"] = formula
        out.append({**entry, "kind": kind, "category_code": category})
    return out


def _normalised(doc: dict) -> dict:
    """The YAML document rearranged into the model's shape (kinds set, sections merged)."""
    head = dict(doc.get("catalog") or {})
    cats = []
    for cat in doc.get("categories") or []:
        cat = dict(cat)
        cat["indicators"] = _with_kind(cat.get("indicators"), "scored", cat.get("code"))
        cats.append(cat)
    return {**head, "categories": cats,
            "bonus": _with_kind(doc.get("bonus"), "bonus"),
            "penalties": _with_kind(doc.get("penalties"), "penalty"),
            "vetoes": _with_kind(doc.get("vetoes"), "veto"),
            "inputs": _with_kind(doc.get("inputs"), "input"),
            "derived": _with_kind(doc.get("derived"), "derived")}


def _pydantic_problems(err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"])
        out.append((f"字段 {where} 不合法：{e['msg']}", f"field {where} is invalid: {e['msg']}"))
    return out


def parse_catalog(text: str, path: str = "<catalog>",
                  departments: Iterable[str] | None = None) -> Catalog:
    """A checked Catalog from YAML text; raises CatalogError listing every problem."""
    import hashlib

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(path, [(f"YAML 格式错误：{exc}", f"YAML syntax error: {exc}")]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("catalog"), dict):
        raise CatalogError(path, [("缺少 catalog: 段", "missing the catalog: section")])
    try:
        catalog = Catalog.model_validate({**_normalised(doc), "source_path": path,
                                          "sha256": hashlib.sha256(text.encode()).hexdigest()})
    except ValidationError as err:
        raise CatalogError(path, _pydantic_problems(err)) from None
    problems = catalog_problems(catalog, set(departments) if departments is not None else None)
    if problems:
        raise CatalogError(path, problems)
    return catalog


def load_catalog(path: Path, departments: Iterable[str] | None = None) -> Catalog:
    """Read and check one catalog file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(str(path), [(f"无法读取文件：{exc}", f"cannot read file: {exc}")]) from None
    return parse_catalog(text, str(path), departments)


def load_catalogs(folder: Path, departments: Iterable[str] | None = None) -> list[Catalog]:
    """Every `*.yaml` catalog in a folder; duplicate catalog codes are an error."""
    catalogs = [load_catalog(p, departments) for p in sorted(Path(folder).glob("*.yaml"))]
    seen: dict[str, str] = {}
    for cat in catalogs:
        if cat.code in seen:
            raise CatalogError(cat.source_path, [(f"考评细则代码 {cat.code} 与 {seen[cat.code]} 重复",
                                                  f"catalog code {cat.code} duplicates {seen[cat.code]}")])
        seen[cat.code] = cat.source_path
    return catalogs


def catalogs_for_year(catalogs: Iterable[Catalog], year: int) -> list[Catalog]:
    """The catalogs that score periods of `year` (SPEC §3: several schemes may run side by side)."""
    return [c for c in catalogs if c.year == year]
