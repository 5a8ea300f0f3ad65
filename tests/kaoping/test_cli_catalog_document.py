"""`kaoping catalog show FILE` and `kaoping catalog export FILE --out DIR` (issue 15, 指标下达): every
indicator with the words the ranking workbook's 说明 sheet uses, department names inside a workspace,
every problem of a bad file listed with exit 2."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaoping.sources.catalogs import load_catalog
from kaoping.reports import texts
from kaoping.reports.catalog_document import document_order
from kaoping.reports.reasons import method_note
from kaoping.cli.init import init_workspace
from tests.kaoping.cli_kit import kaoping
from tests.kaoping.test_cli_catalog import BAD_CATALOG
from tests.scoring.rules_cases import EVERY_FAMILY

# a 报送时限 and a grade quota too, so the document states them
CATALOG = EVERY_FAMILY.replace("  combine:", "  deadline_days: 10\n  combine:").replace(
    "{name: 优秀, min_score: 90}", "{name: 优秀, min_score: 90, max_share: 0.3}")
DEPARTMENTS = {"GA": "市公安局", "SF": "市司法局", "ZFW": "市委政法委"}


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    """The catalog outside any workspace."""
    path = tmp_path / "loose" / "rules-2025.yaml"
    path.parent.mkdir()
    path.write_text(CATALOG, encoding="utf-8")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace whose catalog/ holds the catalog, with its departments and the 城区 group."""
    root = init_workspace(tmp_path / "ws")
    (root / "units.csv").write_text("code,name,kind,parent,group,aliases,valid_from,valid_to\n"
                                    "U1,甲县,county,,城区,,,\nU2,乙县,county,,县域,,,\n", encoding="utf-8")
    (root / "departments.csv").write_text("code,name,aliases\n" + "".join(
        f"{c},{n},\n" for c, n in DEPARTMENTS.items()), encoding="utf-8")
    (root / "catalog" / "rules-2025.yaml").write_text(CATALOG, encoding="utf-8")
    return root


def _words(path: Path) -> dict[str, str]:
    """Indicator code → the words the 说明 sheet shows for it (method_note over the same catalog)."""
    catalog = load_catalog(path)
    return {i.code: method_note(i, catalog) for i in document_order(catalog)}


def test_show_lists_every_indicator_with_its_words_and_department_names(ws, capsys, wide_console):
    path = ws / "catalog" / "rules-2025.yaml"
    code, out, err = kaoping(capsys, "catalog", "show", str(path))
    assert code == 0, err
    words = _words(path)
    assert sorted(words) == sorted(i.code for i in load_catalog(path).all_indicators())
    for indicator, rule in words.items():
        assert f" {indicator} " in out and rule in out, indicator
    for dept, name in DEPARTMENTS.items():
        assert f"{name}（{dept}）" in out
    for field in ("等次评定", "扣分限额：平安三率：扣分一、扣分二合计最多扣 4 分",
                  "年度综合 = 季度平均 × 60% + 年终考核 × 40%", "报送时限：各部门于每个考评期间结束后 10 日内报送数据",
                  "且名次在前 30%（最多 floor(30% × 参评单位数) 个）"):
        assert field in out, field


def test_show_outside_a_workspace_names_departments_by_code_and_says_nothing_about_it(catalog_file, capsys,
                                                                                       wide_console):
    code, out, err = kaoping(capsys, "catalog", "show", str(catalog_file))
    assert code == 0 and err == ""
    assert "市公安局" not in out and " GA " in out.replace("\n", " ")
    assert "工作区" not in out


def test_show_fits_an_80_column_terminal(ws, capsys, monkeypatch):
    from kaoping.cli import app as cli

    monkeypatch.setattr(cli.console, "width", 80)
    code, out, _ = kaoping(capsys, "catalog", "show", str(ws / "catalog" / "rules-2025.yaml"))
    table = out[:out.index("等次评定")]
    assert code == 0 and max(len(line.rstrip()) + sum(ord(c) > 0x2e80 for c in line.rstrip())
                             for line in table.splitlines()) <= 80


