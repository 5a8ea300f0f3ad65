"""Alembic environment: runs against the connection that warehouse.engine passes in."""
from alembic import context

from warehouse.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
context.run_migrations()
