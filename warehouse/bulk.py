"""Many rows into one warehouse table at once: fact_value per file, a score run's facts per block.

On PostgreSQL the rows are COPYed. The server checks foreign keys with a trigger per row, which
costs more than the COPY itself (18,000 fact_value rows with four keys: 0.40 s a file, 0.11 s
checked per statement). So, where the role may set `session_replication_role` and every trigger
of the table fires in every role (migration 0011), the rows are staged in a temporary table,
each foreign key is checked once over the distinct keys and the referenced rows are locked
FOR KEY SHARE as the server's own check would, and the staged rows are then inserted with the
per-row key checks off. Every other trigger, the immutability of published runs included, still
fires per row. Otherwise, or when a key has no referenced row (so that the server raises its own
error), the rows go in the ordinary way.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import ForeignKeyConstraint, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

STAGE = "kaoping_bulk_stage"


def bulk_insert(session: Session, table: Table, columns: Sequence[str], batches: Iterable[list[tuple]]) -> None:
    """Rows (batches of plain tuples in `columns` order) into `table` in the session's transaction:
    COPY on PostgreSQL, one DBAPI executemany per batch elsewhere. Both skip SQLAlchemy's
    per-row parameter handling, which costs seconds at the 10⁵–10⁶ rows of a province."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    if connection.dialect.name == "postgresql":
        dbapi = connection.dialect.loaded_dbapi
        try:
            _postgres_insert(connection.connection.driver_connection, table, columns, batches, quote)
        except dbapi.Error as exc:  # raised as SQLAlchemy raises it on SQLite: IntegrityError for a refused row
            raise DBAPIError.instance(f"COPY {table.name}", None, exc, dbapi.Error) from None
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                 f"VALUES ({', '.join([mark] * len(columns))})")
    for rows in batches:
        connection.exec_driver_sql(statement, rows)


def _postgres_insert(driver, table: Table, columns: Sequence[str], batches: Iterable[list[tuple]], quote) -> None:
    """The rows COPYed in: through a staged, per-statement key check where that is allowed."""
    names = ", ".join(quote(c) for c in columns)
    with driver.cursor() as cursor:
        if not _keys_checkable(cursor, table, columns, quote, driver.info.server_version):
            _copy(cursor, f"{quote(table.name)} ({names})", batches)
            return
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS "
                       f"SELECT {names} FROM ONLY {quote(table.name)} WITH NO DATA")
        _copy(cursor, f"{STAGE} ({names})", batches)
        held = all(_referenced_rows_held(cursor, key, quote) for key in table.foreign_key_constraints
                   if all(c.name in columns for c in key.columns))
        if held:
            cursor.execute("SET LOCAL session_replication_role = replica")
        # ctid order is the order the rows were given in: serial ids follow the file's rows
        cursor.execute(f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} FROM {STAGE} ORDER BY ctid")
        if held:
            cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(f"DROP TABLE {STAGE}")


def _copy(cursor, target: str, batches: Iterable[list[tuple]]) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for rows in batches:
            for row in rows:
                copy.write_row(row)


def _keys_checkable(cursor, table: Table, columns: Sequence[str], quote, server_version: int) -> bool:
    """Whether this transaction may check `table`'s foreign keys per statement: it runs in the
    ordinary role and may leave it, every foreign-key column is given or NULL (no default), and
    every trigger on the table fires the same whatever the role (ENABLE ALWAYS, or disabled)."""
    if any(c.name not in columns and (c.default is not None or c.server_default is not None)
           for key in table.foreign_key_constraints for c in key.columns):
        return False
    # PostgreSQL 15 lets a superuser GRANT SET ON PARAMETER session_replication_role to a role
    granted = " OR has_parameter_privilege('session_replication_role', 'SET')" if server_version >= 150000 else ""
    cursor.execute(f"""SELECT current_setting('session_replication_role') = 'origin'
                             AND ((SELECT rolsuper FROM pg_roles WHERE rolname = current_user){granted})
                             AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass
                                             AND NOT tgisinternal AND tgenabled NOT IN ('A', 'D'))""",
                   (quote(table.name),))
    return bool(cursor.fetchone()[0])


def _referenced_rows_held(cursor, key: ForeignKeyConstraint, quote) -> bool:
    """Whether every staged non-null key has its referenced row, each such row now locked
    FOR KEY SHARE (so that it cannot be deleted or its key changed before this transaction ends)."""
    local = [quote(c.name) for c in key.columns]
    remote = [quote(e.column.name) for e in key.elements]
    referred = quote(key.referred_table.name)
    present = " AND ".join(f"{c} IS NOT NULL" for c in local)
    cursor.execute(f"""WITH wanted AS (SELECT DISTINCT {', '.join(local)} FROM {STAGE} WHERE {present}),
                            held AS (SELECT 1 FROM ONLY {referred} r
                                     WHERE ({', '.join(f'r.{c}' for c in remote)}) IN (SELECT * FROM wanted)
                                     FOR KEY SHARE OF r)
                       SELECT (SELECT count(*) FROM wanted) = (SELECT count(*) FROM held)""")
    return bool(cursor.fetchone()[0])
