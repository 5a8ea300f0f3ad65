"""Configuration that would make kaoping rank or send nothing stops at load: exit 2, one line (issue 12 item 5)."""
from __future__ import annotations

from pathlib import Path


from kaoping.cli import commands  # noqa: F401  (registers the commands)
from kaoping.cli.main import main


def _workspace(tmp_path: Path) -> Path:
    from kaoping.cli.init import init_workspace

    return init_workspace(tmp_path / "ws", demo=True)


def _status(ws: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["kaoping", "-w", str(ws), "status"])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_catalog_kind_with_no_unit_is_a_configuration_error(tmp_path, monkeypatch, capsys):
    ws = _workspace(tmp_path)
    catalog = next((ws / "catalog").glob("*2025.yaml"))
    text = catalog.read_text(encoding="utf-8")
    kind = next(line.split(":", 1)[1].split("#")[0].strip() for line in text.splitlines()
                if line.strip().startswith("assessed_kind:"))
    catalog.write_text(text.replace(f"assessed_kind: {kind}", "assessed_kind: township", 1), encoding="utf-8")
    code, out = _status(ws, monkeypatch, capsys)
    assert code == 2
    assert "assessed_kind township" in out and "matches no unit" in out and "Traceback" not in out
    head, *problems = out.strip().splitlines()  # a catalog error: a head line, then every problem
    assert "共 1 个问题" in head and len(problems) == 1


def test_unknown_recipient_is_a_configuration_error(tmp_path, monkeypatch, capsys):
    ws = _workspace(tmp_path)
    with (ws / "recipients.csv").open("a", encoding="utf-8") as fh:
        fh.write("QC99,不存在的镇,qc99@example.cn\n")
    code, out = _status(ws, monkeypatch, capsys)
    assert code == 2
    assert "QC99" in out and "is no unit or department code" in out and len(out.strip().splitlines()) == 1


def test_known_recipients_and_kinds_load(tmp_path, monkeypatch, capsys):
    code, out = _status(_workspace(tmp_path), monkeypatch, capsys)
    assert code in (0, None), out
