"""The demo city: catalogs that use every rule, registries, and the seeded submission generator."""
from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
import xlrd
from openpyxl import load_workbook

from kaoping.demo import DEMO_PERIODS, demo_files, generate_submissions, write_demo_submissions
from kaoping.demo.plan import ALL_QUIRKS
from kaoping.cli.init import WorkspaceExists, init_workspace
from kaoping.sources.catalogs import parse_catalog
from kaoping.sources.registry import Registry

DEPARTMENTS = {"ZFW", "GA", "FY", "JCY", "SF", "XF", "YJ", "WX", "TJ", "MZ", "WJ", "JY", "SJ", "JT", "XFZD"}
COUNTIES = {f"QH{i:02d}" for i in range(1, 13)}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return init_workspace(tmp_path_factory.mktemp("demo") / "ws", demo=True)


@pytest.fixture(scope="module")
def corpus(workspace):
    """The corpus record of the demo (the files are already there, so nothing is rewritten)."""
    return write_demo_submissions(workspace)


@pytest.fixture(scope="module")
def catalogs(workspace):
    deps = set(Registry.load(workspace).departments["code"])
    return {c.year: c for c in (parse_catalog((workspace / "catalog" / f"demo-county-{y}.yaml").read_text("utf-8"),
                                              departments=deps) for y in (2024, 2025))}


def _fresh_demo(folder: Path, seed: int = 2025):
    for rel, text in demo_files().items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return write_demo_submissions(folder, seed=seed)


def _fingerprint(folder: Path) -> dict[str, tuple[str, float]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
            for p in sorted((folder / "inbox").rglob("*")) if p.is_file()}


def _grid(path: Path) -> list[list[str]]:
    """Every cell of the file's first sheet as text (the test's own reader)."""
    if path.suffix == ".xlsx":
        ws = load_workbook(path).active
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    if path.suffix == ".xls":
        sheet = xlrd.open_workbook(path).sheet_by_index(0)
        return [[str(v) for v in sheet.row_values(r)] for r in range(sheet.nrows)]
    raw = path.read_bytes()
    text = raw[3:].decode("utf-8") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gbk")
    return list(csv.reader(io.StringIO(text)))


# --- catalogs -----------------------------------------------------------------------------------

def test_both_catalogs_parse_with_every_source_a_known_department(catalogs):
    for catalog in catalogs.values():
        assert catalog.full_marks == 100 and catalog.assessed_kind == "county"
        assert [c.name for c in catalog.categories] == ["政治安全", "社会治安", "矛盾纠纷化解", "公共安全", "网络安全",
                                                        "基层基础", "群众安全感"]
        assert 20 <= sum(len(c.indicators) for c in catalog.categories) <= 25
        assert {i.source for i in catalog.collected()} == DEPARTMENTS


def test_the_2025_catalog_alone_uses_every_method_and_feature(catalogs):
    cat = catalogs[2025]
    scored = [i for c in cat.categories for i in c.indicators]
    assert {i.method for i in scored} == {"threshold", "relative", "rank", "deduction", "bands"}
    assert any(v.grade_effect != "veto" and v.grade_effect.max_grade == "良好" for v in cat.vetoes)  # 限制等次
    assert cat.penalty_groups and cat.combined("year") and not catalogs[2024].combine  # 限扣, 年度综合
    assert any(i.method == "threshold" and i.direction == "higher_better" and i.floor for i in scored)
    assert any(i.method == "threshold" and i.direction == "lower_better" and i.ceiling for i in scored)
    assert any(i.method == "relative" and i.base for i in scored)
    assert any(i.method == "rank" and i.step and i.min_points for i in scored)
    assert any(i.derived and i.derived.ratio == ("CR", "POP") and i.derived.scale == 1 for i in scored)
    assert any(i.derived and i.derived.yoy == "FRAUD" for i in scored)
    assert [d.code for d in cat.derived] == ["FRAUDR"] and cat.derived[0].derived.ratio == ("FRAUD", "POP")
    assert cat.bonus_cap == 4 and all(b.per for b in cat.bonus) and any(b.cap for b in cat.bonus)
    assert any(p.cap for p in cat.penalties) and any(p.cap is None for p in cat.penalties)
    assert cat.vetoes and cat.veto_grade == "不合格"
    assert cat.missing == "zero" and {i.missing for i in scored} >= {"previous", "exclude"}
    assert cat.tie_breakers and any(g.max_share for g in cat.grades)
    assert cat.rank_within == "group" and catalogs[2024].rank_within is None
    assert cat.alerts.last_place_streak == 2 and cat.alerts.grade_drop
    assert "POP" in {i.code for i in cat.inputs}
    assert any(i.aliases for i in cat.all_indicators())


