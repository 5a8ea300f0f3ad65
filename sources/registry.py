"""Registries (SPEC §3): units.csv, departments.csv, recipients.csv, and name resolution."""
from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from io import StringIO
from pathlib import Path

import pandas as pd

from kaoping.scoring.periods import Period

UNIT_COLUMNS = ["code", "name", "kind", "parent", "group", "aliases", "valid_from", "valid_to"]
DEPARTMENT_COLUMNS = ["code", "name", "aliases", "email"]
RECIPIENT_COLUMNS = ["recipient", "name", "email"]
LEADERS = "leaders"  # the recipient that gets every ranking and rankings.csv
# kinds of units that hold or sit beside the assessed ones (a city above its counties, a
# development zone); any kind a catalog assesses is known too (docs/warehouse.md)
STANDARD_KINDS = frozenset({"province", "city", "county", "district", "township", "town", "street", "village",
                            "community", "department", "zone", "other"})


class RegistryError(ValueError):
    """A registry file that cannot be used (message in Chinese / English)."""


@lru_cache(maxsize=1 << 16, typed=True)  # unit names, 序号 and headers repeat in every file
def normalize_name(text: object) -> str:
    """A matching key: NFKC (full-width → half-width), no spaces or invisible marks, lower case."""
    s = unicodedata.normalize("NFKC", str(text))
    # Cf holds zero-width spaces/joiners, BOMs and bidi marks that copy-paste from web pages brings
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")).lower()


