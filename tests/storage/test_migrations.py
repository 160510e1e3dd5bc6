import pytest
from sqlalchemy import create_engine, inspect

from storage.database import Database, sync_url
from storage.migrate import SchemaOutdatedError, check_schema, current_revision, head_revision, upgrade

EXPECTED_TABLES = {
    "tenants", "slack_installations", "slack_oauth_states", "whatsapp_accounts", "phone_numbers",
    "connect_states", "audit_log", "home_tab_viewers", "rate_limit_windows", "webhook_inbox", "conversations",
    "messages", "message_statuses", "slack_outbox", "alembic_version",
}


def table_names(url):
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_is_idempotent(database_url):
    upgrade(database_url)
    assert EXPECTED_TABLES <= table_names(database_url)
    assert current_revision(database_url) == head_revision()
    upgrade(database_url)  # a second run is a no-op, not an error
    assert current_revision(database_url) == head_revision()


def test_empty_database_is_refused_with_the_command_to_run(database_url):
    with pytest.raises(SchemaOutdatedError) as excinfo:
        check_schema(database_url)
    message = str(excinfo.value)
    assert "waslack db upgrade" in message and "empty database" in message


def test_downgraded_database_is_refused(database_url):
    upgrade(database_url)
    check_schema(database_url)
    from alembic import command

    from storage.migrate import alembic_config

    command.downgrade(alembic_config(database_url), "base")
    assert "phone_numbers" not in table_names(database_url)
    with pytest.raises(SchemaOutdatedError):
        check_schema(database_url)


async def test_async_engine_reaches_the_migrated_schema(database_url):
    upgrade(database_url)
    db = Database(database_url)
    try:
        from sqlmodel import select

        from storage.models import Tenant

        async with db.session() as session:
            assert list((await session.exec(select(Tenant))).all()) == []
    finally:
        await db.dispose()


def test_migrations_build_exactly_the_tables_the_models_describe(database_url):
    """A model change without its migration (or the reverse) shows up here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.messaging_models  # noqa: F401
    import storage.models  # noqa: F401
    import storage.outbound_models  # noqa: F401
    import storage.template_models  # noqa: F401
    import storage.template_send_models  # noqa: F401

    upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
