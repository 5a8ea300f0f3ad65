"""The naive stack for the same job, written the way a first script usually is.

pandas.read_excel with openpyxl (xls through calamine: xlrd is not installed), cell-by-cell
cleaning in Python, a new Great Expectations context and suite per file, one ORM object and
one flush per spreadsheet row, and openpyxl normal-mode workbooks for the ranking and for every
unit's feedback. Its scores are a simple percentile rank per indicator: scoring is a negligible
part of the job, the I/O is what this stack is measured for. Like kaoping it stores every
unit × indicator score, and its ranking workbook carries the unit × indicator detail sheet
(指标明细) and its feedback every indicator of the unit: the same job, written naively.
"""
from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import pandas as pd
from sqlalchemy import Float, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kaoping.scoring.catalog import Catalog

QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4}


class _Base(DeclarativeBase):
    pass


class NaiveValue(_Base):
    __tablename__ = "naive_value"
    id: Mapped[int] = mapped_column(primary_key=True)
    file: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(16))
    indicator_code: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)


class NaiveScore(_Base):
    __tablename__ = "naive_score"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(16))
    indicator_code: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)


def read_any(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        for enc in ("utf-8-sig", "gbk"):
            try:
                return pd.read_csv(path, header=None, dtype=str, encoding=enc)
            except UnicodeDecodeError:
                continue
    engine = "openpyxl" if path.suffix == ".xlsx" else "calamine"
    return pd.read_excel(path, header=None, engine=engine)


def period_of(name: str) -> str:
    m = re.search(r"(\d{4})Q([1-4])", name) or re.search(r"(\d{4})年第([一二三四])季度", name)
    q = m.group(2)
    return f"{m.group(1)}Q{QUARTER_WORDS.get(q, q)}"


def clean(cell) -> float | None:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return None
    text = unicodedata.normalize("NFKC", str(cell)).strip().replace("%", "").replace(",", "")
    if text in ("", "—", "-", "/", "无"):
        return None
    return float(text)


def header_of(frame: pd.DataFrame) -> tuple[int, list[str]]:
    """(row index of the last header row, header texts), looking for 单位名称."""
    for i in range(min(10, len(frame))):
        row = [str(v) for v in frame.iloc[i].tolist()]
        if "单位名称" in row:
            if "报送指标" in row:
                below = [str(v) for v in frame.iloc[i + 1].tolist()]
                return i + 1, row[:2] + below[2:]
            return i, row
    raise ValueError("no header")


def parse_file(path: Path, catalog: Catalog, units: dict[str, str]) -> list[tuple[str, str, float | None]]:
    frame = read_any(path)
    hrow, header = header_of(frame)
    by_text = {t: ind.code for ind in catalog.all_indicators() for t in (ind.code, ind.name, *ind.aliases)}
    name_col = header.index("单位名称")
    out = []
    for _i, row in frame.iloc[hrow + 1:].iterrows():
        unit = units.get(str(row.iloc[name_col]).strip())
        if unit is None:
            continue
        for c, text in enumerate(header):
            if text in by_text:
                out.append((unit, by_text[text], clean(row.iloc[c])))
    return out


def validate(rows: list[tuple[str, str, float | None]], catalog: Catalog) -> bool:
    """A new ephemeral GX context and suite for this one file."""
    import great_expectations as gx

    frame = pd.DataFrame(rows, columns=["unit_code", "indicator_code", "value"])
    wide = frame.pivot(index="unit_code", columns="indicator_code", values="value").reset_index()
    context = gx.get_context(mode="ephemeral")
    batch_def = (context.data_sources.add_pandas("file").add_dataframe_asset("values")
                 .add_batch_definition_whole_dataframe("all"))
    suite = context.suites.add(gx.ExpectationSuite(name="file"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeUnique(column="unit_code"))
    for code in wide.columns[1:]:
        lo, hi = catalog.indicator(code).range or (None, None)
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column=code, min_value=lo, max_value=hi))
    return bool(batch_def.get_batch(batch_parameters={"dataframe": wide}).validate(suite).success)


