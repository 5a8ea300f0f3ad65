"""The repository holds its own documentation: README points inside it, the catalog reference
covers every field the models declare, and its example loads."""
from __future__ import annotations

import re
from pathlib import Path

from kaoping.scoring import catalog as models
from kaoping.sources.catalogs import parse_catalog

ROOT = Path(__file__).resolve().parents[2]
LOADER_ONLY = {"source_path", "sha256", "kind", "category_code", "indicators", "categories"}
# pydantic names for YAML keys that are Python keywords: documented by their YAML spelling
YAML_NAME = {"from_": "from", "as_": "as"}


def _catalog_models() -> list[type]:
    """Every pydantic model of the catalog schema."""
    return [m for m in vars(models).values()
            if isinstance(m, type) and hasattr(m, "model_fields") and m.__module__ == models.__name__]


def test_readme_points_only_to_files_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    for doc in re.findall(r"docs/[\w.-]+\.md", readme):
        assert (ROOT / doc).is_file(), doc
    assert "docs/spec.md" in readme and "docs/catalog.md" in readme
    assert (ROOT / "docs" / "spec.md").read_text(encoding="utf-8").startswith("# kaoping — 平安建设考评")


def test_catalog_reference_documents_every_field():
    text = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")
    for model in _catalog_models():
        for name in set(model.model_fields) - LOADER_ONLY:
            assert f"`{YAML_NAME.get(name, name)}" in text, f"{model.__name__}.{name} is not documented"
    assert "§4b" in text


def test_the_reference_example_loads():
    text = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    catalog = parse_catalog(example, "docs/catalog.md", {"GA", "SF", "TJ", "ZFW"})
    assert [c.code for c in catalog.categories] == ["C01", "C02"]
