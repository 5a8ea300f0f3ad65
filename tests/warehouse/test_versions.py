"""The review window's dates and labels (SPEC §11): the window ends with its last local day, and
`kaoping status` / the Prefect artifact say 草稿 / 征求意见中，截至 <that day> / 已定稿."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from kaoping.stages.artifacts import versions_markdown
from kaoping.warehouse.versions import PeriodVersion

SHANGHAI = ZoneInfo("Asia/Shanghai")
# published 2026-12-07 19:00 in Shanghai with review_days = 5: open through 12 December, local time
CLOSES = datetime(2026, 12, 12, 16, 0, tzinfo=timezone.utc)


def test_the_labels_name_the_last_day_of_the_window():
    review = PeriodVersion("2025Q4", "review", CLOSES)
    assert review.label(SHANGHAI) == "征求意见中，截至 2026-12-12"
    assert PeriodVersion("2025Q3", "final").label(SHANGHAI) == "已定稿"
    assert PeriodVersion("2026Q1", "draft").label(SHANGHAI) == "草稿"


def test_the_artifact_lists_each_period_with_its_bulletin(tmp_path: Path):
    bulletin = tmp_path / "c_2025Q3_通报.docx"
    versions = [PeriodVersion("2025Q3", "final"), PeriodVersion("2025Q4", "review", CLOSES)]
    text = versions_markdown(versions, {v.period: v.label(SHANGHAI) for v in versions}, {"2025Q3": [bulletin]})
    rows = text.splitlines()[4:]
    assert rows[0].startswith("| 2025Q3 | 已定稿 | [c\\_2025Q3\\_通报.docx](file://")
    assert rows[1] == "| 2025Q4 | 征求意见中，截至 2026-12-12 | — |"
