"""Registry mistakes are the operator's, not the senders' (issue 19 item 5): a unit `kind` no
catalog knows, two units with one name in a period, one alias on two departments — each stops
`validate`, `ingest` and `run` with one Chinese / English line and exit 2, before any file is judged."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.kaoping.cli_kit import kaoping
from tests.sources.intake_kit import GOOD_ROWS, HEADER, write_xlsx

MISTAKES = {
    "kind typo": ("units.csv", "U02,西城区,county,", "U02,西城区,countyy,", "unknown unit kind 'countyy'"),
    "same unit name twice": ("units.csv", "U02,西城区,county,,,,,", "U02,东城县,county,,,,,",
                             "share the name or alias '东城县'"),
    "alias on two departments": ("departments.csv", "SF,司法局,市司法局", "SF,司法局,市公安局",
                                 "two departments share the name or alias '市公安局'"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
@pytest.mark.parametrize("command", [["validate"], ["ingest"], ["run"]])
def test_a_registry_mistake_stops_before_any_file_is_judged(tiny_ws: Path, capsys, mistake, command):
    registry, before, after, english = MISTAKES[mistake]
    path = tiny_ws / registry
    assert before in path.read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    good = write_xlsx(tiny_ws / "inbox" / "公安局" / "公安局_2025Q3.xlsx", [HEADER, *GOOD_ROWS])
    args = [*command, str(good)] if command == ["validate"] else command
    code, out, err = kaoping(capsys, "-w", str(tiny_ws), *args)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    zh, en = err.split(" / ", 1)
    assert registry in zh and english in en
    assert not any((tiny_ws / "out").iterdir()) and not any((tiny_ws / "archive").iterdir())
