"""Wiring: one settings object → the workspace's resources (warehouse, registry, catalogs).

Like Dagster's resources, every external system is reached through here, so a test builds a
`Resources` for a temporary workspace and gets the real SQLite/PostgreSQL warehouse.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kaoping.core.config import Settings, load_settings
from kaoping.sources.catalogs import load_catalogs
from kaoping.scoring.catalog import Catalog, CatalogError, catalogs_for_year
from kaoping.scoring.periods import Period
from kaoping.sources.registry import Registry, check_kinds
from kaoping.warehouse.dimensions import sync_catalog, sync_registry
from kaoping.warehouse.engine import Warehouse


def check_assessed_kind(catalog: Catalog, registry: Registry) -> None:
    """The catalog ranks units that exist: some unit of its `assessed_kind` is valid in its year."""
    kinds = registry.kinds_in(str(catalog.year))
    if catalog.assessed_kind not in kinds:
        known = "、".join(sorted(kinds)) or "无"
        raise CatalogError(catalog.source_path, [(
            f"assessed_kind {catalog.assessed_kind} 在 units.csv 中没有 {catalog.year} 年的单位（现有 kind：{known}）",
            f"assessed_kind {catalog.assessed_kind} matches no unit of units.csv in {catalog.year} "
            f"(kinds there: {', '.join(sorted(kinds)) or 'none'})")])


@dataclass
class Resources:
    """The resources of one workspace; built lazily, each at most once."""

    settings: Settings
    _synced: bool = field(default=False, init=False)

    @classmethod
    def open(cls, workspace: Path | str | None = None, database_url: str | None = None) -> "Resources":
        return cls(load_settings(workspace, database_url))

    @property
    def workspace(self) -> Path:
        return self.settings.workspace

    @cached_property
    def registry(self) -> Registry:
        return Registry.load(self.workspace)

    @cached_property
    def catalogs(self) -> list[Catalog]:
        catalogs = load_catalogs(self.settings.catalog_dir, set(self.registry.departments["code"]),
                                 self.registry.groups())
        for catalog in catalogs:
            check_assessed_kind(catalog, self.registry)
        check_kinds(self.registry.units, {c.assessed_kind for c in catalogs}, self.workspace / "units.csv")
        return catalogs

    @cached_property
    def judged_with(self) -> str:
        """SHA-256 of what intake judges a file against: the registries, the catalogs and the
        intake limits. A rejected file judged against other ones is examined again."""
        digest = hashlib.sha256()
        for name in ("units.csv", "departments.csv"):
            path = self.workspace / name
            digest.update(path.read_bytes() if path.is_file() else b"")
            digest.update(b"\x1e")
        digest.update(" ".join(sorted(c.sha256 for c in self.catalogs)).encode())
        digest.update(self.settings.intake.model_dump_json(exclude={"settle_s"}).encode())
        return digest.hexdigest()

    @cached_property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings.database_url)

    def catalogs_for(self, period: Period | str) -> list[Catalog]:
        """The catalogs that score `period` (those of its year)."""
        p = Period.parse(period) if isinstance(period, str) else period
        return catalogs_for_year(self.catalogs, p.year)

    def catalog(self, code: str) -> Catalog:
        return next(c for c in self.catalogs if c.code == code)

    def sync_dimensions(self) -> None:
        """Registries and catalogs loaded into the warehouse (once per process)."""
        if self._synced:
            return
        with self.warehouse.write_lock() as session:
            sync_registry(session, self.registry)
            for catalog in self.catalogs:
                sync_catalog(session, catalog)
        self._synced = True

    def close(self) -> None:
        if "warehouse" in self.__dict__:
            self.warehouse.dispose()
