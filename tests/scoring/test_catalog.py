"""The catalog loader (SPEC §3): one valid catalog, then one broken catalog per check."""
from __future__ import annotations

from pathlib import Path

import pytest

from kaoping.sources.catalogs import load_catalog, load_catalogs
from kaoping.scoring.catalog import CatalogError, catalogs_for_year

DEPARTMENTS = {"GA", "SF", "WX", "TJ", "ZFW", "YJ"}

VALID = """\
catalog:
  code: test-county-2025
  name: 2025年度县(市、区)平安建设考评
  year: 2025
  assessed_kind: county
  full_marks: 100
  missing: zero
  bonus_cap: 5
  allow_negative: true
  require_complete: true
  grades:
    - {name: 优秀, min_score: 90, max_share: 0.3}
    - {name: 良好, min_score: 80}
    - {name: 合格, min_score: 60}
    - {name: 不合格}
  veto_grade: 不合格
  tie_breakers: [C02, C01-01]
  rank_within: group
  alerts: {last_place_streak: 2, grade_drop: true}
categories:
  - code: C01
    name: 政治安全
    points: 40
    indicators:
      - {code: C01-01, name: 涉政风险隐患排查处置率, unit: "%", source: GA, aliases: [排查处置率, 处置率（%）],
         method: threshold, direction: higher_better, points: 10, target: 100, floor: 80, range: [0, 100]}
      - {code: C01-02, name: 命案发案数, unit: 起, source: GA, integer: true, range: [0, 1000],
         method: threshold, direction: lower_better, points: 10, target: 0, ceiling: 5, missing: previous}
      - {code: C01-03, name: 矛盾纠纷化解率, unit: "%", source: SF, method: relative,
         direction: higher_better, points: 10, base: 0.6, missing: exclude}
      - {code: C01-04, name: 意识形态领域负面事件, unit: 起, source: WX, integer: true,
         method: deduction, points: 10, per: 2, range: [0, 1000]}
  - code: C02
    name: 社会治安
    points: 60
    indicators:
      - {code: C02-01, name: 每万人刑事案件立案数, unit: 起/万人, method: relative,
         direction: lower_better, points: 20, derived: {ratio: [CR, POP], scale: 1}}
      - {code: C02-02, name: 群众安全感, unit: 分, source: TJ, method: rank,
         direction: higher_better, points: 20, step: 2, min_points: 4}
      - {code: C02-03, name: 每万人电诈发案数同比变化率, unit: "%", method: rank,
         direction: lower_better, points: 20, step: 1, derived: {yoy: FRAUDR}}
bonus:
  - {code: B01, name: 获省级以上表彰, unit: 项, source: ZFW, per: 1, cap: 3, integer: true}
  - {code: B02, name: 创新经验推广, unit: 项, source: ZFW, per: 0.5}
penalties:
  - {code: P01, name: 瞒报迟报重要信息, unit: 次, source: ZFW, per: 0.5, integer: true}
  - {code: P02, name: 重大安全事故, unit: 起, source: YJ, per: 2, cap: 6}
vetoes:
  - {code: V01, name: 发生重大群体性事件, unit: 起, source: ZFW, integer: true}
inputs:
  - {code: POP, name: 常住人口, unit: 万人, source: TJ, range: [0, 10000]}
  - {code: CR, name: 刑事案件立案数, unit: 起, source: GA, integer: true}
  - {code: FRAUD, name: 电信诈骗发案数, unit: 起, source: GA, integer: true, aliases: [电诈发案数]}
derived:
  - {code: FRAUDR, name: 每万人电诈发案数, ratio: [FRAUD, POP], scale: 10}
"""

