"""The kaoping commands measured: `run`, `ingest`, `backfill`, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PG_ADMIN_URL = os.environ.get("KAOPING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def kaoping_commands() -> tuple[set[str], str]:
    """(names of the registered CLI commands, why none are available when importing fails)."""
    try:
        from kaoping.cli import commands  # noqa: F401  (registers the commands)
        from kaoping.cli.app import app
    except Exception as exc:  # another engineer's module may be mid-edit: report, do not crash
        return set(), f"{type(exc).__name__}: {exc}"
    names = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}
    return names, ""


def kaoping_command(workspace: Path, db_url: str, *args: str) -> list[str]:
    """`kaoping -w WS --db URL ARGS…` with this interpreter."""
    return [sys.executable, "-m", "kaoping", "-w", str(workspace), "--db", db_url, *args]


def sqlite_url(workspace: Path) -> str:
    return f"sqlite:///{(Path(workspace) / 'warehouse.db').resolve()}"


def postgres_problem() -> str:
    """Why PostgreSQL cannot be used ('' when it can)."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return ""
    except Exception as exc:
        return f"PostgreSQL unreachable: {exc}".splitlines()[0]


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = PG_ADMIN_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def warehouse_summary(db_url: str, workspace: Path) -> dict:
    """What a run left behind: submissions by status, score runs, output files."""
    from sqlalchemy import create_engine, text

    out: dict = {}
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            for status, count in conn.execute(text("SELECT status, count(*) FROM submission GROUP BY status")):
                out[status] = int(count)
            out["runs"] = int(conn.execute(text("SELECT count(*) FROM score_run")).scalar_one())
    except Exception as exc:  # a failed run may leave no tables: the summary says so
        out["warehouse"] = f"unreadable: {type(exc).__name__}"
    finally:
        engine.dispose()
    files = [p for p in (Path(workspace) / "out").rglob("*") if p.is_file()]
    out["outputs"] = len(files)
    return out
