"""Re-examination of rejected files (issue 12): what a file was judged against, and when it was
examined again.

Revision ID: 0010
Revises: 0009

`judged_with` is the SHA-256 of the registries, catalogs and intake limits a file was examined
under (kaoping.stages.resources.Resources.judged_with); a rejected file judged under other ones is
examined again. Rows older than this revision have none and are examined again once. A file
answered by a 退回 and, examined again, by a 回执 is sent both: `uq_distribution_sent` gains `kind`.
"""
import sqlalchemy as sa
from alembic import op

from kaoping.warehouse.models import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


SENT = sa.text("status = 'sent'")


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("judged_with", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("rechecked_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("distribution") as batch:
        batch.drop_index("uq_distribution_sent", sqlite_where=SENT, postgresql_where=SENT)
        batch.create_index("uq_distribution_sent", ["recipient", "email", "sha256", "kind"], unique=True,
                           sqlite_where=SENT, postgresql_where=SENT)


def downgrade() -> None:
    with op.batch_alter_table("distribution") as batch:
        batch.drop_index("uq_distribution_sent", sqlite_where=SENT, postgresql_where=SENT)
        batch.create_index("uq_distribution_sent", ["recipient", "email", "sha256"], unique=True,
                           sqlite_where=SENT, postgresql_where=SENT)
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("rechecked_at")
        batch.drop_column("judged_with")
