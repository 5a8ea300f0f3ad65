"""Department and period from file names, folders and title text."""
import pandas as pd
import pytest

from kaoping.sources.context import file_department, file_period, periods_in_text
from kaoping.sources.registry import Registry


@pytest.mark.parametrize("text, period", [
    ("公安局_2025Q3.xlsx", "2025Q3"),
    ("2025年第三季度平安建设指标", "2025Q3"),
    ("2025年三季度", "2025Q3"),
    ("2025年第3季度", "2025Q3"),
    ("2025年9月", "2025-09"),
    ("2025年09月报表", "2025-09"),
    ("2025年度", "2025"),
    ("数据_2025-09.csv", "2025-09"),
    ("２０２５年第三季度", "2025Q3"),
    ("２０２５Ｑ４", "2025Q4"),
])
def test_period_named_in_text(text, period):
    assert periods_in_text(text)[0] == period


def test_no_period_in_a_date_or_plain_text():
    assert periods_in_text("填报日期 2025-09-30") == []
    assert periods_in_text("公安局报表") == []


@pytest.fixture
def registry():
    units = pd.DataFrame({"code": ["U01"], "name": ["东城县"], "kind": ["county"], "parent": [""], "group": [""],
                          "aliases": [()], "valid_from": [""], "valid_to": [""]})
    deps = pd.DataFrame({"code": ["GA", "SF"], "name": ["公安局", "司法局"], "aliases": [("市公安局",), ()]})
    return Registry(units, deps)


def test_department_from_folder_file_and_title(registry):
    assert file_department(registry, "f.xlsx", "GA/f.xlsx", {}, None, "GA", "")[0] == "GA"
    assert file_department(registry, "x.xlsx", "市公安局_2025Q3.xlsx", {}, None, None, "")[0] == "GA"
    assert file_department(registry, "x.xlsx", "x.xlsx", {}, None, None, "2025年司法局报表")[0] == "SF"


def test_department_contradiction_is_an_error(registry):
    code, problems = file_department(registry, "公安局.xlsx", "司法局/公安局.xlsx", {}, None, "司法局", "")
    assert code is None and [p.rule for p in problems] == ["department_conflict"]
    assert "司法局" in problems[0].value and "公安局" in problems[0].value


def test_unknown_folder_department_is_an_error(registry):
    code, problems = file_department(registry, "a.xlsx", "杂项/a.xlsx", {}, None, "杂项", "")
    assert code is None and problems[0].rule == "department_unknown" and problems[0].value == "杂项"


def test_period_contradiction_is_an_error():
    code, problems = file_period("f.xlsx", {}, None, "公安局_2025Q3.xlsx", "2025年第四季度报表")
    assert code is None and problems[0].rule == "period_conflict"
    assert file_period("f.xlsx", {}, None, "公安局.xlsx", "")[1][0].rule == "period_unknown"
