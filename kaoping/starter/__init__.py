"""The files `kaoping init` writes into a new workspace: a commented sample catalog (valid, scoring
the sample units) and the sample registries it refers to, so a new office starts from a run that works."""
from __future__ import annotations

from datetime import date
from importlib import resources

SAMPLE_CATALOG = "catalog/sample-county-{year}.yaml"
SAMPLE_REGISTRIES = ("units.csv", "departments.csv", "recipients.csv")


def starter_files(year: int | None = None) -> dict[str, str]:
    """Relative path → text: the sample catalog for `year` (default: this year) and its registries."""
    year = year or date.today().year
    folder = resources.files(__package__)
    files = {name: folder.joinpath(name).read_text(encoding="utf-8") for name in SAMPLE_REGISTRIES}
    catalog = folder.joinpath("sample-catalog.yaml").read_text(encoding="utf-8")
    files[SAMPLE_CATALOG.format(year=year)] = catalog.replace("{year}", str(year))
    return files
