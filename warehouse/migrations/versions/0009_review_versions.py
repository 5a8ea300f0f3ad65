"""Review versions (征求意见稿) and their finalisation (定稿, SPEC §11).

Revision ID: 0009
Revises: 0008

`score_run.review_until` is written while the run is a draft (publishing sets it), so the
immutability triggers of 0002/0003 need no exception: a published run, review or final, is never
changed. Making a review version final adds a `run_finalization` row instead, which is itself
append-only (the database refuses to change or delete it).
"""
import sqlalchemy as sa
from alembic import op

from kaoping.warehouse.models import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MESSAGE = "定稿记录不可修改或删除 / a finalisation is never changed or deleted"


def _tables() -> None:
    # plain ALTER TABLE, not a batch: recreating score_run on SQLite would drop its triggers
    op.add_column("score_run", sa.Column("review_until", UtcDateTime(), nullable=True))
    op.create_table(
        "run_finalization",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("finalized_at", UtcDateTime(), nullable=False),
        sa.Column("finalized_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["period"], ["dim_period.code"], name=op.f("fk_run_finalization_period_dim_period")),
        sa.ForeignKeyConstraint(["run_id"], ["score_run.id"], name=op.f("fk_run_finalization_run_id_score_run")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_finalization")),
    )
    op.create_index("ix_run_finalization_period", "run_finalization", ["period"])


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER run_finalization_{verb.lower()} BEFORE {verb} ON run_finalization
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    else:
        op.execute(f"""CREATE FUNCTION kaoping_refuse_finalization_change() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER run_finalization_append_only BEFORE UPDATE OR DELETE ON run_finalization
            FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_finalization_change()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER run_finalization_append_only ON run_finalization")
        op.execute("DROP FUNCTION kaoping_refuse_finalization_change()")
    op.drop_index("ix_run_finalization_period", table_name="run_finalization")
    op.drop_table("run_finalization")  # SQLite drops a table's triggers with it
    op.drop_column("score_run", "review_until")