def load(session: Session, path: Path, period: str, rows: list[tuple[str, str, float | None]]) -> None:
    """One ORM object per value, flushed row by row (one spreadsheet row = one unit)."""
    current = None
    for unit, code, value in rows:
        if current is not None and unit != current:
            session.flush()
        current = unit
        session.add(NaiveValue(file=path.name, department=path.parent.name, period=period,
                               unit_code=unit, indicator_code=code, value=value))
    session.commit()


def scores(session: Session, period: str, catalog: Catalog) -> pd.DataFrame:
    """Percentile-rank points per indicator, summed and ranked (the naive stand-in for scoring)."""
    rows = session.scalars(select(NaiveValue).where(NaiveValue.period == period)).all()
    frame = pd.DataFrame([(r.unit_code, r.indicator_code, r.value) for r in rows],
                         columns=["unit_code", "indicator_code", "value"])
    points = {i.code: i.points or 0 for c in catalog.categories for i in c.indicators}
    frame = frame[frame["indicator_code"].isin(points)]
    frame["score"] = frame.groupby("indicator_code")["value"].rank(pct=True) * frame["indicator_code"].map(points)
    frame = frame.fillna({"score": 0})
    store_scores(session, period, frame)
    return frame


def store_scores(session: Session, period: str, frame: pd.DataFrame) -> None:
    """One ORM object per unit × indicator score, flushed unit by unit."""
    for unit, part in frame.groupby("unit_code"):
        for r in part.itertuples():
            session.add(NaiveScore(period=period, unit_code=unit, indicator_code=r.indicator_code,
                                   value=None if pd.isna(r.value) else r.value, score=r.score))
        session.flush()
    session.commit()


def write_outputs(out: Path, period: str, frame: pd.DataFrame, names: dict[str, str]) -> int:
    from openpyxl import Workbook

    (out / period / "反馈").mkdir(parents=True, exist_ok=True)
    totals = frame.groupby("unit_code")["score"].sum().sort_values(ascending=False)
    wb = Workbook()
    ws = wb.active
    ws.append(["名次", "单位代码", "单位名称", "总分"])
    for rank, (unit, total) in enumerate(totals.items(), start=1):
        ws.append([rank, unit, names[unit], round(total, 2)])
    detail = wb.create_sheet("指标明细")
    detail.append(["单位代码", "单位名称", "指标", "数值", "得分"])
    for r in frame.itertuples():
        detail.append([r.unit_code, names[r.unit_code], r.indicator_code, r.value, round(r.score, 2)])
    wb.save(out / period / "排名.xlsx")
    for unit, part in frame.groupby("unit_code"):
        wb = Workbook()
        ws = wb.active
        ws.append(["指标", "数值", "得分"])
        for r in part.itertuples():
            ws.append([r.indicator_code, r.value, round(r.score, 2)])
        wb.save(out / period / "反馈" / f"{unit}_{names[unit]}.xlsx")
    return 1 + frame["unit_code"].nunique()


def naive_job(files: list[Path], catalog: Catalog, units: pd.DataFrame, folder: Path) -> dict:
    """The whole job the naive way; returns seconds, values loaded and workbooks written."""
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{folder / 'naive.db'}")
    _Base.metadata.drop_all(engine)
    _Base.metadata.create_all(engine)
    by_name = dict(zip(units["name"], units["code"]))
    names = dict(zip(units["code"], units["name"]))
    loaded, valid, periods = 0, 0, set()
    with Session(engine) as session:
        for path in files:
            rows = parse_file(path, catalog, by_name)
            valid += validate(rows, catalog)
            period = period_of(path.name)
            load(session, path, period, rows)
            loaded, periods = loaded + len(rows), periods | {period}
        workbooks = sum(write_outputs(folder / "out-naive", p, scores(session, p, catalog), names)
                        for p in sorted(periods))
    engine.dispose()
    return {"seconds": time.perf_counter() - start, "values": loaded, "files_valid": valid,
            "workbooks": workbooks}
