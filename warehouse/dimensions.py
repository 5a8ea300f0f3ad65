"""Loading the registries, catalogs and periods into the dimension tables (upserts)."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator, Protocol

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kaoping.scoring.catalog import Catalog
from kaoping.scoring.periods import Period
from kaoping.warehouse.models import (DimCatalog, DimDepartment, DimIndicator, DimPeriod, DimRecipient,
                              DimUnit)

_PARAMETERS = ("target", "floor", "ceiling", "base", "step", "min_points", "per", "cap", "integer",
               "range", "missing", "aliases")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off for the block (and back on after it, if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _upsert(session: Session, model, columns: list[str], rows: list[tuple]) -> None:
    """Insert new rows and update changed ones: one read of the table, one executemany for each kind."""
    # 20,000 stored rows are 40,000 new tuples, which can set off a full collection of the whole
    # process (0.15 s, more than the sync itself); they hold no cycles, so nothing is lost by waiting
    with _gc_paused():
        _write_differences(session, model, columns, rows)


def _write_differences(session: Session, model, columns: list[str], rows: list[tuple]) -> None:
    """The upsert itself: read the table's `columns` once, compare in memory, write only what differs."""
    mapper = model.__mapper__
    at = [columns.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key]
    # keyed by primary key, the last row of a key wins (as one merge per row did)
    wanted = {tuple(row[i] for i in at): row for row in rows}
    stored = session.connection().execute(select(*(getattr(model, c) for c in columns))).all()
    existing = {tuple(row[i] for i in at): tuple(row) for row in stored}
    new = [dict(zip(columns, row)) for key, row in wanted.items() if key not in existing]
    changed = [dict(zip(columns, row)) for key, row in wanted.items()
               if key in existing and existing[key] != row]
    if new:
        session.execute(insert(model), new)
    if changed:
        session.execute(update(model), changed)


def _text(frame: pd.DataFrame, column: str, blank: str | None = "") -> list[str | None]:
    """A registry column as a list of str, empty cells as `blank`."""
    return [value or blank for value in frame[column].tolist()]


def _joined(frame: pd.DataFrame, column: str) -> list[str]:
    """A tuple-valued registry column (aliases) as `|`-separated text, as in the CSV."""
    return ["|".join(value) for value in frame[column].tolist()]


class RegistryFrames(Protocol):
    """The registry CSVs as frames (kaoping.sources.registry.Registry is one)."""

    departments: pd.DataFrame
    units: pd.DataFrame
    recipients: pd.DataFrame


def sync_registry(session: Session, registry: RegistryFrames) -> None:
    """dim_unit, dim_department, dim_recipient brought in line with the registry CSVs."""
    deps, units, recipients = registry.departments, registry.units, registry.recipients
    _upsert(session, DimDepartment, ["code", "name", "aliases", "email"],
            list(zip(_text(deps, "code"), _text(deps, "name"), _joined(deps, "aliases"), _joined(deps, "email"))))
    _upsert(session, DimUnit, ["code", "name", "kind", "parent", "group_code", "aliases", "valid_from", "valid_to"],
            list(zip(_text(units, "code"), _text(units, "name"), _text(units, "kind"),
                     _text(units, "parent", None), _text(units, "group", None), _joined(units, "aliases"),
                     _text(units, "valid_from", None), _text(units, "valid_to", None))))
    _upsert(session, DimRecipient, ["recipient", "email", "name"],
            list(zip(_text(recipients, "recipient"), _text(recipients, "email"), _text(recipients, "name"))))


def _indicator_row(catalog: Catalog, ind) -> dict:
    cat_names = {c.code: c.name for c in catalog.categories}
    params = {k: v for k, v in ind.model_dump(include=set(_PARAMETERS)).items() if v not in (None, (), False)}
    if ind.derived:
        params["derived"] = ind.derived.model_dump(exclude_none=True)
    return {"catalog_code": catalog.code, "code": ind.code, "name": ind.name, "kind": ind.kind,
            "category_code": ind.category_code, "category_name": cat_names.get(ind.category_code),
            "unit": ind.unit, "source_department": ind.source, "method": ind.method,
            "direction": ind.direction, "points": ind.points, "parameters": params}


def sync_catalog(session: Session, catalog: Catalog) -> None:
    """dim_catalog and dim_indicator brought in line with one catalog (indicators never deleted)."""
    existing = session.get(DimCatalog, catalog.code)
    if existing is not None and existing.sha256 == catalog.sha256:
        return
    session.merge(DimCatalog(code=catalog.code, name=catalog.name, year=catalog.year,
                             assessed_kind=catalog.assessed_kind, sha256=catalog.sha256,
                             source_path=catalog.source_path, loaded_at=datetime.now(timezone.utc)))
    session.flush()
    rows = [_indicator_row(catalog, i) for i in catalog.all_indicators()]
    if rows:
        _upsert(session, DimIndicator, list(rows[0]), [tuple(row.values()) for row in rows])


def ensure_period(session: Session, period: Period | str) -> str:
    """The period's dim_period row, created when new; returns its code."""
    p = Period.parse(period) if isinstance(period, str) else period
    if session.get(DimPeriod, p.code) is None:
        session.add(DimPeriod(code=p.code, grain=p.grain, year=p.year, ordinal=p.ordinal, label=p.label))
        session.flush()
    return p.code


def known_periods(session: Session) -> list[str]:
    """Every period in dim_period, any grain."""
    return list(session.scalars(select(DimPeriod.code)))