# SPEC §3's example verbatim, with the `# ...` filled by C02 (the two inline-derived
# indicators of the SPEC) and C06 (the tie-breaker category) so that points add up to 100,
# and the inputs CR and FRAUD the formulas use.
SPEC_EXAMPLE = """\
catalog:
  code: demo-county-2025          # unique; [a-z0-9-]
  name: 2025年度县(市、区)平安建设考评
  year: 2025                      # periods of this year are scored with this catalog
  assessed_kind: county           # which units of the registry are ranked
  full_marks: 100                 # category points must add up to this
  missing: zero                   # default missing-data policy: zero | previous | exclude
  bonus_cap: 5                    # total bonus points a unit can receive
  grades:                         # top-down, first match wins
    - {name: 优秀, min_score: 90, max_share: 0.3}
    - {name: 良好, min_score: 80}
    - {name: 合格, min_score: 60}
    - {name: 不合格}
  veto_grade: 不合格              # grade forced on a unit with any veto
  tie_breakers: [C06, C02-01]     # category or indicator codes, compared in order
  rank_within: group              # optional: rank separately inside each unit group (分类考评),
                                  # groups come from the units registry's `group` column
  alerts: {last_place_streak: 2, grade_drop: true}   # 预警: see §4
categories:
  - code: C01
    name: 政治安全
    points: 10
    indicators:
      - {code: C01-01, name: 涉政风险隐患排查处置率, unit: "%", source: GA,
         method: threshold, direction: higher_better, points: 6, target: 100, floor: 80,
         range: [0, 100]}
      - {code: C01-02, name: 意识形态领域负面事件, unit: 起, source: WX, integer: true,
         method: deduction, points: 4, per: 1, range: [0, 1000]}
  - code: C02
    name: 社会治安
    points: 13
    indicators:
      - {code: C02-01, name: 每万人刑事案件立案数, unit: 起/万人, method: relative,
         direction: lower_better, points: 8, derived: {ratio: [CR, POP], scale: 1}}
      - {code: C02-03, name: 电信诈骗发案同比变化率, unit: "%", method: rank,
         direction: lower_better, points: 5, step: 1, derived: {yoy: FRAUD}}
  - code: C06
    name: 群众安全感
    points: 77
    indicators:
      - {code: C06-01, name: 群众安全感满意度, unit: 分, source: TJ, method: relative,
         direction: higher_better, points: 77}
bonus:
  - {code: B01, name: 获省级以上表彰, unit: 项, source: ZFW, per: 1, cap: 3, integer: true}
penalties:                         # 扣分 on the total, outside the categories (uncapped unless cap:)
  - {code: P01, name: 瞒报迟报重要信息, unit: 次, source: ZFW, per: 0.5, integer: true}
vetoes:
  - {code: V01, name: 发生重大群体性事件, unit: 起, source: ZFW, integer: true}
inputs:                            # values collected but not scored directly
  - {code: POP, name: 常住人口, unit: 万人, source: TJ, range: [0, 10000]}
  - {code: CR, name: 刑事案件立案数, unit: 起, source: GA, integer: true}
  - {code: FRAUD, name: 电信诈骗发案数, unit: 起, source: GA, integer: true}
derived:                           # computed values that are not scored themselves
  - {code: FRAUDR, name: 每万人电诈发案数, ratio: [FRAUD, POP], scale: 1}   # can feed yoy: FRAUDR
"""


