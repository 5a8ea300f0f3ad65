"""Registries (SPEC §3): units/departments/recipients CSVs, name matching, units valid by period."""
from __future__ import annotations

from pathlib import Path

import pytest

import pandas as pd

from kaoping.sources.registry import UNIT_COLUMNS, Registry, RegistryError, load_departments, load_units, normalize_name

UNITS = """\
code,name,kind,parent,group,aliases,valid_from,valid_to
C01,东城区,county,CITY,城区,东城|东城区（开发区）,,
C02,西山县(市),county,CITY,县域,西山|Xishan,,
C03,南湖县,county,CITY,县域,湖区,,2024Q4
C04,南湖区,county,CITY,城区,湖区,2025,
C05,北岭县,county,CITY,县域,,2024-07,2025Q2
D01,市公安局,department,CITY,,公安,,
"""
DEPARTMENTS = """\
code,name,aliases
GA,市公安局,公安局|公安
SF,市司法局,司法局
"""
RECIPIENTS = """\
recipient,name,email
C01,东城区平安办,dc@example.cn
leaders,市领导,leaders@example.cn
"""


def _workspace(folder: Path, units: str = UNITS, encoding: str = "utf-8") -> Path:
    (folder / "units.csv").write_bytes(units.encode(encoding))
    (folder / "departments.csv").write_text(DEPARTMENTS, encoding="utf-8")
    (folder / "recipients.csv").write_text(RECIPIENTS, encoding="utf-8")
    return folder


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry.load(_workspace(tmp_path))


@pytest.mark.parametrize("text", [
    "西山县(市)", "西山县（市）", "西山县 (市)", " 西山县（市） ", "西山县\u00a0(市)", "西\u200b山县(市)",
    "西山县\u3000(市)", "\ufeff西山县(市)", "xishan", "XISHAN", "Ｘｉｓｈａｎ", "C02", "c02", "西山",
])
def test_unit_resolves_through_width_space_and_case_variants(registry: Registry, text: str) -> None:
    assert registry.resolve_unit(text) == "C02"


def test_alias_with_full_width_parentheses_matches_half_width_text(registry: Registry) -> None:
    assert registry.resolve_unit("东城区(开发区)") == "C01"


@pytest.mark.parametrize("text", ["西山县(县)", "西", "", "C99", "东城区(开发"])
def test_unknown_names_resolve_to_none(registry: Registry, text: str) -> None:
    assert registry.resolve_unit(text) is None


def test_shared_alias_is_ambiguous_unless_the_period_decides(registry: Registry) -> None:
    # 湖区 names C03 (until 2024Q4) and C04 (from 2025)
    assert registry.resolve_unit("湖区") is None
    assert registry.resolve_unit("湖区", "2024Q3") == "C03"
    assert registry.resolve_unit("湖区", "2025-02") == "C04"
    assert registry.resolve_unit("湖区", "2025") == "C04"


def test_shared_alias_of_two_valid_units_is_refused_at_load_and_never_resolved(tmp_path: Path) -> None:
    units = UNITS.replace("C04,南湖区,county,CITY,城区,湖区,2025,", "C04,南湖区,county,CITY,城区,湖区,,")
    with pytest.raises(RegistryError, match="rows 5 and 4: two units valid at the same time share .*'湖区'"):
        Registry.load(_workspace(tmp_path, units))
    frame = load_units(_workspace(tmp_path) / "units.csv")
    frame.loc[frame["code"] == "C04", "valid_from"] = ""
    reg = Registry(frame, load_departments(tmp_path / "departments.csv"))  # built around the load's checks
    assert reg.resolve_unit("湖区", "2024Q1") is None
    assert reg.resolve_unit("南湖区", "2024Q1") == "C04"


@pytest.mark.parametrize("period,expected", [
    ("2024Q2", ["C01", "C02", "C03"]),
    ("2024Q3", ["C01", "C02", "C03", "C05"]),     # C05 from 2024-07
    ("2024-06", ["C01", "C02", "C03"]),
    ("2024-07", ["C01", "C02", "C03", "C05"]),
    ("2024", ["C01", "C02", "C03"]),              # C05 did not exist the whole year
    ("2025Q1", ["C01", "C02", "C04", "C05"]),
    ("2025-06", ["C01", "C02", "C04", "C05"]),
    ("2025Q3", ["C01", "C02", "C04"]),            # C05 until 2025Q2
    ("2025", ["C01", "C02", "C04"]),
])
def test_units_valid_by_period_of_any_grain(registry: Registry, period: str, expected: list[str]) -> None:
    assert list(registry.units_in(period, kind="county")["code"]) == expected


