"""Physical bounds of the job: the same fact rows and the same output cells with nothing but bulk I/O.

kaoping's times are compared with these (docs/performance.md): bare read + bare write bound the
intake, bare read + bare write + bare output write bound the cold run.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Iterator

from benchmarks.workload import Workload, long_values, unit_table, workload_catalog

VALUE_COLUMNS = ("submission_id", "unit_code", "catalog_code", "indicator_code", "period", "value",
                 "raw_text", "flags", "sheet", "cell")
SCORE_COLUMNS = ("run_id", "unit_code", "indicator_code", "value_used", "score", "flags")


def value_rows(work: Workload) -> list[tuple]:
    """Every fact_value row a cold ingest writes, shaped as kaoping stores them (text, sheet, cell)."""
    rows: list[tuple] = []
    for quarter in range(1, work.quarters + 1):
        frame = long_values(work, quarter)
        cells = [f"C{i + 4}" for i in range(len(frame))]
        rows += zip([quarter] * len(frame), frame["unit_code"], ["bench"] * len(frame), frame["indicator_code"],
                    frame["period"], frame["value"].astype(float), frame["value"].astype(str),
                    [""] * len(frame), ["Sheet1"] * len(frame), cells)
    return rows


def score_rows(work: Workload) -> list[tuple]:
    """Every fact_score row the cold run's scoring writes: unit × scored indicator × quarter."""
    scored = [i.code for c in workload_catalog(work).categories for i in c.indicators]
    units = list(unit_table(work.units)["code"])
    return [(q, u, code, 1.0, 0.5, "") for q in range(1, work.quarters + 1) for u in units for code in scored]


def sqlite_write(path: Path, table: str, columns: tuple[str, ...], rows: list[tuple]) -> float:
    """Seconds to executemany `rows` into a fresh table with no index or constraint, committed."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        start = time.perf_counter()
        with conn:
            conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", rows)
        return time.perf_counter() - start
    finally:
        conn.close()


def postgres_write(url: str, table: str, columns: tuple[str, ...], rows: list[tuple]) -> float:
    """Seconds to COPY `rows` into a fresh table with no index or constraint, committed."""
    import psycopg

    plain, _, options = url.replace("+psycopg", "").partition("?options=")
    schema = options.split("%3D", 1)[1] if options else "public"
    with psycopg.connect(plain) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(f"CREATE TABLE {table} ({', '.join(c + ' text' for c in columns)})")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def bulk_write(target: str, table: str, columns: tuple[str, ...], rows: list[tuple]) -> float:
    """PostgreSQL COPY when `target` is a database URL, else SQLite executemany into the file `target`."""
    if target.startswith("postgresql"):
        return postgres_write(target, table, columns, rows)
    return sqlite_write(Path(target), table, columns, rows)


def output_cells(out: Path) -> Iterator[tuple[Path, dict[str, list[list]]]]:
    """Every workbook under `out/` with its cells by sheet, as python-calamine reads them."""
    from python_calamine import CalamineWorkbook

    for path in sorted(out.rglob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        yield path, {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def xlsxwriter_write(books: list[tuple[Path, dict[str, list[list]]]], target: Path) -> float:
    """Seconds to write the same cells into as many workbooks: XlsxWriter constant memory, no styles."""
    import xlsxwriter

    target.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for index, (_source, sheets) in enumerate(books):
        book = xlsxwriter.Workbook(str(target / f"{index}.xlsx"), {"constant_memory": True})
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name[:31])
            for r, row in enumerate(rows):
                sheet.write_row(r, 0, row)
        book.close()
    return time.perf_counter() - start


def cell_count(books: list[tuple[Path, dict[str, list[list]]]]) -> int:
    return sum(len(row) for _path, sheets in books for rows in sheets.values() for row in rows)
