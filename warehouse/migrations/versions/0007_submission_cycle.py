"""The 报送 cycle (SPEC §10): mailbox intake, receipts, timeliness.

Revision ID: 0007
Revises: 0006

Departments gain sender addresses; submissions their timeliness and whether a 回执 is owed
(existing rows owe none: the departments were never promised one); distribution rows a kind;
the mailbox's messages and saved attachments get tables of their own.
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dim_department") as batch:
        batch.add_column(sa.Column("email", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("timeliness", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("days_late", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("receipt_pending", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    with op.batch_alter_table("distribution") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="outputs"))
        batch.add_column(sa.Column("subject", sa.Text(), nullable=True))
        batch.create_check_constraint("kind", "kind IN ('outputs', 'receipt', 'return', 'reminder')")
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('taken', 'unknown_sender', 'no_spreadsheet', 'too_large')",
                           name=op.f("ck_mail_message_status")),
        sa.ForeignKeyConstraint(["department_code"], ["dim_department.code"],
                                name=op.f("fk_mail_message_department_code_dim_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_message_message_id")),
    )
    op.create_table(
        "mail_attachment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("inbox_path", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["mail_message.id"],
                                name=op.f("fk_mail_attachment_message_pk_mail_message")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachment")),
        sa.UniqueConstraint("message_pk", "sha256", name=op.f("uq_mail_attachment_message_pk_sha256")),
    )
    op.create_index(op.f("ix_mail_attachment_sha256"), "mail_attachment", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mail_attachment_sha256"), table_name="mail_attachment")
    op.drop_table("mail_attachment")
    op.drop_table("mail_message")
    with op.batch_alter_table("distribution") as batch:
        batch.drop_constraint("kind", type_="check")
        batch.drop_column("subject")
        batch.drop_column("kind")
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("receipt_pending")
        batch.drop_column("days_late")
        batch.drop_column("timeliness")
    with op.batch_alter_table("dim_department") as batch:
        batch.drop_column("email")