def test_collected_indicators_carry_validation_bounds(catalogs):
    for catalog in catalogs.values():
        collected = catalog.collected()
        assert all(i.range for i in collected)
        assert {"C01-02", "CR", "FRAUD", "B01", "P01", "V01"} <= {i.code for i in collected if i.integer}


def test_the_yoy_base_is_collected_the_year_before(catalogs):
    assert "FRAUD" in {i.code for i in catalogs[2024].collected("GA")}


# --- registries ---------------------------------------------------------------------------------

def test_the_city_has_twelve_counties_in_two_groups_and_a_renamed_one(workspace):
    registry = Registry.load(workspace)
    counties = registry.units_in("2025Q3", "county")
    assert set(counties["code"]) == COUNTIES
    assert counties.groupby("group").size().to_dict() == {"城区": 5, "县域": 7}
    assert registry.resolve_unit("清源县") == "QH05" == registry.resolve_unit("清源区")
    assert registry.resolve_unit("长宁市（县级市）") == "QH06"
    assert "QH90" not in set(registry.units_in("2024Q4")["code"]) and "QH90" in set(registry.units_in("2025Q1")["code"])
    assert set(registry.departments["code"]) == DEPARTMENTS
    emails = registry.recipients.set_index("recipient")["email"]
    assert COUNTIES <= set(emails.index) and "leaders" in set(emails.index)
    assert all(e.endswith("@example.gov.cn") for e in emails)


# --- the generator ------------------------------------------------------------------------------

def test_same_seed_gives_byte_identical_files_and_times(workspace, tmp_path):
    _fresh_demo(tmp_path / "again")
    assert _fingerprint(tmp_path / "again") == _fingerprint(workspace)


def test_another_seed_gives_other_values(workspace, catalogs, tmp_path):
    registry = Registry.load(workspace)
    runs = [generate_submissions(tmp_path / str(seed), registry, [catalogs[2025]], ["2025Q1"], seed=seed)
            for seed in (2025, 7)]
    mine, theirs = (r.current_values().set_index(["unit_code", "indicator_code"])["value"] for r in runs)
    common = mine.index.intersection(theirs.index)
    assert len(common) > 200 and (mine[common] != theirs[common]).mean() > 0.3


def test_about_one_file_in_five_is_messy_and_every_quirk_occurs(corpus):
    assert 0.15 <= len(corpus.messy) / len(corpus.files) <= 0.25
    seen = {q for f in corpus.files for q in f.quirks}
    assert seen == set(ALL_QUIRKS)


def test_formats_are_what_their_names_say(corpus):
    by_fmt = {f.fmt: f.path.read_bytes() for f in corpus.files}
    assert by_fmt["xls"].startswith(bytes.fromhex("d0cf11e0a1b11ae1"))
    assert by_fmt["xlsx"].startswith(b"PK")
    assert by_fmt["csv_utf8bom"].startswith(b"\xef\xbb\xbf")
    gbk = by_fmt["csv_gbk"]
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert "单位" in gbk.decode("gbk")