def test_units_in_without_kind_includes_every_kind(registry: Registry) -> None:
    assert "D01" in set(registry.units_in("2025Q1")["code"])


def test_aliases_split_and_columns_kept(registry: Registry) -> None:
    row = registry.units.set_index("code").loc["C01"]
    assert row["aliases"] == ("东城", "东城区（开发区）")
    assert (row["group"], row["parent"], row["valid_from"]) == ("城区", "CITY", "")
    assert registry.unit_name("C02") == "西山县(市)"


def test_departments_resolve_by_code_name_or_alias(registry: Registry) -> None:
    assert [registry.resolve_department(t) for t in ("GA", "ga", "市公安局", "公安局", " 公安 ", "司法局", "信访局")] \
        == ["GA", "GA", "GA", "GA", "GA", "SF", None]
    assert registry.department_name("SF") == "市司法局"


def test_recipients_load_and_are_optional(tmp_path: Path, registry: Registry) -> None:
    assert list(registry.recipients["recipient"]) == ["C01", "leaders"]
    (tmp_path / "recipients.csv").unlink()
    assert Registry.load(tmp_path).recipients.empty


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_as_excel_saves_it(tmp_path: Path, encoding: str) -> None:
    units = load_units(_workspace(tmp_path, UNITS.replace("\n", "\r\n"), encoding) / "units.csv")
    assert list(units.columns)[:2] == ["code", "name"]
    assert units.set_index("code").loc["C02", "name"] == "西山县(市)"
    assert units.set_index("code").loc["C03", "aliases"] == ("湖区",)


def test_header_cells_with_spaces_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "departments.csv").write_text(" code , name ,aliases\nGA, 市公安局 ,\n", encoding="utf-8")
    deps = load_departments(tmp_path / "departments.csv")
    assert deps.iloc[0].to_dict() == {"code": "GA", "name": "市公安局", "aliases": (), "email": ()}


def test_department_sender_addresses_split_on_bars_and_compare_case_blind(tmp_path: Path) -> None:
    (tmp_path / "departments.csv").write_text(
        "code,name,aliases,email\nGA,市公安局,,GA@Example.cn| zhihui@example.cn \nSF,市司法局,,\n", encoding="utf-8")
    deps = load_departments(tmp_path / "departments.csv")
    assert deps.set_index("code").loc["GA", "email"] == ("ga@example.cn", "zhihui@example.cn")
    registry = Registry(pd.DataFrame(columns=UNIT_COLUMNS).assign(aliases=[]), deps)
    assert registry.departments_of_sender("ZhiHui@example.cn") == ["GA"]
    assert registry.departments_of_sender("someone@else.cn") == []


def test_a_malformed_sender_address_names_its_row(tmp_path: Path) -> None:
    (tmp_path / "departments.csv").write_text("code,name,email\nGA,市公安局,ga.example.cn\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="第 2 行邮箱地址格式错误"):
        load_departments(tmp_path / "departments.csv")


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("code,name,kind\nC01,东城区,county\n", encoding="utf-8")
    units = load_units(tmp_path / "units.csv")
    assert units.iloc[0]["valid_to"] == "" and units.iloc[0]["aliases"] == ()


@pytest.mark.parametrize("content,fragment", [
    ("code,name\nC01,东城区\n", "第 1 行（表头）缺少列 kind"),
    ("name,kind\n东城区,county\n", "缺少列 code"),
    ("code,name,kind\nC01,东城区,county\nC02,西山县,county\nC01,南湖县,county\n", "第 4 行代码 C01 与第 2 行重复"),
    ("code,name,kind\nC01,东城区,county\n,西山县,county\n", "第 3 行缺少代码"),
    ("code,name,kind,parent,group,aliases,valid_from,valid_to\nC01,东城区,county,,,,2025年,\n",
     "第 2 行 valid_from 期间格式错误"),
    ("code,name,kind,parent,group,aliases,valid_from,valid_to\nC01,东城区,county,,,,2025Q3,2025Q1\n",
     "第 2 行 valid_from 晚于 valid_to"),
    ('code,name,kind\nC01,"东城区,county\n', "CSV 格式错误"),
    ("", "CSV 格式错误"),
])
def test_bad_units_csv_is_a_registry_error_with_row(tmp_path: Path, content: str, fragment: str) -> None:
    (tmp_path / "units.csv").write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_units(tmp_path / "units.csv")
    assert fragment in str(caught.value) and str(tmp_path / "units.csv") in str(caught.value)
    assert " / " in str(caught.value)  # Chinese, then English


def test_duplicate_department_code_names_both_rows(tmp_path: Path) -> None:
    (tmp_path / "departments.csv").write_text("code,name,aliases\nGA,公安局,\nSF,司法局,\nGA,公安,\n",
                                              encoding="utf-8")
    with pytest.raises(RegistryError, match="row 4: code GA duplicates row 2"):
        load_departments(tmp_path / "departments.csv")


def test_missing_registry_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="无法读取文件"):
        Registry.load(tmp_path)


