"""Adjustments (人工调整): the append-only `adjustment` table and the lineage of the scores that used one.

Revision ID: 0008
Revises: 0007

`adjustment` rows are never changed or deleted (the database refuses it, as it refuses changes to
a published run); `fact_score_adjustment` rows belong to their run and are immutable once it is
published, like fact_score.
"""
import sqlalchemy as sa
from alembic import op

from kaoping.warehouse.models import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MESSAGE = "人工调整记录不可修改或删除 / an adjustment is never changed or deleted"
RUN_MESSAGE = "已发布的评分批次不可修改 / a published score run is immutable"


def _tables() -> None:
    op.create_table(
        "adjustment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("catalog_code", sa.String(length=64), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_adjustment_reason_given")),
        sa.CheckConstraint("length(trim(author)) > 0", name=op.f("ck_adjustment_author_given")),
        sa.ForeignKeyConstraint(["catalog_code", "indicator_code"], ["dim_indicator.catalog_code", "dim_indicator.code"],
                                name=op.f("fk_adjustment_catalog_code_dim_indicator")),
        sa.ForeignKeyConstraint(["period"], ["dim_period.code"], name=op.f("fk_adjustment_period_dim_period")),
        sa.ForeignKeyConstraint(["unit_code"], ["dim_unit.code"], name=op.f("fk_adjustment_unit_code_dim_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment")),
    )
    op.create_index("ix_adjustment_lookup", "adjustment", ["period", "indicator_code", "unit_code"])
    op.create_table(
        "fact_score_adjustment",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["adjustment_id"], ["adjustment.id"],
                                name=op.f("fk_fact_score_adjustment_adjustment_id_adjustment")),
        sa.ForeignKeyConstraint(["run_id"], ["score_run.id"], name=op.f("fk_fact_score_adjustment_run_id_score_run")),
        sa.ForeignKeyConstraint(["unit_code"], ["dim_unit.code"],
                                name=op.f("fk_fact_score_adjustment_unit_code_dim_unit")),
        sa.PrimaryKeyConstraint("run_id", "unit_code", "indicator_code", name=op.f("pk_fact_score_adjustment")),
    )


def _sqlite_triggers() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER adjustment_{verb.lower()} BEFORE {verb} ON adjustment
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    for verb, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
        op.execute(f"""CREATE TRIGGER fact_score_adjustment_published_{verb.lower()}
            BEFORE {verb} ON fact_score_adjustment
            WHEN (SELECT status FROM score_run WHERE id = {row}.run_id) = 'published'
            BEGIN SELECT RAISE(ABORT, '{RUN_MESSAGE}'); END""")


def _postgres_triggers() -> None:
    op.execute(f"""CREATE FUNCTION kaoping_refuse_adjustment_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER adjustment_append_only BEFORE UPDATE OR DELETE ON adjustment
        FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_adjustment_change()""")
    # the function of 0002/0003 refuses rows of a published run in any table with run_id
    op.execute("""CREATE TRIGGER fact_score_adjustment_published BEFORE INSERT OR UPDATE OR DELETE
        ON fact_score_adjustment FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_published_run()""")


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgres_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER fact_score_adjustment_published ON fact_score_adjustment")
        op.execute("DROP TRIGGER adjustment_append_only ON adjustment")
        op.execute("DROP FUNCTION kaoping_refuse_adjustment_change()")
    op.drop_table("fact_score_adjustment")  # SQLite drops a table's triggers with it
    op.drop_index("ix_adjustment_lookup", table_name="adjustment")
    op.drop_table("adjustment")
