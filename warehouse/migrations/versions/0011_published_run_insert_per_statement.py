"""Rows inserted into a published run are refused once per statement on PostgreSQL, not per row.

Revision ID: 0011
Revises: 0010

The row trigger of 0002/0003/0008 looked the run's status up for every inserted row: about 2.5 of the
9.5 s that a COPY of one province period's 384,000 fact_score rows took (measured, 2026-12).
An AFTER INSERT statement trigger over the transition table does the same check with one join
per statement (COPY included) and aborts the whole statement, as the row trigger did. Updates
and deletes keep the row trigger: they are rare, and a statement trigger sees no OLD rows' runs
before they change. SQLite has no statement triggers: its row triggers stay.
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("fact_score", "fact_category_score", "fact_ranking", "fact_score_adjustment")
MESSAGE = "已发布的评分批次不可修改 / a published score run is immutable"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""CREATE FUNCTION kaoping_refuse_rows_of_published_run() RETURNS trigger AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM inserted JOIN score_run ON score_run.id = inserted.run_id
                     WHERE score_run.status = 'published') THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_published ON {table}")
        op.execute(f"""CREATE TRIGGER {table}_published BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_published_run()""")
        op.execute(f"""CREATE TRIGGER {table}_published_insert AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
            EXECUTE FUNCTION kaoping_refuse_rows_of_published_run()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_published_insert ON {table}")
        op.execute(f"DROP TRIGGER {table}_published ON {table}")
        op.execute(f"""CREATE TRIGGER {table}_published BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_published_run()""")
    op.execute("DROP FUNCTION kaoping_refuse_rows_of_published_run()")
