"""Workbook building blocks: text stays text, widths, atomic and idempotent writes, fixed bytes."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import openpyxl
import pytest

from kaoping.reports import files
from kaoping.reports.files import AtomicWrites, write_atomic
from kaoping.reports.xlsx.cells import column_styles, put_row
from kaoping.reports.xlsx.columns import NumberColumn
from kaoping.reports.xlsx.pages import column_blocks
from kaoping.reports.xlsx.tables import column_table
from kaoping.reports.xlsx.widths import display_width
from kaoping.reports.xlsx.workbook import new_workbook, workbook_bytes


def test_text_with_formula_prefixes_is_written_as_text(tmp_path):
    wb = new_workbook("t", datetime(2025, 1, 1, tzinfo=timezone.utc))
    ws = wb.create_sheet("s")
    risky = ["=1+1", "+86 10 1234", "-5", "@SUM(A1)", "=cmd|' /C calc'!A0", "普通\x07文本"]
    put_row(ws, 1, risky)
    path = tmp_path / "t.xlsx"
    path.write_bytes(workbook_bytes(wb))
    back = openpyxl.load_workbook(path)["s"]
    assert [c.value for c in back[1]] == risky[:-1] + ["普通文本"]
    assert {c.data_type for c in back[1]} == {"s"}
    assert back["A1"].quotePrefix


def test_display_width_counts_cjk_twice():
    assert display_width("东城区") == 6 and display_width("A01") == 3
    assert display_width("政治安全\n(40分)") == 8 and display_width(95.5) == 5


def test_same_content_same_bytes_and_no_rewrite(tmp_path):
    def build():
        wb = new_workbook("标题", datetime(2025, 10, 10, 2, 0, tzinfo=timezone.utc))
        put_row(wb.create_sheet("表"), 1, ["单位", 1.5])
        return workbook_bytes(wb)

    first = build()
    assert build() == first
    path = tmp_path / "out" / "a.xlsx"
    assert write_atomic(path, first) is True
    os.utime(path, ns=(5, 5))
    assert write_atomic(path, build()) is False and path.stat().st_mtime_ns == 5
    assert write_atomic(path, b"other") is True and path.read_bytes() == b"other"
    assert [p.name for p in path.parent.iterdir()] == ["a.xlsx"]  # no temp files left behind


def test_wide_tables_print_in_whole_blocks_of_columns():
    # 2 fixed columns of 10, then blocks ending at columns 4, 9, 11 (widths 2×20, 5×12, 2×30)
    widths = [10, 10, 20, 20, 12, 12, 12, 12, 12, 30, 30]
    scale, breaks = column_blocks(widths, [4, 9, 11], title_cols=2)
    # the widest page needs 20 + 60 = 80 ≤ 100 at 100 %: blocks 1 (40) + 2 (60) do not share a
    # page (20 + 100 > 100), blocks 2 and 3 neither (60 + 60 > 80): a break after 4 and after 9
    assert (scale, breaks) == (100, [4, 9])
    scale, breaks = column_blocks([10, 10, 150, 20], [3, 4], title_cols=2)
    assert scale == int(100 * 100 / 170) and breaks == [3]


def test_batched_writes_rename_a_batch_at_once_and_leave_no_temp_files(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "BATCH_FILES", 2)
    with AtomicWrites() as writes:
        assert writes.write(tmp_path / "a", b"1") is True
        assert not (tmp_path / "a").exists()  # waits for its batch
        writes.write(tmp_path / "b", b"2")
        assert (tmp_path / "a").read_bytes() == b"1" and (tmp_path / "b").read_bytes() == b"2"
        assert writes.stream(tmp_path / "c", lambda out: out.write(b"3")) is True
    assert (tmp_path / "c").read_bytes() == b"3"
    with AtomicWrites() as writes:
        assert writes.stream(tmp_path / "c", lambda out: out.write(b"3")) is False
        assert writes.write(tmp_path / "a", b"1") is False
    with pytest.raises(RuntimeError), AtomicWrites() as writes:
        writes.write(tmp_path / "d", b"4")
        raise RuntimeError("crash before the batch is complete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]  # neither d nor a temp file


def test_a_mark_among_numbers_lines_up_with_them(tmp_path):
    """不计分 in a column of scores is right-aligned like the numbers, not left like text."""
    import io

    import numpy as np
    import openpyxl

    wb = new_workbook("t", datetime(2025, 1, 1))
    ws = wb.create_sheet("s")
    column = NumberColumn(np.array([1.5, np.nan]), column_styles(ws, 1), marked=np.array([False, True]),
                          mark="不计分")
    column_table(ws, "t", None, ["得分"], [column], [10], np.arange(2))
    cells = openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))["s"]
    assert cells["A4"].value == 1.5 and cells["A5"].value == "不计分"
    assert cells["A5"].alignment.horizontal == cells["A4"].alignment.horizontal == "right"
