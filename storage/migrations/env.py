"""Alembic environment: runs migrations on a synchronous engine built from the configured URL."""

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import storage.messaging_models  # noqa: F401  (registers the tables on SQLModel.metadata)
import storage.models  # noqa: F401
import storage.outbound_models  # noqa: F401
import storage.template_models  # noqa: F401
import storage.template_send_models  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