MARKERS = {
    "title_rows": lambda g, f: "平安建设考评指标数据统计表" in g[0][0],
    "footer": lambda g, f: any(c.startswith("填报人：") and "审核人：" in c for row in g for c in row),
    "total_row": lambda g, f: any(c in ("合计", "总计") for row in g for c in row),
    "blank_rows": lambda g, f: any(not any(c.strip() for c in row) for row in g[1:-1]),
    "long": lambda g, f: any(row[:4] == ["单位", "指标", "数值", "期间"] for row in g),
    "fullwidth": lambda g, f: any(re.search("[０-９]", c) for row in g for c in row),
    "percent_text": lambda g, f: any(re.fullmatch(r"\d+(\.\d+)?%", c) for row in g for c in row),
    "thousands": lambda g, f: any(re.fullmatch(r"\d{1,3}(,\d{3})+", c) for row in g for c in row),
    "count_suffix": lambda g, f: any(re.fullmatch(r"\d+ ?(起|人|人次|项|次)", c) for row in g for c in row),
    "missing_markers": lambda g, f: any(c in ("—", "/", "无", "-", "不适用") for row in g for c in row),
    "code_headers": lambda g, f: any(re.fullmatch(r"(C\d\d-\d\d|[BPV]\d\d|POP|CR|FRAUD)", c) for row in g for c in row),
    "period_in_title": lambda g, f: not re.search(r"20\d\d", f.path.name) and f.period[:4] in g[0][0],
}


@pytest.mark.parametrize("quirk", sorted(MARKERS))
def test_each_messy_file_shows_its_quirk(corpus, quirk):
    files = [f for f in corpus.files if quirk in f.quirks]
    assert files
    for f in files:
        assert MARKERS[quirk](_grid(f.path), f), f.path


def test_unit_aliases_use_names_outside_the_registry_spelling(corpus, workspace):
    registry = Registry.load(workspace)
    names = set(registry.units["name"])
    for f in (f for f in corpus.files if "unit_aliases" in f.quirks):
        texts = [row[0] for row in _grid(f.path) if row and registry.resolve_unit(row[0])]
        assert any(t not in names for t in texts), f.path


def test_percent_formatted_cells_hold_fractions(corpus):
    f = next(f for f in corpus.files if "percent_format" in f.quirks and f.fmt == "xlsx")
    cells = [c for row in load_workbook(f.path).active.iter_rows() for c in row if "%" in c.number_format]
    assert cells and all(0 <= c.value <= 1 for c in cells)


def test_merged_headers_are_merged(corpus):
    f = next(f for f in corpus.files if "merged_header" in f.quirks and f.fmt == "xlsx")
    assert load_workbook(f.path).active.merged_cells.ranges


def test_three_files_must_be_rejected_and_show_their_defect(corpus, catalogs, workspace):
    rejected = corpus.rejected
    assert sorted(f.defect.rule for f in rejected) == ["non_numeric", "out_of_range", "unknown_unit"]
    registry = Registry.load(workspace)
    for f in rejected:
        sheet = load_workbook(f.path)[f.defect.sheet]
        value = sheet[f.defect.cell].value
        assert value == f.defect.value
        if f.defect.rule == "unknown_unit":
            name = sheet.cell(sheet[f.defect.cell].row, sheet[f.defect.cell].column + 1).value
            assert (value, name) == ("QH13", "临江新区")
            assert registry.resolve_unit(value) is None and registry.resolve_unit(name) is None
        elif f.defect.rule == "out_of_range":
            assert value > catalogs[2025].indicator(f.defect.indicator_code).range[1]
        else:
            assert value == "待统计"
        resend = [g for g in corpus.files if (g.department, g.period, g.status) == (f.department, f.period, "accepted")]
        assert len(resend) == 1 and resend[0].received_at > f.received_at and "重报" in resend[0].path.name


def test_one_resubmission_corrects_two_values(corpus):
    [old] = [f for f in corpus.files if f.status == "superseded"]
    [new] = [f for f in corpus.files if (f.department, f.period, f.status) == (old.department, old.period, "accepted")]
    assert new.path.stem.endswith("_更正") and new.received_at > old.received_at
    key = ["unit_code", "indicator_code"]
    a = corpus.truth[corpus.truth["file"] == corpus.relative(old.path)].set_index(key)["value"]
    b = corpus.truth[corpus.truth["file"] == corpus.relative(new.path)].set_index(key)["value"]
    assert a.index.equals(b.index) and int((a != b).sum()) == 2


def test_truth_covers_every_department_and_period(corpus, catalogs):
    values = corpus.current_values()
    pairs = set(zip(values["department"], values["period"]))
    assert pairs == {(d, p) for d in DEPARTMENTS for p in DEMO_PERIODS}
    for (dept, period), part in values.groupby(["department", "period"]):
        assert set(part["indicator_code"]) <= {i.code for i in catalogs[int(period[:4])].collected(dept)}
        assert set(part["unit_code"]) <= COUNTIES


