"""The demo city 清河市: registries, the 2024 and 2025 catalogs, and its departments' submissions.

`demo_files()` gives the workspace files (catalogs and registries, kept as package data in
`kaoping/demo/data/`); `write_demo_submissions()` writes the departments' files for 2024Q1–2025Q4
and the years 2024 and 2025 with the seeded generator (`generate_submissions`), which tests and
the benchmark reuse with their own registries and catalogs.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from kaoping.demo.generator import Defect, GeneratedCorpus, GeneratedFile, generate_submissions
from kaoping.demo.values import Profile

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


def write_demo_submissions(workspace: Path, seed: int = DEMO_SEED) -> GeneratedCorpus:
    """The demo departments' files under `workspace/inbox/`, generated from the workspace's own registry and catalogs."""
    from kaoping.catalogs import load_catalogs
    from kaoping.sources.registry import Registry

    workspace = Path(workspace)
    registry = Registry.load(workspace)
    catalogs = load_catalogs(workspace / "catalog", set(registry.departments["code"]), registry.groups())
    return generate_submissions(workspace, registry, catalogs, list(DEMO_PERIODS), seed=seed,
                                profiles=DEMO_PROFILES)