def _decoded(path: Path) -> str:
    """The file's text: UTF-8 (BOM or not) or GB18030/GBK, as Excel on Chinese Windows saves CSV."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RegistryError(f"{path}: 无法读取文件（{exc.strerror}） / cannot read file: {exc.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistryError(f"{path}: 无法识别文件编码 / cannot decode file")


def _read_csv(path: Path, columns: list[str], required: list[str]) -> pd.DataFrame:
    """A registry CSV as stripped text columns, in `columns` order."""
    try:
        frame = pd.read_csv(StringIO(_decoded(path)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "empty"
        raise RegistryError(f"{path}: CSV 格式错误（{first}） / bad CSV: {first}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    lacking = [c for c in required if c not in frame.columns]
    if lacking:
        raise RegistryError(f"{path}: 第 1 行（表头）缺少列 {', '.join(lacking)} / "
                            f"row 1 (header) lacks columns {', '.join(lacking)}")
    for col in columns:
        frame[col] = frame[col].str.strip() if col in frame.columns else ""
    return frame[columns]


def _check_codes(frame: pd.DataFrame, path: Path, key: str = "code") -> None:
    """Every row has a code and no code is used twice (rows counted as Excel shows them)."""
    empty = frame.index[frame[key] == ""]
    if len(empty):
        raise RegistryError(f"{path}: 第 {empty[0] + 2} 行缺少代码 / row {empty[0] + 2} has no code")
    dup = frame.index[frame[key].duplicated()]
    if len(dup):
        code = frame.at[dup[0], key]
        first = frame.index[frame[key] == code][0]
        raise RegistryError(f"{path}: 第 {dup[0] + 2} 行代码 {code} 与第 {first + 2} 行重复 / "
                            f"row {dup[0] + 2}: code {code} duplicates row {first + 2}")


def _check_periods(units: pd.DataFrame, path: Path) -> None:
    """valid_from / valid_to are periods of any grain, and from is not after to."""
    for i, row in units.iterrows():
        bounds = {}
        for col in ("valid_from", "valid_to"):
            if row[col]:
                try:
                    bounds[col] = Period.parse(row[col])
                except ValueError:
                    raise RegistryError(f"{path}: 第 {i + 2} 行 {col} 期间格式错误 {row[col]!r} / "
                                        f"row {i + 2}: bad period in {col}") from None
        if len(bounds) == 2 and bounds["valid_from"].start > bounds["valid_to"].end:
            raise RegistryError(f"{path}: 第 {i + 2} 行 valid_from 晚于 valid_to / "
                                f"row {i + 2}: valid_from is after valid_to")


def _validity(row) -> tuple[date, date]:
    """The first and last day a registry row is valid (unbounded ends open)."""
    return (Period.parse(row.valid_from).start if getattr(row, "valid_from", "") else date.min,
            Period.parse(row.valid_to).end if getattr(row, "valid_to", "") else date.max)


def _check_names(frame: pd.DataFrame, path: Path, what: str) -> None:
    """No name or alias (after normalising) names two rows valid at the same time: a sender's
    file could not say which one it means."""
    seen: dict[str, list[int]] = {}
    for i, row in enumerate(frame.itertuples(index=False)):
        for text in {normalize_name(t) for t in (row.name, *row.aliases) if normalize_name(t)}:
            for j in seen.setdefault(text, []):
                (a0, a1), (b0, b1) = _validity(frame.iloc[j]), _validity(row)
                if a0 <= b1 and b0 <= a1:
                    shown = next(t for t in (row.name, *row.aliases) if normalize_name(t) == text)
                    both = "two units valid at the same time" if what == "单位" else "two departments"
                    raise RegistryError(
                        f"{path}: 第 {i + 2} 行与第 {j + 2} 行{what}同时使用名称或别名 {shown!r}，报送文件无法区分 / "
                        f"rows {i + 2} and {j + 2}: {both} share the name or alias {shown!r}")
            seen[text].append(i)


def load_units(path: Path) -> pd.DataFrame:
    """units.csv: one row per unit; `aliases` split into a tuple."""
    units = _read_csv(path, UNIT_COLUMNS, ["code", "name", "kind"])
    _check_codes(units, path)
    _check_periods(units, path)
    units["aliases"] = units["aliases"].map(lambda s: tuple(a.strip() for a in s.split("|") if a.strip()))
    _check_names(units, path, "单位")
    return units


def _addresses(text: str) -> tuple[str, ...]:
    """`a@x.cn|b@x.cn` as lower-case addresses (mail systems compare them case-blind)."""
    return tuple(a.strip().lower() for a in text.split("|") if a.strip())


def load_departments(path: Path) -> pd.DataFrame:
    """departments.csv: one row per reporting department; `email` (optional) its sender addresses."""
    deps = _read_csv(path, DEPARTMENT_COLUMNS, ["code", "name"])
    _check_codes(deps, path)
    deps["aliases"] = deps["aliases"].map(lambda s: tuple(a.strip() for a in s.split("|") if a.strip()))
    _check_names(deps, path, "部门")
    deps["email"] = deps["email"].map(_addresses)
    for i, addresses in deps["email"].items():
        bad = next((a for a in addresses if a.count("@") != 1 or " " in a), None)
        if bad:
            raise RegistryError(f"{path}: 第 {i + 2} 行邮箱地址格式错误 {bad!r} / row {i + 2}: bad e-mail address")
    return deps


def check_kinds(units: pd.DataFrame, assessed: set[str], path: Path) -> None:
    """Every unit's `kind` is one a catalog assesses or a standard one (a typo such as `countyy`
    would silently drop the unit from every ranking)."""
    known = STANDARD_KINDS | assessed
    for i, kind in enumerate(units["kind"]):
        if kind not in known:
            near = difflib.get_close_matches(kind, sorted(known), n=1)
            hint_zh, hint_en = (f"（是否应为 {near[0]}？）", f" (did you mean {near[0]}?)") if near else ("", "")
            raise RegistryError(f"{path}: 第 {i + 2} 行单位类型 kind {kind!r} 未知{hint_zh}，考评细则的 assessed_kind "
                                f"为 {'、'.join(sorted(assessed)) or '无'} / row {i + 2}: unknown unit kind "
                                f"{kind!r}{hint_en}; catalogs assess {', '.join(sorted(assessed)) or 'none'}")


def load_recipients(path: Path) -> pd.DataFrame:
    """recipients.csv: one row per recipient address (a unit or department code, or `leaders`)."""
    if not Path(path).exists():
        return pd.DataFrame(columns=RECIPIENT_COLUMNS)
    return _read_csv(path, RECIPIENT_COLUMNS, RECIPIENT_COLUMNS)


def _check_recipients(registry: "Registry", path: Path) -> None:
    """Every recipient is `leaders`, a unit code or a department code (a typo would never be sent to)."""
    known = {LEADERS, *registry.units["code"], *registry.departments["code"]}
    for i, code in enumerate(registry.recipients["recipient"]):
        if code not in known:
            raise RegistryError(f"{path}: 第 {i + 2} 行收件人 {code} 不是 units.csv 或 departments.csv 中的代码，"
                                f"也不是 leaders / row {i + 2}: recipient {code} is no unit or department code "
                                f"and not leaders")


def _period_covers(valid_from: str, valid_to: str, period: Period) -> bool:
    """True when a unit exists in `period` (bounds compared by dates, so any grain works)."""
    if valid_from and Period.parse(valid_from).start > period.start:
        return False
    if valid_to and Period.parse(valid_to).end < period.end:
        return False
    return True


@dataclass
class Registry:
    """The units and departments of a workspace, with name → code lookup."""

    units: pd.DataFrame
    departments: pd.DataFrame
    recipients: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RECIPIENT_COLUMNS))
    # period code → which units exist in it; every file of a period asks again
    _valid_masks: dict[str, list[bool]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._unit_keys = self._keys(self.units)
        self._dept_keys = self._keys(self.departments)

    @staticmethod
    def _keys(frame: pd.DataFrame) -> dict[str, list[str]]:
        keys: dict[str, list[str]] = {}
        for row in frame.itertuples(index=False):
            for text in {row.code, row.name, *row.aliases}:
                codes = keys.setdefault(normalize_name(text), [])
                if row.code not in codes:
                    codes.append(row.code)
        return keys

    @classmethod
    def load(cls, workspace: Path) -> "Registry":
        ws = Path(workspace)
        registry = cls(load_units(ws / "units.csv"), load_departments(ws / "departments.csv"),
                       load_recipients(ws / "recipients.csv"))
        _check_recipients(registry, ws / "recipients.csv")
        return registry

    def kinds_in(self, period: Period | str) -> set[str]:
        """The unit kinds with a unit whose validity overlaps `period`."""
        p = Period.parse(period) if isinstance(period, str) else period
        return {kind for kind, f, t in zip(self.units["kind"], self.units["valid_from"], self.units["valid_to"])
                if (not f or Period.parse(f).start <= p.end) and (not t or Period.parse(t).end >= p.start)}

    @cached_property
    def unit_names(self) -> dict[str, str]:
        """Unit code → name."""
        return dict(zip(self.units["code"], self.units["name"]))

    def groups(self) -> set[str]:
        """The unit groups (分类) the registry's `group` column names (catalog `by_group` keys)."""
        return {g for g in self.units["group"].fillna("").astype(str) if g}

    def units_in(self, period: Period | str, kind: str | None = None) -> pd.DataFrame:
        """Units valid in `period` (optionally of one kind)."""
        p = Period.parse(period) if isinstance(period, str) else period
        frame = self.units[self._valid_mask(p.code)]
        return frame[frame["kind"] == kind] if kind is not None else frame

    def _valid_mask(self, period: str) -> list[bool]:
        """Which units exist in `period` (computed once per period)."""
        if period not in self._valid_masks:
            p = Period.parse(period)
            self._valid_masks[period] = [_period_covers(f, t, p)
                                         for f, t in zip(self.units["valid_from"], self.units["valid_to"])]
        return self._valid_masks[period]

    def resolve_unit(self, text: object, period: Period | str | None = None) -> str | None:
        """The unit code that `text` names (code, name or alias), preferring units valid in `period`."""
        codes = self._unit_keys.get(normalize_name(text), [])
        if period is not None and len(codes) > 1:
            valid = set(self.units_in(period)["code"])
            codes = [c for c in codes if c in valid] or codes
        return codes[0] if len(codes) == 1 else None

    def resolve_department(self, text: object) -> str | None:
        """The department code that `text` names (code, name or alias)."""
        codes = self._dept_keys.get(normalize_name(text), [])
        return codes[0] if len(codes) == 1 else None

    def departments_of_sender(self, address: str) -> list[str]:
        """The departments that list `address` in departments.csv `email` (or as a recipient)."""
        address = address.strip().lower()
        listed = [row.code for row in self.departments.itertuples(index=False) if address in row.email]
        if listed:
            return listed
        codes = set(self.departments["code"])
        return sorted({r.recipient for r in self.recipients.itertuples(index=False)
                       if r.recipient in codes and r.email.strip().lower() == address})

    def department_addresses(self, code: str) -> list[tuple[str, str]]:
        """(name, address) of a department's recipients in recipients.csv."""
        return [(r.name, r.email) for r in self.recipients.itertuples(index=False)
                if r.recipient == code and r.email]

    def unit_name(self, code: str) -> str:
        return str(self.units.loc[self.units["code"] == code, "name"].iloc[0])

    def department_name(self, code: str) -> str:
        return str(self.departments.loc[self.departments["code"] == code, "name"].iloc[0])
