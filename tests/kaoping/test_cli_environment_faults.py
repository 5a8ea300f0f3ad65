"""Environment faults end in one Chinese / English line and exit 2, with nothing half-written
(issue 19 item 9): a database URL at a text file or in a missing folder, an impossible number of
sensitivity draws, a full disk while the workbooks are written, memory that cannot be had."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.kaoping.cli_kit import kaoping
from tests.sources.intake_kit import GOOD_ROWS, HEADER, write_csv, write_xlsx


def _one_line(code: int, err: str) -> tuple[str, str]:
    err = err.lstrip("\n")  # a progress display stopped off a terminal leaves an empty line
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    zh, en = err.strip().split(" / ", 1)
    return zh, en


def test_a_database_url_at_a_text_file_is_refused_and_the_file_left_alone(tiny_ws, capsys, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("这不是数据库\n" * 100, encoding="utf-8")
    before = hashlib.sha256(text.read_bytes()).hexdigest()
    zh, en = _one_line(*kaoping(capsys, "-w", str(tiny_ws), "--db", f"sqlite:///{text}", "status")[::2])
    assert "不是 SQLite 数据库" in zh and "not a usable database" in en
    assert hashlib.sha256(text.read_bytes()).hexdigest() == before


def test_an_sqlite_url_in_a_missing_folder_creates_nothing(tiny_ws, capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'typo' / 'deeper' / 'warehouse.db'}"
    zh, en = _one_line(*kaoping(capsys, "-w", str(tiny_ws), "--db", url, "ingest")[::2])
    assert "数据库目录不存在" in zh and str(tmp_path / "typo" / "deeper") in en
    assert not (tmp_path / "typo").exists()


def test_a_billion_sensitivity_draws_are_refused_at_config_load(tiny_ws, capsys):
    toml = tiny_ws / "kaoping.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("sensitivity_draws = 1000 ", "sensitivity_draws = 1000000000 "), encoding="utf-8")
    zh, en = _one_line(*kaoping(capsys, "-w", str(tiny_ws), "score", "--period", "2025Q3")[::2])
    assert "scoring.sensitivity_draws 应不大于 10000" in zh and "sensitivity_draws" in en


@pytest.fixture
def scored(tiny_ws: Path, capsys) -> Path:
    """The tiny workspace with both departments' 2025Q3 files taken in and a draft run scored."""
    write_xlsx(tiny_ws / "inbox" / "公安局" / "公安局_2025Q3.xlsx", [HEADER, *GOOD_ROWS])
    write_csv(tiny_ws / "inbox" / "司法局" / "司法局_2025Q3.csv",
              [["单位名称", "矛盾纠纷化解率"], ["东城县", 90], ["西城区", 80], ["南湖县(市)", 70]])
    assert kaoping(capsys, "-w", str(tiny_ws), "ingest")[0] == 0
    return tiny_ws


def test_out_of_memory_while_scoring_is_one_line_and_stores_no_run(scored, capsys, monkeypatch):
    from kaoping.scoring import engine
    from kaoping.warehouse.models import ScoreRun
    from kaoping.stages.resources import Resources

    def no_memory(*_args, **_kw):
        raise MemoryError("Unable to allocate 52.2 GiB for an array")

    monkeypatch.setattr(engine, "category_weights", no_memory)
    zh, en = _one_line(*kaoping(capsys, "-w", str(scored), "score", "--period", "2025Q3", "--sensitivity")[::2])
    assert "内存不足" in zh and "out of memory" in en
    res = Resources.open(scored)
    with res.warehouse.session() as session:
        assert session.query(ScoreRun).count() == 0
    res.close()


def test_disk_full_while_publishing_leaves_no_half_written_file(scored, capsys, monkeypatch):
    assert kaoping(capsys, "-w", str(scored), "score", "--period", "2025Q3")[0] == 0
    monkeypatch.setenv("KAOPING_FAULT", "publish@2:enospc")
    zh, en = _one_line(*kaoping(capsys, "-w", str(scored), "publish", "--period", "2025Q3")[::2])
    assert "磁盘空间不足" in zh and "no space left on device" in en
    out = scored / "out" / "2025Q3"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") and not p.name.startswith(".")]
    for workbook in out.rglob("*.xlsx"):
        load_workbook(workbook, read_only=True).close()  # every visible workbook is whole
    sent = [p for p in (scored / "outbox").rglob("*.*") if p.suffix != ".eml"]  # the .eml: intake's 回执
    assert sent == []  # no output was distributed
    monkeypatch.delenv("KAOPING_FAULT")
    code, out_text, err = kaoping(capsys, "-w", str(scored), "publish", "--period", "2025Q3")
    assert code == 0, err
