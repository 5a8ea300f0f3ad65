"""The .csv reader: text decoded as UTF-8 (with or without BOM), else GB18030; one "sheet" named after the file."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from kaoping.core.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.grid import cell, too_many_cells, too_many_rows
from kaoping.sources.problems import FileRefused, make_problem


def decoded_csv(raw: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _csv_cells(text: str, raw: bytes, limits: IntakeSettings) -> int:
    """The CSV's non-empty cells, counted without keeping them when the separators allow too many."""
    if raw.count(b",") + raw.count(b"\n") + raw.count(b"\r") + 1 <= limits.max_cells:
        return 0  # an upper bound already within the limit
    count = 0
    for line in csv.reader(io.StringIO(text, newline="")):
        count += sum(1 for v in line if v.strip() != "")
        if count > limits.max_cells:
            break
    return count


def csv_rows(path: Path, limits: IntakeSettings, name: str) -> tuple[list[tuple], list[str], dict]:
    raw = path.read_bytes()
    try:
        text = decoded_csv(raw)
    except UnicodeDecodeError:
        raise FileRefused(make_problem("unreadable", readable(name), detail="无法识别文本编码")) from None
    sheet = readable(Path(name).stem)[:31]  # the "sheet" of a CSV is its file name, as Excel shows it
    if _csv_cells(text, raw, limits) > limits.max_cells:
        raise too_many_cells(name, sheet, limits)
    del raw
    rows = []
    # newline="": a line may end in \n, \r\n or a lone \r (old Mac, some exports)
    for r, line in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if r > limits.max_rows:
            raise too_many_rows(name, sheet, limits)
        rows += [cell(sheet, r, c, v) for c, v in enumerate(line, start=1) if v.strip() != ""]
    return rows, [sheet], {}
