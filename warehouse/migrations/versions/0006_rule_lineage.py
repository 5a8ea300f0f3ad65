"""SPEC §4b: category deduction items (dim_indicator kind `deduction`) and what each rule used.

Revision ID: 0006
Revises: 0003

fact_score.detail and fact_ranking.detail hold, as JSON text, what a §4b rule used for that row
(band matched, curve segment, benchmark reference, pool cap applied, grade effect, the parts of a
combined year). Columns are added with ALTER TABLE ADD COLUMN, so SQLite keeps the fact tables'
immutability triggers; only dim_indicator (no triggers) is rebuilt for its CHECK constraint.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KINDS = ("scored", "bonus", "penalty", "veto", "input", "derived")
NEW_KINDS = (*OLD_KINDS, "deduction")


def _check(kinds: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(k) for k in kinds)})"


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("dim_indicator", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_dim_indicator_kind"), type_="check")
        batch_op.create_check_constraint("kind", _check(kinds))


def upgrade() -> None:
    _kinds(NEW_KINDS)
    op.add_column("fact_score", sa.Column("detail", sa.Text(), nullable=True))
    op.add_column("fact_ranking", sa.Column("detail", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("fact_ranking", "detail")  # ALTER TABLE DROP COLUMN (SQLite ≥ 3.35): triggers stay
    op.drop_column("fact_score", "detail")
    op.execute("DELETE FROM dim_indicator WHERE kind = 'deduction'")
    _kinds(OLD_KINDS)
