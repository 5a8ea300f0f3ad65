"""Data Docs readable on a closed network: no remote assets, every page names file and department."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from intake_kit import GOOD_ROWS, HEADER, write_xlsx

from kaoping.sources.data_docs import run_label, run_name
from kaoping.sources.suites import Validator
from kaoping.stages.intake import examine_file

REMOTE = re.compile(r"""(src|href)=["']https?://|url\(['"]?https?://""", re.I)


@pytest.fixture
def validator():
    """A GX context of this test alone: its Data Docs list every file it validated."""
    return Validator()


def test_docs_work_offline_and_name_file_and_department(res, validator, tmp_path):
    bad = write_xlsx(res.settings.inbox_dir / "公安局" / "公安局_2025Q3.xlsx",
                     [HEADER, ["东城县", "abc", 12], *GOOD_ROWS[1:]])
    good = write_xlsx(res.settings.inbox_dir / "公安局" / "公安局_2025Q2.xlsx", [HEADER, *GOOD_ROWS])
    for path in (bad, good):
        examine_file(res, path, validator)
    index = validator.build_docs(tmp_path / "docs")
    pages = list((tmp_path / "docs").rglob("*.html"))
    assert len(pages) == 4  # index, the suite, one page per validated file
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not REMOTE.search(text), page
        assert "__none__" not in text and "Data asset: None" not in text
        assert "static/styles/kaoping_offline.css" in text
    home = index.read_text(encoding="utf-8")
    assert "文件「公安局_2025Q3.xlsx」（报送部门 GA）" in home and "有未通过的检查" in home
    assert "文件「公安局_2025Q2.xlsx」（报送部门 GA）" in home and "全部通过" in home
    links = [unquote(h) for h in re.findall(r'href="([^"#]+\.html)"', home)]
    assert len(links) == 3 and all((tmp_path / "docs" / h).is_file() for h in links)
    assert (tmp_path / "docs" / "static/styles/kaoping_offline.css").is_file()
    result_pages = [p for p in pages if "validations" in p.parts]
    assert all("公安局_2025Q" in p.read_text(encoding="utf-8") for p in result_pages)


def test_run_names_are_bounded_and_safe():
    label = run_label([("a/b:c.xlsx", "GA"), ("x" * 300 + ".xlsx", None)])
    assert label.startswith("文件「a/b:c.xlsx」（报送部门 GA）") and "未识别" in label
    name = run_name(label, "20250101T000000.000000")
    assert "/" not in name and ":" not in name and len(name) < 160 and name.endswith("_20250101T000000.000000")
