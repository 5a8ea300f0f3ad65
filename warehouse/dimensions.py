"""Loading the registries, catalogs and periods into the dimension tables (upserts)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.catalog import Catalog
from scoring.periods import Period
from sources.registry import Registry
from warehouse.models import (DimCatalog, DimDepartment, DimIndicator, DimPeriod, DimRecipient,
                              DimUnit)

_PARAMETERS = ("target", "floor", "ceiling", "base", "step", "min_points", "per", "cap", "integer",
               "range", "missing", "aliases")


def _upsert(session: Session, model, rows: list[dict]) -> None:
    """Insert new rows and update changed ones; unchanged rows cost one bulk read, not a merge each."""
    keys = [c.key for c in model.__mapper__.primary_key]
    columns = list(rows[0]) if rows else []
    existing = {tuple(getattr(obj, k) for k in keys): {c: getattr(obj, c) for c in columns}
                for obj in session.scalars(select(model))}
    for row in rows:
        if existing.get(tuple(row[k] for k in keys)) != row:
            session.merge(model(**row))


def sync_registry(session: Session, registry: Registry) -> None:
    """dim_unit, dim_department, dim_recipient brought in line with the registry CSVs."""
    _upsert(session, DimDepartment, [
        {"code": r.code, "name": r.name, "aliases": "|".join(r.aliases)}
        for r in registry.departments.itertuples(index=False)])
    _upsert(session, DimUnit, [
        {"code": r.code, "name": r.name, "kind": r.kind, "parent": r.parent or None,
         "group_code": r.group or None, "aliases": "|".join(r.aliases),
         "valid_from": r.valid_from or None, "valid_to": r.valid_to or None}
        for r in registry.units.itertuples(index=False)])
    _upsert(session, DimRecipient, [
        {"recipient": r.recipient, "email": r.email, "name": r.name}
        for r in registry.recipients.itertuples(index=False)])


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
    _upsert(session, DimIndicator, [_indicator_row(catalog, i) for i in catalog.all_indicators()])


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
