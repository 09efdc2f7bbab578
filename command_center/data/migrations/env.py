"""Alembic environment: migrations run on the connection the caller passes in."""

from alembic import context

from command_center.data.models import Base, in_model

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `command-center db upgrade` runs migrations
    raise RuntimeError("run migrations through command_center.data.engine.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=in_model,
    user_module_prefix="command_center.data.types.",
)
with context.begin_transaction():
    context.run_migrations()
