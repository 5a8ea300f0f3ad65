"""The bulk path (kaoping.warehouse.bulk): rows land in the order given, a missing referenced row is
refused with nothing written, and on PostgreSQL the per-statement key check holds the referenced
rows as the server's own check would, and is only taken where every trigger still fires."""
from __future__ import annotations

import uuid
from pathlib import Path


import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kaoping.warehouse import bulk
from kaoping.warehouse.bulk import bulk_insert
from kaoping.warehouse.models import FactScore, FactValue
from tests.warehouse.warehouse_kit import loaded, scored_run, submission_row

VALUE_COLUMNS = ["submission_id", "unit_code", "catalog_code", "indicator_code", "period", "value", "flags"]
SCORE_COLUMNS = ["run_id", "unit_code", "indicator_code", "flags", "fact_value_id"]


@pytest.fixture
def wh(warehouse, tmp_path: Path):
    return loaded(warehouse, tmp_path)


def _submission(wh, sha: str = "a") -> int:
    with wh.session() as s:
        sub = submission_row(sha256=sha * 64)
        s.add(sub)
        s.flush()
        return sub.id


def _values(submission_id: int, units: list[str]) -> list[tuple]:
    return [(submission_id, unit, "wh-test-2025", indicator, "2025Q1", float(k), "")
            for k, (unit, indicator) in enumerate((u, i) for i in ("C01-01", "V01") for u in units)]


def test_rows_land_whole_and_their_serial_ids_follow_the_order_given(wh) -> None:
    sub = _submission(wh)
    rows = _values(sub, ["C02", "C01"])
    with wh.session() as s:
        bulk_insert(s, FactValue.__table__, VALUE_COLUMNS, [rows[:3], rows[3:]])
    with wh.session() as s:
        stored = s.execute(select(FactValue.unit_code, FactValue.indicator_code, FactValue.value)
                           .order_by(FactValue.id)).all()
    assert [tuple(r) for r in stored] == [(unit, indicator, value) for _, unit, _, indicator, _, value, _ in rows]


@pytest.mark.parametrize("bad", [{"unit_code": "X99"}, {"indicator_code": "C09-09"}, {"period": "2031Q4"},
                                 {"submission_id": 9_999}])
def test_a_row_without_its_referenced_row_is_refused_and_nothing_is_written(wh, bad) -> None:
    sub = _submission(wh)
    rows = _values(sub, ["C01", "C02"])
    wrong = dict(zip(VALUE_COLUMNS, rows[-1])) | bad
    with pytest.raises(IntegrityError, match="foreign key|FOREIGN KEY"):
        with wh.session() as s:
            bulk_insert(s, FactValue.__table__, VALUE_COLUMNS, [rows[:-1], [tuple(wrong.values())]])
    with wh.session() as s:
        assert s.scalar(select(FactValue.id).limit(1)) is None


def test_a_score_row_pointing_at_a_missing_value_is_refused(wh) -> None:
    run_id = scored_run(wh, "draft", with_submission=False)
    with pytest.raises(IntegrityError, match="foreign key|FOREIGN KEY"):
        with wh.session() as s:
            bulk_insert(s, FactScore.__table__, SCORE_COLUMNS, [[(run_id, "C02", "C01-01", "", 424_242)]])


@pytest.fixture
def pg_wh(pg_url, tmp_path: Path):
    from kaoping.warehouse.engine import Warehouse

    wh = loaded(Warehouse(pg_url), tmp_path)
    yield wh
    wh.dispose()


def _checkable(session, table, columns) -> bool:
    driver = session.connection().connection.driver_connection
    quote = session.connection().dialect.identifier_preparer.quote
    with driver.cursor() as cursor:
        return bulk._keys_checkable(cursor, table, columns, quote, driver.info.server_version)


@pytest.mark.postgres
def test_referenced_rows_are_held_until_the_transaction_ends(pg_wh) -> None:
    sub = _submission(pg_wh)
    with pg_wh.session() as s:
        assert _checkable(s, FactValue.__table__, VALUE_COLUMNS)
        bulk_insert(s, FactValue.__table__, VALUE_COLUMNS, [_values(sub, ["C01"])])
        assert s.scalar(text("SELECT current_setting('session_replication_role')")) == "origin"
        with pg_wh.engine.connect() as other:
            other.execute(text("SET lock_timeout = '300ms'"))
            # a key-share lock conflicts with FOR UPDATE, the lock a delete of the unit would take
            with pytest.raises(Exception, match="lock"):
                other.execute(text("SELECT 1 FROM dim_unit WHERE code = 'C01' FOR UPDATE")).all()
            other.rollback()
            assert other.execute(text("SELECT 1 FROM dim_unit WHERE code = 'C02' FOR UPDATE")).all() == [(1,)]
            other.rollback()


@pytest.mark.postgres
def test_a_trigger_that_does_not_always_fire_keeps_the_per_row_path(pg_wh) -> None:
    sub = _submission(pg_wh)
    with pg_wh.session() as s:
        s.execute(text("CREATE TABLE seen (n int)"))
        s.execute(text("CREATE FUNCTION count_seen() RETURNS trigger AS $$ BEGIN INSERT INTO seen VALUES (1); "
                       "RETURN NEW; END $$ LANGUAGE plpgsql"))
        s.execute(text("CREATE TRIGGER value_seen BEFORE INSERT ON fact_value FOR EACH ROW "
                       "EXECUTE FUNCTION count_seen()"))
    with pg_wh.session() as s:
        assert not _checkable(s, FactValue.__table__, VALUE_COLUMNS)
        bulk_insert(s, FactValue.__table__, VALUE_COLUMNS, [_values(sub, ["C01", "C02"])])
        assert s.scalar(text("SELECT count(*) FROM seen")) == 4


@pytest.mark.postgres
def test_a_role_that_may_not_leave_the_ordinary_role_keeps_the_per_row_path(pg_wh) -> None:
    sub = _submission(pg_wh)
    role = f"kaoping_plain_{uuid.uuid4().hex[:10]}"
    with pg_wh.session() as s:
        schema = s.scalar(text("SELECT current_schema()"))
        s.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        s.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
        s.execute(text(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}"))
        s.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"))
    try:
        with pg_wh.session() as s:
            s.execute(text(f"SET LOCAL ROLE {role}"))
            assert not _checkable(s, FactValue.__table__, VALUE_COLUMNS)
            bulk_insert(s, FactValue.__table__, VALUE_COLUMNS, [_values(sub, ["C01"])])
        with pytest.raises(IntegrityError, match="fk_fact_value_unit_code_dim_unit"):
            with pg_wh.session() as s:
                s.execute(text(f"SET LOCAL ROLE {role}"))
                bulk_insert(s, FactValue.__table__, VALUE_COLUMNS, [_values(sub, ["X99"])])
    finally:
        with pg_wh.session() as s:
            s.execute(text(f"DROP OWNED BY {role}"))
            s.execute(text(f"DROP ROLE {role}"))
    with pg_wh.session() as s:
        assert s.scalar(select(FactValue.id).limit(1)) is not None


@pytest.mark.postgres
def test_every_warehouse_trigger_fires_in_every_replication_role(pg_wh) -> None:
    with pg_wh.session() as s:
        modes = dict(s.execute(text("SELECT tgname, tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                    "WHERE c.relnamespace = current_schema()::regnamespace AND NOT tgisinternal")).all())
    assert len(modes) == 7 and set(modes.values()) == {"A"}, modes
