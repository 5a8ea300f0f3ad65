"""The demo city 清河市: registries, the 2024 and 2025 catalogs, and its departments' submissions.

`demo_files()` gives the workspace files (catalogs and registries, kept as package data in
`kaoping/demo/data/`); `write_demo_submissions()` writes the departments' files for 2024Q1–2025Q4
and the years 2024 and 2025 with the seeded generator (`generate_submissions`), which tests and
the benchmark reuse with their own registries and catalogs.
"""
from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from importlib import resources
from pathlib import Path

from kaoping.demo.files import Defect, GeneratedCorpus, GeneratedFile
from kaoping.demo.generator import generate_submissions
from kaoping.demo.values import Profile
from kaoping.sources.catalogs import load_catalogs
from kaoping.sources.registry import Registry

DEMO_SEED = 2025
DEMO_PERIODS = ("2024Q1", "2024Q2", "2024Q3", "2024Q4", "2024",
                "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025")
DEMO_FILES = ("catalog/demo-county-2024.yaml", "catalog/demo-county-2025.yaml",
              "units.csv", "departments.csv", "recipients.csv")

# Typical quarterly values of an average county where the catalog alone does not tell them.
DEMO_PROFILES = {
    "POP": Profile("size", 55.0, 0.0, 0.004, 0.002, 1),
    "CR": Profile("count", 420.0, 0.2, 0.08, -0.005, 0),
    "FRAUD": Profile("count", 60.0, 0.35, 0.15, -0.03, 0),
    "C02-04": Profile("count", 3.0, 0.4, 0.2, -0.01, 0),
    "C05-02": Profile("count", 25.0, 0.3, 0.15, 0.02, 0),
    "C03-04": Profile("level", 35.0, 8.0, 3.0, -0.3, 1),
    "C04-05": Profile("level", 93.0, 3.0, 1.0, 0.2, 1),
    "C06-02": Profile("level", 88.0, 6.0, 1.5, 0.5, 1),
    "C07-01": Profile("level", 91.0, 3.0, 1.0, 0.15, 1),
}

__all__ = ["DEMO_PERIODS", "DEMO_PROFILES", "DEMO_SEED", "Defect", "GeneratedCorpus", "GeneratedFile",
           "Profile", "demo_files", "generate_submissions", "write_demo_submissions"]


def demo_files() -> dict[str, str]:
    """Relative path → text of the demo workspace's catalogs and registries."""
    data = resources.files("kaoping.demo") / "data"
    return {rel: (data / Path(rel).name).read_text(encoding="utf-8") for rel in DEMO_FILES}


DEMO_LATE = ("XF", "2025Q4", 10)  # 市信访局's 2025Q4 file comes 10 days later than planned: 迟报
DEMO_UNSENT = ("WX", "2025Q4")     # 市委网信办's 2025Q4 file was never sent: 缺报 (kept in demo-unsent/)
UNSENT_DIR = "demo-unsent"


def write_demo_submissions(workspace: Path, seed: int = DEMO_SEED) -> GeneratedCorpus:
    """The demo departments' files under `workspace/inbox/`, generated from the workspace's own
    registry and catalogs; one department late and one missing for 2025Q4 (SPEC §10)."""
    workspace = Path(workspace)
    registry = Registry.load(workspace)
    catalogs = load_catalogs(workspace / "catalog", set(registry.departments["code"]), registry.groups())
    corpus = generate_submissions(workspace, registry, catalogs, list(DEMO_PERIODS), seed=seed,
                                  profiles=DEMO_PROFILES)
    return _late_and_unsent(corpus)


def _late_and_unsent(corpus: GeneratedCorpus) -> GeneratedCorpus:
    """The demo's timeliness story: the late file's time moved on, the unsent file moved out of the inbox."""
    files = []
    for f in corpus.files:
        if (f.department, f.period) == DEMO_LATE[:2] and f.status != "rejected":
            when = f.received_at + timedelta(days=DEMO_LATE[2])
            os.utime(f.path, (when.timestamp(), when.timestamp()))
            f = replace(f, received_at=when)
        elif (f.department, f.period) == DEMO_UNSENT:
            target = corpus.workspace / UNSENT_DIR / f.path.relative_to(corpus.workspace / "inbox")
            if f.path.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f.path, target)  # keeps its bytes and time; init never overwrites it
            corpus.truth.loc[corpus.truth["file"] == corpus.relative(f.path), "file"] = corpus.relative(target)
            f = replace(f, path=target)
        files.append(f)
    corpus.files = files
    return corpus
