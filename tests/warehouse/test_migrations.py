"""Alembic migrations: applied on start from an empty database, idempotent, reversible, and in sync
with the models, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

from kaoping.warehouse.dimensions import ensure_period
from kaoping.warehouse.engine import MIGRATIONS, Warehouse, WarehouseError
from kaoping.warehouse.models import Base, DimPeriod


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _tables(wh: Warehouse) -> set[str]:
    return set(inspect(wh.engine).get_table_names())


def test_migrations_create_every_table_from_empty(db_url: str) -> None:
    engine = create_engine(db_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
    wh = Warehouse(db_url)
    try:
        assert _tables(wh) == set(Base.metadata.tables) | {"alembic_version"}
        with wh.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == _head()
    finally:
        wh.dispose()


def test_starting_twice_changes_nothing_and_keeps_the_data(db_url: str) -> None:
    first = Warehouse(db_url)
    with first.session() as s:
        ensure_period(s, "2025Q3")
    first.dispose()
    second = Warehouse(db_url)
    second.migrate()
    try:
        with second.session() as s:
            assert s.scalars(select(DimPeriod.label)).all() == ["2025年第三季度"]
        with second.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        second.dispose()


def test_models_and_migrations_are_in_sync(warehouse: Warehouse) -> None:
    with warehouse.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_empty_and_upgrade_again(warehouse: Warehouse) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with warehouse.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert _tables(warehouse) <= {"alembic_version"}
    warehouse.migrate()
    assert _tables(warehouse) == set(Base.metadata.tables) | {"alembic_version"}


@pytest.mark.parametrize("url,fragment", [
    ("not a url", "数据库地址格式错误"),
    ("postgres://kp:secret@db/kaoping", "不受支持"),
    ("mysql://kp:secret@db/kaoping", "不受支持"),
    ("postgresql+psycopg://kp:secret@127.0.0.1:1/none", "无法连接数据库"),
])
def test_unreachable_or_unsupported_warehouse_is_a_one_line_warehouse_error(url: str, fragment: str) -> None:
    with pytest.raises(WarehouseError) as caught:
        Warehouse(url)
    message = str(caught.value)
    assert fragment in message and " / " in message and "\n" not in message
    assert "secret" not in message
