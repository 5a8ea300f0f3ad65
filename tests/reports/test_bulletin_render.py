"""The demo's last quarter's 通报 as LibreOffice renders it: a PDF whose pages carry the ranking's
numbers, in CJK fonts (never boxes), A4, with page numbers.

Set KAOPING_BULLETIN_PNGS=<folder> to keep the pages as PNG files (pdftoppm -r 70) for looking at.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kaoping.reports.bulletin import FONTS_CONF
from kaoping.core.layout import bulletin_path
from kaoping.stages.publishing import published_runs, write_outputs
from kaoping.reports.ranking import ranking_table
from kaoping.stages.resources import Resources
from kaoping.scoring.periods import sort_periods
from kaoping.stages.intake import ingest
from kaoping.stages.scoring import publish, score
from kaoping.cli.init import DEMO_OFFICE, init_workspace

pytestmark = pytest.mark.slow
LAST = "2025Q4"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Resources:
    """The demo's quarters ingested, scored and published in time order (the stage functions, no Prefect)."""
    ws = init_workspace(tmp_path_factory.mktemp("bulletin-demo") / "ws", demo=True)
    for path in (ws / "inbox").rglob("*"):
        if path.is_file() and "年度" in path.stem:
            path.unlink()  # the year files: not needed for the quarters
    res = Resources.open(ws)
    report = ingest(res)
    for period in sort_periods([p for p in report.periods_touched if "Q" in p]):
        for catalog in res.catalogs_for(period):
            publish(res, score(res, catalog, period))
    yield res
    res.close()


def _pdf(docx: Path, folder: Path) -> Path:
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": str(folder)}  # a private LibreOffice profile
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(docx)],
                   check=True, capture_output=True, timeout=300, env=env)
    return folder / (docx.stem + ".pdf")


def test_the_demo_bulletin_renders_in_libreoffice_with_the_rankings_numbers(demo, tmp_path):
    write_outputs(demo, LAST)
    data = published_runs(demo, LAST)[0]
    docx = bulletin_path(demo.settings.out_dir, data.catalog.code, LAST)
    pdf = _pdf(docx, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 5 <= pages <= 9
    assert "pts (A4)" in info  # the first page (the annex is landscape)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts  # 仿宋/宋体 and 黑体 through fonts.conf
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]  # pdftotext spaces CJK from digits
    compact = "".join(lines)
    assert DEMO_OFFICE in compact and "清平安办〔" in compact
    assert f"关于{data.period.label}县（市、区）平安建设考评" in compact
    for row in ranking_table(data)[1]:  # every unit's line of 表1 as printed: rank, name, group, total, grade
        printed = f"{row[0]}{row[1]}{row[2]}{row[3]:.2f}{row[4]}{row[-2] or '—'}"  # … 较上期
        assert printed in lines, printed
    assert "—1—" in lines and f"—{pages}—" in lines
    keep = os.environ.get("KAOPING_BULLETIN_PNGS")
    if keep:
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(folder / "page")], check=True)
        shutil.copy(pdf, folder / pdf.name)
        shutil.copy(docx, folder / docx.name)