def test_undecodable_file_is_a_registry_error(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_bytes(b"code,name,kind\n\xff\xff\xff,x,county\n")
    with pytest.raises(RegistryError, match="无法识别文件编码"):
        load_units(tmp_path / "units.csv")


@pytest.mark.parametrize("a,b", [("XX县(市)", "XX县（市）"), ("１２３", "123"), ("A B", "ab"),
                                 ("x\u200dy\u2060", "xy"), ("县\t市\n", "县市")])
def test_normalize_name(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


HEAD = "code,name,kind,parent,group,aliases,valid_from,valid_to\n"


@pytest.mark.parametrize("rows, fragment", [
    ("C01,东城区,county,,,,,\nC02,东城区,county,,,,,\n", "rows 3 and 2"),                       # same name
    ("C01,东城区,county,,,,,\nC02,东 城区,county,,,,2025Q2,\n", "'东 城区'"),                  # same after normalising
    ("C01,东城区,county,,,东城,,\nC02,西城区,county,,,东城|西城,,\n", "'东城'"),               # shared alias
    ("C01,东城区,county,,,,,2025Q2\nC02,西城区,county,,,东城区,2025-06,\n", "'东城区'"),        # overlap in 2025-06
])
def test_a_name_or_alias_naming_two_units_at_once_is_refused(tmp_path: Path, rows: str, fragment: str) -> None:
    (tmp_path / "units.csv").write_text(HEAD + rows, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_units(tmp_path / "units.csv")
    assert fragment in str(caught.value) and "报送文件无法区分" in str(caught.value) and " / " in str(caught.value)


def test_a_name_reused_after_a_merge_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text(HEAD + "C01,东城区,county,,,东城,,2024\nC09,东城区,county,,,东城,2025Q1,\n",
                                        encoding="utf-8")
    units = load_units(tmp_path / "units.csv")
    registry = Registry(units, load_departments(_workspace(tmp_path) / "departments.csv"))
    assert registry.resolve_unit("东城", "2024Q4") == "C01" and registry.resolve_unit("东城", "2025Q1") == "C09"


@pytest.mark.parametrize("rows", ["GA,公安局,公安\nSF,司法局,公安\n", "GA,公安局,\nSF,司法局,公安局\n",
                                  "GA,市公安局,\nSF,市公安局,\n"])
def test_an_alias_shared_by_two_departments_is_refused(tmp_path: Path, rows: str) -> None:
    (tmp_path / "departments.csv").write_text("code,name,aliases\n" + rows, encoding="utf-8")
    with pytest.raises(RegistryError, match="rows 3 and 2: two departments share"):
        load_departments(tmp_path / "departments.csv")


def test_unknown_kinds_are_refused_with_a_hint(tmp_path: Path) -> None:
    from kaoping.sources.registry import check_kinds

    units = load_units(_workspace(tmp_path) / "units.csv")
    check_kinds(units, {"county"}, tmp_path / "units.csv")  # county assessed, department standard
    check_kinds(units.assign(kind="街道"), {"街道"}, tmp_path / "units.csv")  # any kind a catalog assesses
    with pytest.raises(RegistryError) as caught:
        check_kinds(units.assign(kind=["county"] * 3 + ["countyy"] * 3), {"county"}, tmp_path / "units.csv")
    assert "第 5 行单位类型 kind 'countyy' 未知（是否应为 county？）" in str(caught.value)
    assert "did you mean county?" in str(caught.value)
