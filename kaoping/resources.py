"""Wiring: one settings object → the workspace's resources (warehouse, registry, catalogs).

Like Dagster's resources, every external system is reached through here, so a test builds a
`Resources` for a temporary workspace and gets the real SQLite/PostgreSQL warehouse.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kaoping.config import Settings, load_settings
from kaoping.catalogs import load_catalogs
from kaoping.scoring.catalog import Catalog, catalogs_for_year
from kaoping.scoring.periods import Period
from kaoping.sources.registry import Registry
from kaoping.warehouse.dimensions import sync_catalog, sync_registry
from kaoping.warehouse.engine import Warehouse


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
        return load_catalogs(self.settings.catalog_dir, set(self.registry.departments["code"]),
                             self.registry.groups())

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
