"""Catalog files: the edge that reads `catalog/*.yaml` and parses the YAML into the mapping `scoring.catalog` checks."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

import yaml

from kaoping.scoring.catalog import Catalog, CatalogError, catalog_from_mapping, duplicate_code_problem


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key written twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _yaml_document(text: str, path: str) -> object:
    """The parsed YAML; syntax errors and duplicate keys name the line and column."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at_zh = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark else ""
        at_en = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(path, [(f"YAML 格式错误，{at_zh}{problem}", f"YAML syntax error at {at_en}{problem}")]) from None


def parse_catalog(text: str, path: str = "<catalog>", departments: Iterable[str] | None = None,
                  groups: Iterable[str] | None = None) -> Catalog:
    """A checked Catalog from YAML text; raises CatalogError listing every problem.

    departments / groups: the registry's department codes and unit groups (None: not checked).
    """
    doc = _yaml_document(text, path)
    return catalog_from_mapping(doc, path, hashlib.sha256(text.encode()).hexdigest(), departments, groups)


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