def _write(folder: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _broken(old: str, new: str) -> str:
    assert VALID.count(old) == 1, f"test setup: {old!r} must occur exactly once"
    return VALID.replace(old, new)


def test_valid_catalog_loads_every_section(tmp_path: Path) -> None:
    cat = load_catalog(_write(tmp_path, VALID), DEPARTMENTS)
    kinds = {i.code: i.kind for i in cat.all_indicators()}
    assert kinds == {"C01-01": "scored", "C01-02": "scored", "C01-03": "scored", "C01-04": "scored",
                     "C02-01": "scored", "C02-02": "scored", "C02-03": "scored", "B01": "bonus",
                     "B02": "bonus", "P01": "penalty", "P02": "penalty", "V01": "veto",
                     "POP": "input", "CR": "input", "FRAUD": "input", "FRAUDR": "derived"}
    assert cat.indicator("C02-02").category_code == "C02"
    assert cat.indicator("C01-01").aliases == ("排查处置率", "处置率（%）")
    assert cat.indicator("C01-01").range == (0, 100)
    assert cat.indicator("CR").integer and not cat.indicator("POP").integer
    assert [cat.missing_policy(cat.indicator(c)) for c in ("C01-01", "C01-02", "C01-03")] == \
        ["zero", "previous", "exclude"]
    assert cat.indicator("C02-01").derived.ratio == ("CR", "POP")
    assert cat.indicator("C02-03").derived.yoy == "FRAUDR"
    assert cat.indicator("FRAUDR").derived.ratio == ("FRAUD", "POP")
    assert cat.indicator("FRAUDR").derived.scale == 10
    assert cat.indicator("B01").cap == 3 and cat.indicator("B02").cap is None
    assert (cat.bonus_cap, cat.allow_negative, cat.require_complete) == (5, True, True)
    assert cat.tie_breakers == ("C02", "C01-01") and cat.rank_within == "group"
    assert cat.alerts.last_place_streak == 2 and cat.alerts.grade_drop
    assert [g.name for g in cat.grades] == ["优秀", "良好", "合格", "不合格"]
    assert [i.code for i in cat.collected("GA")] == ["C01-01", "C01-02", "CR", "FRAUD"]
    assert len(cat.sha256) == 64 and cat.source_path.endswith("catalog.yaml")


def test_optional_settings_have_their_defaults(tmp_path: Path) -> None:
    text = VALID.replace("  bonus_cap: 5\n  allow_negative: true\n  require_complete: true\n", "")
    cat = load_catalog(_write(tmp_path, text), DEPARTMENTS)
    assert (cat.bonus_cap, cat.allow_negative, cat.require_complete) == (None, False, False)


def test_indicator_frame_has_one_row_per_indicator(tmp_path: Path) -> None:
    frame = load_catalog(_write(tmp_path, VALID), DEPARTMENTS).indicator_frame()
    assert len(frame) == 16
    row = frame.set_index("code").loc["FRAUDR"]
    assert (row["ratio_num"], row["ratio_den"], row["scale"]) == ("FRAUD", "POP", 10)
    assert frame.set_index("code").loc["C01-03", "missing"] == "exclude"


def test_spec_example_loads(tmp_path: Path) -> None:
    cat = load_catalog(_write(tmp_path, SPEC_EXAMPLE), {"GA", "WX", "ZFW", "TJ"})
    assert cat.code == "demo-county-2025"
    assert [c.points for c in cat.categories] == [10, 13, 77]
    assert cat.indicator("C02-03").derived.yoy == "FRAUD"
    assert catalogs_for_year([cat], 2025) == [cat] and catalogs_for_year([cat], 2024) == []


BROKEN = [
    # (case, old text, new text, subject named in both languages, zh fragment, en fragment)
    ("categories_miss_full_marks", "full_marks: 100", "full_marks: 90", "full_marks", "不等于满分", "not full_marks"),
    ("indicators_miss_category", "method: deduction, points: 10", "method: deduction, points: 8",
     "C01", "分值合计 38", "add up to 38"),
    ("duplicate_code", "code: B02", "code: B01", "B01", "重复", "more than once"),
    ("unknown_department", "source: YJ", "source: XX", "P02", "不在 departments.csv", "not a known department"),
    ("higher_better_without_target", "points: 10, target: 100, floor: 80", "points: 10, floor: 80",
     "C01-01", "缺少参数 target", "missing parameter target"),
    ("lower_better_without_ceiling", "target: 0, ceiling: 5,", "target: 0,", "C01-02",
     "缺少参数 ceiling", "missing parameter ceiling"),
    ("target_not_above_floor", "floor: 80", "floor: 100", "C01-01", "必须大于 floor", "must exceed floor"),
    ("ceiling_not_above_target", "ceiling: 5", "ceiling: 0", "C01-02", "ceiling 必须大于", "ceiling must exceed"),
    ("relative_base_above_one", "base: 0.6", "base: 1.5", "C01-03", "base 必须在 0 到 1", "base must be in [0, 1]"),
    ("relative_base_negative", "base: 0.6", "base: -0.1", "C01-03", "base 必须在 0 到 1", "base must be in [0, 1]"),
    ("rank_without_step", "points: 20, step: 2, ", "points: 20, ", "C02-02", "缺少参数 step", "missing parameter step"),
    ("deduction_without_per", "points: 10, per: 2,", "points: 10,", "C01-04", "缺少参数 per", "missing parameter per"),
    ("bonus_without_per", "source: ZFW, per: 0.5}", "source: ZFW}", "B02", "缺少参数 per", "missing parameter per"),
    ("penalty_without_per", "per: 2, cap: 6", "cap: 6", "P02", "缺少参数 per", "missing parameter per"),
    ("scored_without_method", "source: SF, method: relative,", "source: SF,", "C01-03",
     "缺少参数 method", "missing parameter method"),
    ("scored_without_points", "direction: higher_better, points: 20, step: 2",
     "direction: higher_better, step: 2", "C02-02", "缺少参数 points", "missing parameter points"),
    ("formula_unknown_code", "ratio: [CR, POP]", "ratio: [CR, POPX]", "C02-01", "未知代码 POPX", "unknown code POPX"),
    ("ratio_cycle", "derived:\n  - {code: FRAUDR",
     "derived:\n  - {code: DA, name: A, ratio: [DB, POP]}\n  - {code: DB, name: B, ratio: [DA, POP]}\n"
     "  - {code: FRAUDR", "DA", "循环引用", "cycle"),
    ("yoy_cycle", "derived:\n  - {code: FRAUDR",
     "derived:\n  - {code: DA, name: A, yoy: DB}\n  - {code: DB, name: B, ratio: [DA, POP]}\n"
     "  - {code: FRAUDR", "DB", "循环引用", "cycle"),
    ("yoy_of_itself", "ratio: [FRAUD, POP], scale: 10", "yoy: FRAUDR", "FRAUDR", "引用自身", "yoy of itself"),
    ("source_and_derived", "unit: 起/万人, method: relative", "unit: 起/万人, source: GA, method: relative",
     "C02-01", "同时设置 source 和 derived", "both source and derived"),
    ("derived_without_formula", "ratio: [FRAUD, POP], scale: 10", "scale: 10", "FRAUDR",
     "ratio、yoy、sum、vs 之一", "exactly one of ratio, yoy, sum, vs"),
    ("input_without_source", "unit: 万人, source: TJ,", "unit: 万人,", "POP", "缺少报送部门", "missing source"),
    ("no_catch_all_grade", "{name: 不合格}", "{name: 不合格, min_score: 0}", "grades", "兜底", "catch-all"),
    ("grades_out_of_order", "{name: 良好, min_score: 80}", "{name: 良好, min_score: 95}", "grades",
     "从高到低", "highest first"),
    ("unknown_veto_grade", "veto_grade: 不合格", "veto_grade: 淘汰", "veto_grade", "淘汰", "淘汰"),
    ("unknown_tie_breaker", "tie_breakers: [C02, C01-01]", "tie_breakers: [C02, C09]", "C09",
     "tie_breakers", "tie_breakers"),
    ("tie_breaker_not_scored", "tie_breakers: [C02, C01-01]", "tie_breakers: [C02, B01]", "B01",
     "不是一级指标或计分指标", "not a category or scored indicator"),
    ("bad_catalog_code", "code: test-county-2025", "code: Test_County", "Test_County", "小写字母", "[a-z0-9-]"),
    ("unknown_indicator_key", "floor: 80, range", "floor: 80, colour: red, range", "C01-01",
     "的字段 colour 是未知字段", "C01-01: field colour is not a known field"),
    ("unknown_catalog_key", "  full_marks: 100\n", "  full_marks: 100\n  fullmarks: 100\n", "fullmarks",
     "是未知字段", "field fullmarks is not a known field"),
    ("unknown_section", "penalties:\n", "penalty:\n  - {code: X1, name: x, source: GA, per: 1}\npenalties:\n",
     "penalty", "未知的顶层段", "unknown top-level section"),
    ("section_inside_head", "  rank_within: group\n", "  rank_within: group\n  bonus: []\n", "bonus",
     "catalog: 段中不能有", "not allowed inside the catalog: section"),
    ("bad_missing_policy", "missing: previous", "missing: skip", "C01-02", "字段 missing 取值应为 'zero', 'previous', 'exclude' 之一",
     "field missing must be one of"),
    ("parameter_of_other_method", "direction: lower_better, points: 20, step: 1,",
     "direction: lower_better, points: 20, step: 1, target: 3,", "C02-03", "参数 target 对该指标无效",
     "parameter target does not apply"),
    ("ceiling_on_higher_better", "target: 100, floor: 80", "target: 100, floor: 80, ceiling: 120", "C01-01",
     "参数 ceiling 对该指标无效", "parameter ceiling does not apply"),
    ("points_on_bonus", "per: 1, cap: 3", "per: 1, cap: 3, points: 2", "B01", "参数 points 对该指标无效",
     "parameter points does not apply"),
    ("negative_per", "source: YJ, per: 2", "source: YJ, per: -2", "P02", "per 必须大于 0", "per is out of range"),
    ("range_reversed", "range: [0, 10000]", "range: [10000, 0]", "POP", "range 下限大于上限", "range low exceeds high"),
]


@pytest.mark.parametrize("case,old,new,subject,zh,en", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_catalog_is_refused_naming_file_and_code(tmp_path: Path, case, old, new, subject, zh, en) -> None:
    path = _write(tmp_path, _broken(old, new))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, DEPARTMENTS)
    err = caught.value
    hits = [(z, e) for z, e in err.problems if subject in z and subject in e and zh in z and en in e]
    assert hits, f"no problem names {subject!r} with {zh!r} / {en!r}: {err.problems}"
    line = f"{path}: {hits[0][0]} / {hits[0][1]}"
    assert line in str(err).splitlines()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = _broken("base: 0.6", "base: 2").replace("step: 2, ", "").replace("source: YJ", "source: XX")
    with pytest.raises(CatalogError) as caught:
        load_catalog(_write(tmp_path, text), DEPARTMENTS)
    named = " ".join(e for _, e in caught.value.problems)
    assert "C01-03" in named and "C02-02" in named and "P02" in named


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _broken("  year: 2025\n", "  year: 2025: 2026\n"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, DEPARTMENTS)
    (zh, en), = caught.value.problems
    assert "YAML" in zh and "第 4 行" in zh and "line 4," in en
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_key_written_twice_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _broken("  bonus_cap: 5\n", "  bonus_cap: 5\n  bonus_cap: 50\n"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, DEPARTMENTS)
    (zh, en), = caught.value.problems
    assert "bonus_cap" in zh and "line 9" in en


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "catalog: 2025\n"])
def test_document_without_catalog_section_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(CatalogError, match="catalog: 段"):
        load_catalog(_write(tmp_path, text), DEPARTMENTS)