def test_truth_matches_a_clean_file_cell_by_cell(corpus):
    f = next(f for f in corpus.files if not f.quirks and f.status == "accepted" and f.department == "GA")
    rows = _grid(f.path)
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    truth = corpus.truth[corpus.truth["file"] == corpus.relative(f.path)]
    names = {"涉政风险隐患排查处置率": "C01-01", "刑事案件立案数": "CR"}
    for name, code in names.items():
        col = header.index(name)
        for row in truth[truth["indicator_code"] == code].itertuples():
            assert float(body[row.unit_code][col]) == pytest.approx(row.value)


def test_values_stay_in_range_and_some_are_missing(corpus, catalogs):
    values = corpus.current_values()
    inds = {i.code: i for c in catalogs.values() for i in c.collected()}
    for code, part in values.groupby("indicator_code"):
        lo, hi = inds[code].range
        assert part["value"].between(lo, hi).all(), code
        if inds[code].integer:
            assert (part["value"] % 1 == 0).all(), code
    expected_cells = sum(12 * len(catalogs[int(p[:4])].collected()) for p in DEMO_PERIODS)
    assert 0.9 * expected_cells < len(values) < expected_cells
    assert (values[values["indicator_code"].str.startswith("V")]["value"] > 0).any()


def test_units_keep_their_level_and_a_year_sums_its_quarters(corpus):
    values = corpus.current_values().set_index(["indicator_code", "unit_code", "period"])["value"]
    early, late = values["C07-01"].xs("2024Q1", level="period"), values["C07-01"].xs("2025Q4", level="period")
    common = early.index.intersection(late.index)
    assert early[common].rank().corr(late[common].rank()) > 0.5  # Spearman, without importing scipy
    cr = values["CR"].unstack("period")
    full = cr.dropna(subset=["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025"])
    assert len(full) >= 6
    assert (full[["2025Q1", "2025Q2", "2025Q3", "2025Q4"]].sum(axis=1) == full["2025"]).all()


def test_the_generator_works_for_any_registry_and_catalog(tmp_path, catalogs):
    import pandas as pd

    units = pd.DataFrame({"code": ["A1", "A2", "A3"], "name": ["甲县", "乙县", "丙县"], "kind": "county",
                          "parent": "", "group": "", "aliases": [(), ("乙",), ()], "valid_from": ["", "", "2025Q2"],
                          "valid_to": ""})
    deps = pd.DataFrame({"code": ["GA", "TJ"], "name": ["公安局", "统计局"], "aliases": [(), ()]})
    result = generate_submissions(tmp_path, Registry(units, deps), [catalogs[2025]], ["2025Q1", "2025Q2"],
                                  seed=3, messy_share=0.5, defects=False)
    assert len(result.files) == 4 and not result.rejected and len(result.messy) == 2
    units_by_period = result.truth.groupby("period")["unit_code"].agg(set).to_dict()
    assert units_by_period["2025Q1"] <= {"A1", "A2"} and "A3" in units_by_period["2025Q2"]


# --- the workspace ------------------------------------------------------------------------------

def test_init_demo_creates_a_loadable_workspace(workspace):
    for rel in ("kaoping.toml", "units.csv", "departments.csv", "recipients.csv",
                "catalog/demo-county-2024.yaml", "catalog/demo-county-2025.yaml"):
        assert (workspace / rel).is_file()
    assert {p.name for p in (workspace / "inbox").iterdir()} >= {"公安局", "统计局", "政法委"}


def test_init_refuses_a_non_empty_folder_and_never_overwrites(tmp_path):
    (tmp_path / "units.csv").write_text("mine\n", encoding="utf-8")
    with pytest.raises(WorkspaceExists):
        init_workspace(tmp_path, demo=True)
    assert not (tmp_path / "catalog").exists()
    init_workspace(tmp_path, force=True)
    assert (tmp_path / "units.csv").read_text(encoding="utf-8") == "mine\n"
    assert (tmp_path / "departments.csv").read_text(encoding="utf-8") == "code,name,aliases\n"
