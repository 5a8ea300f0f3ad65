"""Published score runs are immutable: the database refuses to change them or their rows.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHILDREN = ("fact_score", "fact_category_score", "fact_ranking")
MESSAGE = "已发布的评分批次不可修改 / a published score run is immutable"


def _sqlite_up() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER score_run_published_{verb.lower()} BEFORE {verb} ON score_run
            WHEN OLD.status = 'published'
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    for table in CHILDREN:
        for verb, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            op.execute(f"""CREATE TRIGGER {table}_published_{verb.lower()} BEFORE {verb} ON {table}
                WHEN (SELECT status FROM score_run WHERE id = {row}.run_id) = 'published'
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def _postgres_up() -> None:
    op.execute(f"""CREATE FUNCTION kaoping_refuse_published_run() RETURNS trigger AS $$
        BEGIN
          IF TG_TABLE_NAME = 'score_run' THEN
            IF OLD.status = 'published' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
          ELSIF (SELECT status FROM score_run
                 WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END) = 'published' THEN
            RAISE EXCEPTION '{MESSAGE}';
          END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER score_run_published BEFORE UPDATE OR DELETE ON score_run
        FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_published_run()""")
    for table in CHILDREN:
        op.execute(f"""CREATE TRIGGER {table}_published BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION kaoping_refuse_published_run()""")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_up()
    else:
        _postgres_up()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        names = [f"score_run_published_{v}" for v in ("update", "delete")]
        names += [f"{t}_published_{v}" for t in CHILDREN for v in ("insert", "update", "delete")]
        for name in names:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for table in ("score_run", *CHILDREN):
            op.execute(f"DROP TRIGGER {table}_published ON {table}")
        op.execute("DROP FUNCTION kaoping_refuse_published_run()")
