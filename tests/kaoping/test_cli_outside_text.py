"""Text from submissions on the console (issue 12 item 8, issue 19 item 4): `kaoping validate`,
`ingest` and `status` show cells, sheet names, file names and stored messages literally — rich
markup in them is not obeyed, escape sequences never reach the terminal, nothing crashes."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kaoping.core.display import clean
from kaoping.sources.messages import problem_reason
from tests.kaoping.cli_kit import kaoping
from tests.sources.intake_kit import write_csv, write_xlsx

MARKUP_CELLS = ["[/red]", "[bold red]x[/]"]
ESC_NAME = "公安局_2025Q3_\x1b[31m红\x1b[0m\x07.csv"


def _markup_file(folder: Path, name: str = "公安局_2025Q3_[reverse].csv") -> Path:
    return write_csv(folder / name, [["单位名称", "涉政风险隐患排查处置率", "刑事案件立案数"],
                                     ["东城县", MARKUP_CELLS[0], 1], ["西城区", MARKUP_CELLS[1], 2], ["南湖县(市)", 90, 0]])


def test_validate_shows_markup_in_cells_and_names_literally(tiny_ws, capsys):
    markup = _markup_file(tiny_ws / "incoming")
    esc = write_csv(tiny_ws / "incoming" / ESC_NAME, [["单位名称", "刑事案件立案数"], ["东城县", "[blink]九[/blink]"]])
    code, out, err = kaoping(capsys, "-w", str(tiny_ws), "validate", str(markup), str(esc))
    assert code == 1 and "Traceback" not in out + err
    assert "将被退回 公安局_2025Q3_[reverse].csv 公安局（GA） 2025Q3" in out
    assert all(text in out for text in MARKUP_CELLS + ["[blink]九[/blink]"])
    assert "公安局_2025Q3_红.csv" in out and "\x1b" not in out + err and "\x07" not in out + err


def test_status_after_a_rejection_shows_the_stored_messages_literally(tiny_ws, capsys):
    _markup_file(tiny_ws / "inbox" / "公安局")
    write_csv(tiny_ws / "inbox" / "公安局" / ESC_NAME, [["单位名称", "刑事案件立案数"], ["东城县", "[/]"]])
    code, out, err = kaoping(capsys, "-w", str(tiny_ws), "ingest")
    assert code == 1 and "Traceback" not in out + err and "\x1b" not in out + err
    assert "退回 公安局_2025Q3_[reverse].csv 公安局（GA） 2025Q3" in out and "退回 公安局_2025Q3_红.csv" in out
    for _ in range(2):  # the crash was on every later call
        code, out, err = kaoping(capsys, "-w", str(tiny_ws), "status")
        assert code == 0 and err == "", err
        assert "公安局_2025Q3_[reverse].csv" in out and "公安局_2025Q3_红.csv" in out and "\x1b" not in out
        assert all(text in out for text in MARKUP_CELLS + ["[/]"]) and "已退回" in out


def test_a_usage_error_naming_a_markup_path_is_one_clean_line(tiny_ws, capsys):
    code, _, err = kaoping(capsys, "-w", str(tiny_ws), "validate", str(tiny_ws / "[/red]\x1b[2J.csv"))
    assert code == 2 and err.count("\n") == 1 and "[/red].csv" in err and "\x1b" not in err


SHEET_CHARS = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters="[]:*?/\\'")
CELL_CHARS = st.characters(codec="utf-8", exclude_categories=["Cs"],  # what an xlsx cell can hold
                           exclude_characters="".join(map(chr, [*range(9), 11, 12, *range(14, 32)])))
NAME_CHARS = st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="/\x00")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(CELL_CHARS, max_size=30),
       sheet=st.text(SHEET_CHARS, min_size=1, max_size=31).filter(lambda s: s.strip()),
       name=st.text(NAME_CHARS, max_size=40).filter(lambda n: len(n.encode()) < 150))
def test_any_text_in_cells_sheet_names_and_file_names_is_shown_literally(tiny_ws, capsys, monkeypatch, validator,
                                                                           value, sheet, name):
    from kaoping.stages.resources import Resources
    from kaoping.stages import intake

    monkeypatch.setattr(intake, "Validator", lambda: validator)  # one GX context for every example
    path = tiny_ws / "incoming" / f"公安局_2025Q3_{name}.xlsx"
    write_xlsx(path, [["单位名称", "涉政风险隐患排查处置率"], ["东城县", f"x{value}"]], sheet=sheet)
    code, out, err = kaoping(capsys, "-w", str(tiny_ws), "validate", str(path))
    assert code in (0, 1) and "Traceback" not in out + err and err == ""
    assert f"{clean(path.name)} " in out
    res = Resources.open(tiny_ws)
    try:
        exam = intake.examine_file(res, path, validator)
    finally:
        res.close()
    assert exam.problems, "a text cell in a number column is always reported"
    for p in exam.problems:
        assert all(clean(text).strip() in out for text in (p.file, p.sheet, p.value, problem_reason(p)) if text)