def test_export_writes_one_row_per_indicator_with_the_notes_sheet_words(ws, tmp_path, capsys):
    path = ws / "catalog" / "rules-2025.yaml"
    out_dir = tmp_path / "new" / "folder"
    code, out, err = kaoping(capsys, "catalog", "export", str(path), "--out", str(out_dir))
    assert code == 0, err
    written = out_dir / "rules-2025_考评细则.xlsx"
    assert written.is_file() and str(written) in out.replace("\n", "")
    sheet = load_workbook(written)[texts.SHEET_CATALOG]
    assert sheet["A1"].value == "2025年度规则测试考评细则"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(list(texts.CATALOG_HEADERS))
    body = rows[header + 1:]
    words = _words(path)
    assert [r[1] for r in body] == list(words)  # one row per indicator, in the document's order
    assert {r[1]: r[5] for r in body} == words
    assert body[0][:5] == ["社会治安\n(40分)", "I1", "破案率", "20", "市公安局（GA）"]
    assert all(r[6] == "期末后 10 日内" for r in body if r[4] != texts.CATALOG_COMPUTED)
    assert sheet.print_title_rows == f"${header + 1}:${header + 1}"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) and sheet.page_setup.fitToWidth == 1
    fields = {r[0]: r[1] for r in rows[2:header] if r[0]}
    assert fields[texts.CATALOG_POOLS] == "平安三率：扣分一、扣分二合计最多扣 4 分"
    assert fields[texts.CATALOG_COMBINE].startswith("年度综合 = 季度平均 × 60% + 年终考核 × 40%")


def test_export_again_leaves_an_unchanged_file_alone(catalog_file, tmp_path, capsys):
    args = ("catalog", "export", str(catalog_file), "--out", str(tmp_path / "o"))
    assert kaoping(capsys, *args)[0] == 0
    written = tmp_path / "o" / "rules-2025_考评细则.xlsx"
    before = written.stat().st_mtime_ns, written.read_bytes()
    assert kaoping(capsys, *args)[0] == 0
    assert (written.stat().st_mtime_ns, written.read_bytes()) == before
    assert [p.name for p in (tmp_path / "o").iterdir()] == [written.name]  # no temp file left


@pytest.mark.parametrize("placement", ["before", "after"])
def test_global_options_work_before_and_after_catalog_commands(placement, ws, catalog_file, tmp_path, capsys,
                                                               wide_console):
    options = ["-w", str(ws), "--db", f"sqlite:///{tmp_path / 'elsewhere.db'}"]
    for command in (["catalog", "show", str(catalog_file)],
                    ["catalog", "export", str(catalog_file), "--out", str(tmp_path / placement)]):
        code, out, err = kaoping(capsys, *(options + command if placement == "before" else command + options))
        assert code == 0, err
    assert "市公安局（GA）" in kaoping(capsys, *options, "catalog", "show", str(catalog_file))[1]
    sheet = load_workbook(tmp_path / placement / "rules-2025_考评细则.xlsx")[texts.SHEET_CATALOG]
    assert "市司法局（SF）" in [c.value for c in sheet["E"]]
    assert not (tmp_path / "elsewhere.db").exists()  # the catalog commands never open the warehouse


def test_the_workspace_variable_names_the_workspace_too(ws, catalog_file, capsys, monkeypatch, wide_console):
    monkeypatch.setenv("KAOPING_WORKSPACE", str(ws))
    code, out, err = kaoping(capsys, "catalog", "show", str(catalog_file))
    assert code == 0 and "市委政法委（ZFW）" in out, err


@pytest.mark.parametrize("command", ["show", "export"])
def test_a_bad_catalog_lists_every_problem_and_exits_2(command, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_CATALOG, encoding="utf-8")
    extra = ["--out", str(tmp_path / "o")] if command == "export" else []
    code, out, err = kaoping(capsys, "catalog", command, str(bad), *extra)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert "共 5 个问题" in lines[0] and "5 problem(s)" in lines[0] and len(lines) == 6
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_inside_a_workspace_an_unknown_department_is_a_problem(ws, capsys):
    (ws / "departments.csv").write_text("code,name,aliases\nGA,市公安局,\nSF,市司法局,\n", encoding="utf-8")
    code, _, err = kaoping(capsys, "catalog", "show", str(ws / "catalog" / "rules-2025.yaml"))
    assert code == 2 and "ZFW" in err


@pytest.mark.parametrize("args, zh, en", [
    (["catalog", "show", "missing.yaml"], "文件不存在", "no such file"),
    (["catalog", "export", "missing.yaml", "--out", "o"], "文件不存在", "no such file"),
    (["catalog", "show"], "缺少参数", "Missing argument"),
    (["catalog", "export", "x.yaml"], "缺少选项", "Missing option"),
])
def test_usage_mistakes_are_one_line_and_exit_2(args, zh, en, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = kaoping(capsys, *args)
    assert code == 2 and zh in err and en in err and len(err.strip().splitlines()) == 1


def test_an_output_folder_that_is_a_file_is_refused_in_one_line(catalog_file, capsys):
    code, _, err = kaoping(capsys, "catalog", "export", str(catalog_file), "--out", str(catalog_file))
    assert code == 2 and "无法写入输出目录" in err and "cannot write" in err and len(err.strip().splitlines()) == 1


def test_a_workspace_option_that_is_no_workspace_is_refused(catalog_file, tmp_path, capsys):
    code, _, err = kaoping(capsys, "catalog", "show", str(catalog_file), "-w", str(tmp_path))
    assert code == 2 and "不是 kaoping 工作区" in err
