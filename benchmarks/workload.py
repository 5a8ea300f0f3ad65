"""The benchmark workload: its size, its registries and its (seeded) indicator values."""
from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from benchmarks.catalog_gen import catalog_yaml
from kaoping.scoring.catalog import Catalog, Indicator
from kaoping.scoring.periods import Period
from kaoping.sources.catalogs import parse_catalog

DEPARTMENTS = (
    ("GA", "省公安厅"), ("SF", "省司法厅"), ("XF", "省信访局"), ("YJ", "省应急管理厅"), ("WX", "省委网信办"),
    ("TJ", "省统计局"), ("FY", "省高级人民法院"), ("JC", "省人民检察院"), ("MZ", "省民政厅"), ("JY", "省教育厅"),
    ("WJ", "省卫生健康委"), ("JT", "省交通运输厅"), ("ZJ", "省住房城乡建设厅"), ("SJ", "省市场监管局"),
    ("HJ", "省生态环境厅"), ("ZR", "省自然资源厅"), ("RS", "省人力资源社会保障厅"), ("NY", "省农业农村厅"),
    ("WL", "省文化和旅游厅"), ("AQ", "省国家安全厅"), ("XJ", "省消防救援总队"), ("JR", "省金融监管局"),
    ("TY", "省退役军人事务厅"), ("FL", "省妇联"), ("TW", "团省委"),
)
NAME_CHARS = ("安平宁和兴昌盛泰康丰永嘉华福瑞祥德庆隆新东西南北中清河山川林松柏桂兰梅竹石金玉"
              "云海江湖溪泉阳明光辉文武仁义礼信忠孝长远高广大小上下前后左右春夏秋冬青白红黄绿"
              "紫丹龙凤麟鹤鹿马牛羊")
SUFFIXES = "县区市"
GROUPS = ("一类地区", "二类地区", "三类地区", "四类地区")
MISSING_SHARE = 0.003


@dataclass(frozen=True)
class Workload:
    """How big the generated province is."""

    units: int = 2000
    indicators: int = 200
    departments: int = 25
    quarters: int = 4
    year: int = 2025
    seed: int = 20251127

    @property
    def periods(self) -> list[Period]:
        return [Period(self.year, 1, q) for q in range(1, self.quarters + 1)]

    def as_dict(self) -> dict:
        return asdict(self)


def department_table(count: int) -> pd.DataFrame:
    """departments.csv rows: the first `count` province departments."""
    if not 1 <= count <= len(DEPARTMENTS):
        raise ValueError(f"departments must be between 1 and {len(DEPARTMENTS)}")
    return pd.DataFrame([{"code": c, "name": n, "aliases": n.removeprefix("省")} for c, n in DEPARTMENTS[:count]])


def unit_name(i: int) -> str:
    """A unique, stable two-character place name with a suffix (县/区/市)."""
    n = len(NAME_CHARS)
    return NAME_CHARS[i % n] + NAME_CHARS[(i // n) % n] + SUFFIXES[i // (n * n)]


def unit_table(count: int) -> pd.DataFrame:
    """units.csv rows: `count` counties spread over four groups."""
    if count > len(NAME_CHARS) ** 2 * len(SUFFIXES):
        raise ValueError("too many units for the name generator")
    return pd.DataFrame({
        "code": [f"X{i + 1:05d}" for i in range(count)],
        "name": [unit_name(i) for i in range(count)],
        "kind": "county", "parent": "",
        "group": [GROUPS[i % len(GROUPS)] for i in range(count)],
        "aliases": "", "valid_from": "", "valid_to": "",
    })


@lru_cache(maxsize=4)
def catalog_text(work: Workload) -> str:
    return catalog_yaml(work.indicators, list(department_table(work.departments)["code"]), work.year)


@lru_cache(maxsize=4)
def workload_catalog(work: Workload) -> Catalog:
    """The generated catalog, parsed and checked like kaoping does."""
    codes = list(department_table(work.departments)["code"])
    return parse_catalog(catalog_text(work), "bench.yaml", codes)


def _rng(work: Workload, code: str, *more: int) -> np.random.Generator:
    return np.random.default_rng([work.seed, zlib.crc32(code.encode()), *more])


def _level(ind: Indicator, rng: np.random.Generator, n: int) -> np.ndarray:
    """Each unit's own typical value for an indicator (stable over the quarters)."""
    if ind.kind == "veto":
        return np.zeros(n)
    if ind.kind in ("bonus", "penalty"):
        return np.full(n, 0.3 if ind.kind == "bonus" else 0.15)
    spans = {"%": (65, 99.5), "分": (70, 99), "起": (0.5, 8), "件": (50, 500), "万人": (10, 200)}
    lo, hi = spans.get(ind.unit, (1, 10))
    return rng.uniform(lo, hi, n)


def _quarter_values(ind: Indicator, level: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One quarter's values around each unit's level, inside the indicator's range."""
    if ind.kind == "veto":
        return (rng.random(level.size) < 0.001).astype(float)
    if ind.integer:
        return rng.poisson(level).astype(float)
    if ind.unit == "万人":
        return np.round(level, 1)
    lo, hi = ind.range or (0, 100)
    return np.round(np.clip(level + rng.normal(0, 1.5, level.size), lo, hi), 1)


def indicator_values(work: Workload, ind: Indicator, quarter: int, revision: int = 0) -> np.ndarray:
    """Every unit's value of one collected indicator in one quarter; NaN where not reported."""
    n = work.units
    level = _level(ind, _rng(work, ind.code), n)
    rng = _rng(work, ind.code, quarter, revision)
    values = _quarter_values(ind, level, rng)
    if ind.kind in ("scored", "input"):
        values[rng.random(n) < MISSING_SHARE] = np.nan
    return values


def department_frame(work: Workload, department: str, quarter: int, revision: int = 0) -> pd.DataFrame:
    """One department's values for one quarter: a row per unit, a column per indicator code."""
    catalog = workload_catalog(work)
    columns = {ind.code: indicator_values(work, ind, quarter, revision)
               for ind in catalog.collected(department)}
    return pd.DataFrame(columns, index=pd.Index(unit_table(work.units)["code"], name="unit_code"))


def long_values(work: Workload, quarter: int) -> pd.DataFrame:
    """Every collected value of one quarter in long form: unit_code, indicator_code, period, value."""
    frames = []
    for dept in department_table(work.departments)["code"]:
        wide = department_frame(work, dept, quarter)
        frames.append(wide.reset_index().melt(id_vars="unit_code", var_name="indicator_code", value_name="value"))
    out = pd.concat(frames, ignore_index=True)
    out["period"] = work.periods[quarter - 1].code
    return out.dropna(subset=["value"]).reset_index(drop=True)
