"""Catalog files: the edge that reads `catalog/*.yaml` from disk and hands the text to `scoring.catalog`."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from kaoping.scoring.catalog import Catalog, CatalogError, duplicate_code_problem, parse_catalog


def load_catalog(path: Path, departments: Iterable[str] | None = None,
                 groups: Iterable[str] | None = None) -> Catalog:
    """Read and check one catalog file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(str(path), [(f"无法读取文件：{exc}", f"cannot read file: {exc}")]) from None
    return parse_catalog(text, str(path), departments, groups)


def load_catalogs(folder: Path, departments: Iterable[str] | None = None,
                  groups: Iterable[str] | None = None) -> list[Catalog]:
    """Every `*.yaml` catalog in a folder; duplicate catalog codes are an error."""
    departments = list(departments) if departments is not None else None
    groups = list(groups) if groups is not None else None
    catalogs = [load_catalog(p, departments, groups) for p in sorted(Path(folder).glob("*.yaml"))]
    problem = duplicate_code_problem(catalogs)
    if problem is not None:
        raise problem
    return catalogs
