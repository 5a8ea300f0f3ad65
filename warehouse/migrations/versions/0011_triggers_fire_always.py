"""The warehouse's triggers fire whatever the session's replication role (PostgreSQL).

Revision ID: 0011
Revises: 0010

kaoping.warehouse.bulk inserts many rows with `session_replication_role = replica`, which turns
off the server's per-row foreign-key triggers (it checks the keys once per statement instead)
and, by default, every other trigger too. ENABLE ALWAYS keeps the immutability and append-only
triggers firing in that role, so that a published run stays immutable on every path; the bulk
path checks that each trigger of its table is so before it leaves the ordinary role.
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TRIGGERS = {
    "score_run": "score_run_published",
    "fact_score": "fact_score_published",
    "fact_category_score": "fact_category_score_published",
    "fact_ranking": "fact_ranking_published",
    "adjustment": "adjustment_append_only",
    "fact_score_adjustment": "fact_score_adjustment_published",
    "run_finalization": "run_finalization_append_only",
}


def _enable(mode: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no replication role: its triggers always fire
    for table, trigger in TRIGGERS.items():
        op.execute(f"ALTER TABLE {table} ENABLE {mode} TRIGGER {trigger}")


def upgrade() -> None:
    _enable("ALWAYS")


def downgrade() -> None:
    _enable("")
