"""Alembic environment: migrations run on the connection ``database.upgrade`` hands over.

That connection is already inside a transaction holding the migration lock, so Alembic treats it
as external and commits nothing itself (service/storage/database.py).
"""

from __future__ import annotations

from alembic import context

from service.storage.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through service.storage.database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most constraints: later migrations copy-and-move tables instead.
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
