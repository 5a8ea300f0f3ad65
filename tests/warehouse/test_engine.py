"""Warehouse transactions: writers serialise, readers take snapshots that never wait for them."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from kaoping.warehouse.engine import Warehouse
from kaoping.warehouse.models import DimDepartment


def test_a_reader_neither_waits_for_nor_blocks_the_writer(sqlite_url):
    wh = Warehouse(sqlite_url)
    with wh.write_lock() as session:
        session.add(DimDepartment(code="GA", name="公安局"))
    reader_saw: list[list[str]] = []
    with wh.reading() as reader:
        before = list(reader.scalars(select(DimDepartment.code)))
        # the writer commits while the read transaction is open (in another thread: its own connection)
        writer = threading.Thread(target=_add_department, args=(wh, "FY", "法院"))
        writer.start()
        writer.join(timeout=10)
        assert not writer.is_alive(), "the writer waited for a reader"
        reader_saw.append(list(reader.scalars(select(DimDepartment.code))))
    with wh.reading() as reader:
        after = sorted(reader.scalars(select(DimDepartment.code)))
    assert before == ["GA"] and reader_saw == [["GA"]]  # one snapshot for the whole read
    assert after == ["FY", "GA"]
    wh.dispose()


def test_writing_in_a_read_transaction_fails(sqlite_url):
    wh = Warehouse(sqlite_url)
    with pytest.raises(OperationalError, match="readonly"):
        with wh.reading() as reader:
            reader.execute(text("INSERT INTO dim_department (code, name) VALUES ('X', 'x')"))
    wh.dispose()


def test_reading_works_on_every_database(warehouse):
    with warehouse.write_lock() as session:
        session.add(DimDepartment(code="GA", name="公安局"))
    with warehouse.reading() as reader:
        assert list(reader.scalars(select(DimDepartment.name))) == ["公安局"]


def _add_department(wh: Warehouse, code: str, name: str) -> None:
    with wh.write_lock() as session:
        session.add(DimDepartment(code=code, name=name))


def test_a_named_lock_is_held_by_one_holder_at_a_time(db_url):
    """A second holder (another connection, another open lock file) waits for the first to let go."""
    import threading
    import time

    from kaoping.warehouse.engine import Warehouse

    first, second = Warehouse(db_url), Warehouse(db_url)
    held, events = threading.Event(), []

    def hold() -> None:
        with first.named_lock("receipts"):
            events.append("first in")
            held.set()
            time.sleep(0.5)
            events.append("first out")

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    with second.named_lock("other"):  # another name is another lock: no wait
        events.append("other")
    with second.named_lock("receipts"):
        events.append("second in")
    holder.join()
    first.dispose()
    second.dispose()
    assert events == ["first in", "other", "first out", "second in"]