def test_entry_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _broken("  - {code: B02, name: 创新经验推广, unit: 项, source: ZFW, per: 0.5}\n",
                                    "  - B02\n"))
    with pytest.raises(CatalogError, match="加分项第 2 项 应为映射.* / bonus item 2 must be a mapping"):
        load_catalog(path, DEPARTMENTS)


def test_unreadable_file_is_a_catalog_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(VALID.encode("gbk"))
    with pytest.raises(CatalogError, match="无法读取文件"):
        load_catalog(path, DEPARTMENTS)


def test_two_files_with_the_same_catalog_code(tmp_path: Path) -> None:
    _write(tmp_path, VALID, "a.yaml")
    _write(tmp_path, VALID.replace("name: 2025年度县", "name: 副本 2025年度县"), "b.yaml")
    with pytest.raises(CatalogError) as caught:
        load_catalogs(tmp_path, DEPARTMENTS)
    (zh, en), = caught.value.problems
    assert "test-county-2025" in zh and str(tmp_path / "a.yaml") in zh
    assert "test-county-2025" in en and caught.value.path == str(tmp_path / "b.yaml")


def test_folder_of_catalogs_loads_in_name_order(tmp_path: Path) -> None:
    _write(tmp_path, VALID.replace("code: test-county-2025", "code: b-2025"), "b.yaml")
    _write(tmp_path, VALID.replace("code: test-county-2025", "code: a-2024").replace("year: 2025", "year: 2024"),
           "a.yaml")
    (tmp_path / "notes.txt").write_text("not a catalog", encoding="utf-8")
    assert [c.code for c in load_catalogs(tmp_path, DEPARTMENTS)] == ["a-2024", "b-2025"]
