"""The sample catalog of `kaoping init` loads and scores its sample units; catalog errors are all
listed in plain words; a missing catalog is named as such (issue 13)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kaoping.sources.catalogs import load_catalogs
from kaoping.sources.registry import Registry
from kaoping.cli.init import init_workspace
from tests.kaoping.test_cli_options import kaoping

YEAR = date.today().year
VALUES = {  # department folder → indicator → value per sample unit (SZ01..SZ04)
    "GA": {"命案现案破案率": [100, 95, 90, 85], "民转刑命案": [0, 1, 0, 2], "刑事案件立案数": [300, 420, 260, 380]},
    "SF": {"矛盾纠纷调解成功率": [97.5, 95, 99, 92]},
    "TJ": {"常住人口": [60, 48, 35, 52]},
    "ZFW": {"获省级以上表彰": [1, 0, 3, 0], "瞒报迟报重要信息": [0, 0, 1, 0], "发生重大群体性事件": [0, 0, 0, 1]},
}


def _submit(ws: Path, period: str) -> None:
    units = ["东城区", "西城区", "南山县", "北湖县"]
    for dept, indicators in VALUES.items():
        rows = [f"{u},{name},{v[i]}" for name, v in indicators.items() for i, u in enumerate(units)]
        folder = ws / "inbox" / dept
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{dept}_{period}.csv").write_text("单位,指标,数值\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_the_sample_catalog_is_valid_for_the_sample_registry(tmp_path):
    ws = init_workspace(tmp_path / "ws", sample=True)
    registry = Registry.load(ws)
    [catalog] = load_catalogs(ws / "catalog", set(registry.departments["code"]))
    assert catalog.year == YEAR and catalog.assessed_kind == "county"
    assert len(registry.units_in(str(YEAR), "county")) == 4
    text = (ws / "catalog" / f"sample-county-{YEAR}.yaml").read_text(encoding="utf-8")
    assert text.count("#") > 20  # commented for a reader


def test_the_sample_workspace_ingests_scores_and_ranks(tmp_path, capsys, monkeypatch):
    from kaoping.cli import app as cli

    monkeypatch.setattr(cli.console, "width", 200)
    ws = init_workspace(tmp_path / "ws", sample=True)
    period = f"{YEAR}Q1"
    code, out, err = kaoping(capsys, "-w", str(ws), "template", "-p", f"{YEAR}年第一季度", "--out", str(tmp_path / "t"))
    assert code == 0, err
    assert len(list((tmp_path / "t").glob("*.xlsx"))) == 4
    _submit(ws, period)
    code, out, err = kaoping(capsys, "ingest", "-w", str(ws))
    assert code == 0, out + err
    assert out.count("接收") == 4
    code, out, err = kaoping(capsys, "score", "-w", str(ws), "-p", period)
    assert code == 0, out + err
    for name in ("东城区（SZ01）", "西城区（SZ02）", "南山县（SZ03）", "北湖县（SZ04）"):
        assert name in out
    assert "不合格" in out  # 北湖县's veto


def test_kaoping_init_writes_the_sample(tmp_path, capsys):
    code, out, _ = kaoping(capsys, "init", str(tmp_path / "new"))
    assert code == 0 and f"catalog/sample-county-{YEAR}.yaml" in out.replace("\n", "")
    assert (tmp_path / "new" / "catalog" / f"sample-county-{YEAR}.yaml").is_file()
    assert Registry.load(tmp_path / "new").units["code"].tolist() == ["SZ", "SZ01", "SZ02", "SZ03", "SZ04"]


def test_init_beside_existing_registries_writes_no_sample_catalog(tmp_path):
    (tmp_path / "departments.csv").write_text("code,name,aliases\nGA,公安局,\n", encoding="utf-8")
    init_workspace(tmp_path, force=True, sample=True)
    assert list((tmp_path / "catalog").iterdir()) == []


BAD_CATALOG = """\
catalog:
  code: bad-2025
  name: 有错的细则
  year: 2025
  assessed_kind: county
  missing: zeroo
  grades:
    - {name: 优秀, min_score: 90, max_share: 1.5}
    - {name: 合格}
  colour: red
categories:
  - code: C01
    name: 社会治安
    points: 100
    indicators:
      - {code: C01-01, name: a, source: GA, method: treshold, direction: higher_better, points: 60, target: 100}
      - {code: C01-02, name: b, source: GA, method: deduction, points: forty, per: 1}
"""


def test_catalog_errors_are_all_listed_in_chinese_and_english_without_library_text(tmp_path, capsys):
    ws = init_workspace(tmp_path / "ws", sample=True)
    (ws / "catalog" / "bad.yaml").write_text(BAD_CATALOG, encoding="utf-8")
    code, out, err = kaoping(capsys, "score", "-w", str(ws), "-p", "2025Q3")
    assert code == 2
    lines = err.strip().splitlines()
    assert "共 5 个问题" in lines[0] and "5 problem(s)" in lines[0] and "bad.yaml" in lines[0]
    problems = lines[1:]
    assert len(problems) == 5 and all(" / " in line for line in problems)
    for expected in ("字段 missing 取值应为 'zero', 'previous', 'exclude' 之一（填写的是 'zeroo'）",
                     "等次第 1 项的字段 max_share 应不大于 1",
                     "C01-01 的字段 method 取值应为", "C01-02 的字段 points 应为数字（填写的是 'forty'）",
                     "字段 colour 是未知字段"):
        assert any(expected in line for line in problems), expected
    for jargon in ("Input should", "pydantic", "另有", "literal_error", "categories.0"):
        assert jargon not in err


@pytest.mark.parametrize("args, zh, en", [
    (["template", "-p", "2031Q1", "--out", "t"], "没有 2031 年的考评细则", "no 2031 catalog"),
    (["score", "-p", "2031Q1"], "没有 2031 年的考评细则", "no 2031 catalog"),
    (["publish", "-p", "2031Q1"], "没有 2031 年的考评细则", "no 2031 catalog"),
    (["status", "-p", "2031Q1"], "没有 2031 年的考评细则", "no 2031 catalog"),
    (["run", "-p", "2031Q1"], "没有 2031 年的考评细则", "no 2031 catalog"),
])
def test_a_period_without_a_catalog_is_named_as_such(args, zh, en, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ws = init_workspace(tmp_path / "ws", sample=True)
    code, out, err = kaoping(capsys, *args, "-w", str(ws))
    assert code == 2 and zh in err and en in err and len(err.strip().splitlines()) == 1
    assert "没有新内容" not in out + err and "缺报: 无" not in out


def test_run_in_a_workspace_without_any_catalog_says_so(tmp_path, capsys):
    ws = init_workspace(tmp_path / "ws", sample=True)
    for path in (ws / "catalog").iterdir():
        path.unlink()
    code, out, err = kaoping(capsys, "run", "-w", str(ws))
    assert code == 2 and "没有考评细则" in err and "no catalog" in err and "没有新内容" not in out
