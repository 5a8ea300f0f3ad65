"""The resource limits of `[intake]` are enforced before any parser reads the file: each file
below would parse (or blow up) if opened, yet it is refused by the limit it breaks."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

import hostile_files as hf
from kaoping.core.config import IntakeSettings
from kaoping.stages.resources import Resources
from kaoping.stages.intake import examine_file

LIMITS = "max_file_mb = 1\nmax_rows = 100\nmax_uncompressed_mb = 2\nmax_zip_ratio = 50\n"


@pytest.fixture
def res(tmp_path: Path):
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", LIMITS), f"sqlite:///{tmp_path / 'wh.db'}")
    yield resources
    resources.close()


def refused_by(res, validator, path: Path) -> list[str]:
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert not exam.accepted and all(p.message for p in exam.problems)
    return [p.rule for p in exam.problems]


def inbox(res, suffix: str) -> Path:
    path = res.settings.inbox_dir / "公安局" / f"{hf.NAME}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_the_workspace_limits_are_the_ones_in_force(res):
    assert res.settings.intake.model_dump(include={"max_file_mb", "max_rows", "max_uncompressed_mb",
                                                   "max_zip_ratio"}) == {
        "max_file_mb": 1, "max_rows": 100, "max_uncompressed_mb": 2, "max_zip_ratio": 50}


def test_defaults_are_bounded():
    limits = IntakeSettings()
    assert 0 < limits.max_file_mb <= 100 and 0 < limits.max_rows <= 1_000_000
    assert 0 < limits.max_uncompressed_mb <= 1024 and 1 < limits.max_zip_ratio <= 1000


def test_file_size_is_checked_before_reading(res, validator):
    # an entity bomb that the XML parser would have to refuse, padded past 1 MB with random bytes
    parts = hf.xlsx_parts(hf.sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                                       hf.billion_laughs("worksheet")))
    path = hf.write_zip(inbox(res, ".xlsx"), {**parts, "xl/media/noise.bin": os.urandom(1_200_000)})
    assert refused_by(res, validator, path) == ["file_too_large"]


def test_uncompressed_size_is_checked_before_unzipping(res, validator):
    # 2.7 MB of incompressible bytes: ratio ~1, but over max_uncompressed_mb = 2
    parts = {**hf.xlsx_parts(hf.good_sheet()), "xl/media/a.bin": os.urandom(900_000),
             "xl/media/b.bin": os.urandom(900_000), "xl/media/c.bin": os.urandom(900_000)}
    parts_path = hf.write_zip(inbox(res, ".xlsx"), parts)
    assert parts_path.stat().st_size < 1024 * 1024 * 3
    res.settings.intake.max_file_mb = 10  # only the uncompressed limit can refuse it now
    assert refused_by(res, validator, parts_path) == ["zip_bomb"]


def test_compression_ratio_is_checked_before_unzipping(res, validator):
    path = hf.write_zip(inbox(res, ".xlsx"), {**hf.xlsx_parts(hf.good_sheet()), "xl/media/zeros.bin": bytes(1_500_000)})
    assert refused_by(res, validator, path) == ["zip_bomb"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_row_limit(res, validator, suffix):
    rows = [hf.HEADER] + [["东城县", 95.5, 12]] * 120
    path = inbox(res, suffix)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        hf.write_zip(path, hf.xlsx_parts(hf.sheet_xml(hf.rows_xml(rows))))
    assert refused_by(res, validator, path) == ["too_many_rows"]


def test_a_file_within_the_limits_is_read(res, validator):
    path = hf.write_zip(inbox(res, ".xlsx"), hf.xlsx_parts(hf.good_sheet()))
    exam = examine_file(res, path, validator, department_hint="公安局")
    assert exam.accepted, exam.problems
