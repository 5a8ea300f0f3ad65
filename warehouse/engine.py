"""The warehouse resource: one engine (SQLite or PostgreSQL), migrations applied on open."""
from __future__ import annotations

import fcntl
import zlib
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened (message in Chinese / English)."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA journal_mode=WAL")
    # 64 MiB page cache instead of 2 MiB: a score run's 384,000 inserts check their foreign keys
    # against fact_value and dim_unit, and the default cache rereads those pages (1.5 s → 1 s)
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_begin(conn) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: concurrent writers queue instead of failing
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_only(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA query_only=ON")


def _sqlite_begin_deferred(conn) -> None:
    # a reader's snapshot (WAL): it neither waits for nor blocks the writer
    conn.exec_driver_sql("BEGIN")


def make_engine(url: str, read_only: bool = False) -> Engine:
    """An engine with the settings kaoping relies on (foreign keys and WAL on SQLite); a
    `read_only` SQLite engine's transactions are snapshots that cannot write."""
    try:
        return _engine(make_url(url), read_only)
    except (ArgumentError, ImportError):
        # kaoping supports SQLite and PostgreSQL; anything else (postgres://, mysql://…) stops here
        shown = _shown(url)
        raise WarehouseError(f"数据库地址格式错误或不受支持：{shown}（应为 sqlite:/// 或 postgresql://） / "
                             f"bad or unsupported database URL: {shown} (use sqlite:/// or postgresql://)") from None


def _shown(url: str) -> str:
    """The URL as it may appear in a message: without its password."""
    try:
        return make_url(url).render_as_string()
    except ArgumentError:
        return url


def _engine(parsed: URL, read_only: bool = False) -> Engine:
    """The engine for a parsed URL; `postgresql://` gets the psycopg 3 driver."""
    url = parsed.render_as_string(hide_password=False)
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database).parent if parsed.database and parsed.database != ":memory:" else None
        if folder is not None and not folder.is_dir():
            # a typo in the URL must not create a folder tree and an empty warehouse somewhere
            raise WarehouseError(f"数据库目录不存在：{folder}（请检查地址 {_shown(url)}，或先创建该目录） / "
                                 f"the database folder does not exist: {folder} (check the URL or create it)")
        engine = create_engine(url, connect_args={"isolation_level": None, "timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
        if read_only:
            event.listen(engine, "connect", _sqlite_read_only)
        event.listen(engine, "begin", _sqlite_begin_deferred if read_only else _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


class Warehouse:
    """The warehouse behind one URL; `session()` gives a transaction that commits or rolls back."""

    def __init__(self, url: str, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (safe to call on every start)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    # serialise concurrent first starts: only one process creates the tables
                    conn.execute(text("SELECT pg_advisory_xact_lock(727274001)"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            reason = " ".join(str(exc.orig).split())  # the driver's message spans lines; ours is one
            raise WarehouseError(f"无法连接数据库 {_shown(self.url)}：{reason} / "
                                 f"cannot open the warehouse: {reason}") from None
        except DatabaseError as exc:  # SQLite: "file is not a database" (a text file, an encrypted one)
            reason = " ".join(str(exc.orig).split())
            raise WarehouseError(f"数据库文件无法使用（不是 SQLite 数据库或已损坏）{_shown(self.url)}：{reason} / "
                                 f"not a usable database: {reason}") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    @cached_property
    def _readers(self) -> sessionmaker:
        """Sessions for reading only: on SQLite a second engine whose transactions are snapshots,
        so a long read (a period's workbooks) and the writer (the next period's scoring) overlap."""
        if self.dialect != "sqlite":
            return self._sessions
        return sessionmaker(make_engine(self.url, read_only=True), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (writing in it fails on SQLite)."""
        with self._readers() as session, session.begin():
            yield session

    @contextmanager
    def write_lock(self) -> Iterator[Session]:
        """A transaction that holds the warehouse-wide write lock (serialises loads and runs)."""
        with self.session() as session:
            if self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(727274002)"))
            yield session

    @contextmanager
    def named_lock(self, name: str) -> Iterator[None]:
        """Held by one process at a time across transactions (e.g. while a message is sent and then
        recorded); the operating system or the server releases it when its holder dies."""
        if self.dialect == "postgresql":
            key = zlib.crc32(name.encode())
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
            return
        database = self.engine.url.database
        if not database or database == ":memory:":  # one process only: nothing to share
            yield
            return
        with open(f"{database}.{name}.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.engine.dispose()
        if "_readers" in self.__dict__ and self._readers is not self._sessions:
            self._readers.kw["bind"].dispose()
