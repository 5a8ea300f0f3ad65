"""A change to a published score run raises an integrity error on PostgreSQL too (as on SQLite).

Revision ID: 0003
Revises: 0002

SQLite's RAISE(ABORT) surfaces as IntegrityError; a plain RAISE EXCEPTION in PostgreSQL would be
an InternalError. SQLSTATE 23001 (restrict_violation) makes both databases raise IntegrityError.
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "已发布的评分批次不可修改 / a published score run is immutable"


def _function(errcode: str) -> str:
    using = f" USING ERRCODE = '{errcode}'" if errcode else ""
    return f"""CREATE OR REPLACE FUNCTION kaoping_refuse_published_run() RETURNS trigger AS $$
        BEGIN
          IF TG_TABLE_NAME = 'score_run' THEN
            IF OLD.status = 'published' THEN RAISE EXCEPTION '{MESSAGE}'{using}; END IF;
          ELSIF (SELECT status FROM score_run
                 WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END) = 'published' THEN
            RAISE EXCEPTION '{MESSAGE}'{using};
          END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$ LANGUAGE plpgsql"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function("restrict_violation"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function(""))
