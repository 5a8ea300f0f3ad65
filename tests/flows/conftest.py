"""Prefect for the flow tests: a private PREFECT_HOME per test process, never ~/.prefect.

Prefect reads its settings once, at import; the environment is set here when Prefect is not
imported yet, and the session fixture also installs the settings in Prefect's context in case
it is. Each pytest-xdist worker gets its own home, so its ephemeral API server and database.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

PRIVATE_HOME = Path(tempfile.mkdtemp(prefix="kaoping-prefect-"))
TEST_SETTINGS = {"PREFECT_HOME": str(PRIVATE_HOME), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
                 "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

if "prefect" not in sys.modules:
    os.environ.update(TEST_SETTINGS)
    os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(scope="session", autouse=True)
def prefect_home():
    """Prefect's home for this test process (ephemeral API database, results, logs)."""
    from prefect.logging.handlers import APILogHandler
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    with temporary_settings(updates={PREFECT_HOME: str(PRIVATE_HOME)}, restore_defaults={PREFECT_API_URL}):
        yield PRIVATE_HOME
        APILogHandler().flush()  # the last run logs, before the API they go to stops
        SubprocessASGIServer().stop()  # the ephemeral API, while pytest still captures its last log line


UNITS = ("甲县", "乙县", "丙县", "丁县")  # codes U1..U4
ROTATION = (95, 90, 80, 70)


def quarter_values(period: str) -> list[float]:
    """破案率 of U1..U4: (95, 90, 80, 70) plus one per year after 2024, rotated right by quarter − 1.

    Years differ so that no two files have the same bytes (the inbox keys files by SHA-256).
    """
    k, extra = int(period[-1]) - 1, int(period[:4]) - 2024
    values = [v + extra for v in ROTATION]
    return values[-k:] + values[:-k] if k else values


def _catalog(year: int) -> str:
    return f"""catalog:
  code: tiny-{year}
  name: {year}年度测试考评
  year: {year}
  assessed_kind: county
  full_marks: 100
  grades:
    - {{name: 优秀, min_score: 90}}
    - {{name: 合格, min_score: 60}}
    - {{name: 不合格}}
  alerts: {{last_place_streak: 2, grade_drop: true}}
categories:
  - code: C01
    name: 治安
    points: 80
    indicators:
      - {{code: A1, name: 破案率, unit: "%", source: GA, method: threshold, direction: higher_better,
         points: 80, target: 100, floor: 0, range: [0, 100]}}
  - code: C02
    name: 调解
    points: 20
    indicators:
      - {{code: B1, name: 调解成功率, unit: "%", source: SF, method: threshold, direction: higher_better,
         points: 20, target: 100, floor: 0, range: [0, 100]}}
"""


class TinyWorkspace:
    """A four-county workspace with catalogs for 2024 and 2025; files are CSVs dropped in inbox/."""

    def __init__(self, root: Path, database_url: str):
        from kaoping.cli.init import init_workspace

        self.root, self.database_url = init_workspace(root), database_url
        (root / "units.csv").write_text("code,name,kind,parent,group,aliases,valid_from,valid_to\n" + "".join(
            f"U{i},{name},county,,,,,\n" for i, name in enumerate(UNITS, start=1)), encoding="utf-8")
        (root / "departments.csv").write_text("code,name,aliases\nGA,市公安局,公安局\nSF,市司法局,司法局\n",
                                              encoding="utf-8")
        (root / "recipients.csv").write_text("recipient,name,email\nleaders,市平安办,\n", encoding="utf-8")
        for year in (2024, 2025):
            (root / "catalog" / f"tiny-{year}.yaml").write_text(_catalog(year), encoding="utf-8")

    def send(self, period: str, values: list, department: str = "公安局", name: str | None = None) -> Path:
        """A department's CSV for a period: one row per county (values in U1..U4 order)."""
        folder = {"公安局": "GA", "司法局": "SF"}[department]
        column = {"公安局": "破案率", "司法局": "调解成功率"}[department]
        path = self.root / "inbox" / folder / (name or f"{department}_{period}.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"单位,{column}\n" + "".join(f"{u},{v}\n" for u, v in zip(UNITS, values)), encoding="utf-8")
        return path

    def send_quarters(self, periods: list[str]) -> None:
        for period in periods:
            self.send(period, quarter_values(period))

    def resources(self):
        from kaoping.stages.resources import Resources

        return Resources.open(self.root, self.database_url)


@pytest.fixture
def tiny(tmp_path: Path, db_url: str) -> TinyWorkspace:
    """A tiny workspace on the test's warehouse (SQLite or PostgreSQL)."""
    return TinyWorkspace(tmp_path / "ws", db_url)


@pytest.fixture
def tiny_pg(tmp_path: Path, pg_url: str) -> TinyWorkspace:
    """A tiny workspace on PostgreSQL (the warehouse several workers share)."""
    return TinyWorkspace(tmp_path / "ws", pg_url)
