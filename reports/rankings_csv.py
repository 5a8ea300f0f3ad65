"""`rankings.csv` (SPEC §8): one row per ranked unit and catalog, for other programs."""
from __future__ import annotations

import csv
import io

from kaoping.reports.data import RunData
from kaoping.scoring.rounding import round2

COLUMNS = ("period", "catalog", "group", "unit_code", "unit_name", "total", "rank", "grade",
           "is_vetoed", "bonus", "penalty", "rank_change", "alerts")


def _decimal(value) -> str:
    rounded = round2(value)
    return "" if rounded is None else f"{rounded:.2f}"


def category_columns(runs: list[RunData]) -> list[str]:
    """Category codes of every catalog of the period, in catalog order, each once."""
    codes: list[str] = []
    for data in runs:
        codes += [c.code for c in data.catalog.categories if c.code not in codes]
    return codes


def _rows(data: RunData, categories: list[str]) -> list[tuple[tuple, list[str]]]:
    scores = {(r.unit_code, r.category_code): r.score for r in data.categories.itertuples()}
    out = []
    for r in data.rankings.itertuples():
        group = (r.group or "") if data.grouped else ""
        change = "" if r.rank_change is None or r.rank_change != r.rank_change else str(int(r.rank_change))
        row = [data.period.code, data.catalog.code, group, r.unit_code, r.unit_name, _decimal(r.total),
               str(int(r.rank)), r.grade, "true" if r.is_vetoed else "false", _decimal(r.bonus),
               _decimal(r.penalty), change, ";".join(a for a in (r.alerts or "").split(";") if a)]
        row += [_decimal(scores.get((r.unit_code, code))) for code in categories]
        out.append(((data.catalog.code, group, int(r.rank), r.unit_code), row))
    return out


def rankings_csv_text(runs: list[RunData]) -> str:
    """The CSV text (without BOM): header, then rows ordered by catalog, group, rank, unit_code."""
    categories = category_columns(runs)
    rows = sorted((item for data in runs for item in _rows(data, categories)), key=lambda item: item[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, *categories])
    writer.writerows(row for _, row in rows)
    return buffer.getvalue()


def rankings_csv_bytes(runs: list[RunData]) -> bytes:
    """UTF-8 with BOM, so Excel opens it with the right encoding."""
    return rankings_csv_text(runs).encode("utf-8-sig")
