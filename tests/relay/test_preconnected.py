"""A number configured outside Embedded Signup (META_WABA_ID, META_PHONE_ID, META_ACCESS_TOKEN)."""

import dataclasses

import pytest
from pydantic import SecretStr

from bot.clients import SlackClients
from bot.notifier import SlackNotifier
from relay.onboarding.preconnected import PreconnectedNumberError, import_preconnected_number
from relay.runtime import import_configured_number
from relay.settings import SettingsError, load_settings
from sandbox.stack import running_stack
from storage.repositories import AccountRepository, AuditRepository


@pytest.fixture
async def stack(database_url):
    async with running_stack(database_url=database_url) as stack:
        yield stack


async def seeded_number(stack, **options):
    response = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/seed",
                                     json={"numbers": 2, "registered": True, **options})
    assert response.status_code < 300, response.text
    return response.json()


def token_mode(stack, seeded, phone_number_id=None, token=None):
    settings = stack.settings.model_copy(update={
        "SLACK_CLIENT_ID": None, "SLACK_CLIENT_SECRET": None,
        "SLACK_BOT_TOKEN": SecretStr(stack.workspace.bot_token),
        "META_WABA_ID": seeded["waba_id"],
        "META_PHONE_ID": phone_number_id or seeded["phone_number_ids"][0],
        "META_ACCESS_TOKEN": SecretStr(token or seeded["token"]),
    })
    services = dataclasses.replace(stack.services, settings=settings)
    clients = SlackClients(services)
    services.notifier = SlackNotifier(services, clients)
    return services, clients


async def test_the_configured_number_is_verified_subscribed_and_stored_once(stack):
    seeded = await seeded_number(stack)
    services, clients = token_mode(stack, seeded)
    try:
        pnid = await import_preconnected_number(services, stack.workspace.team_id)
        assert pnid == seeded["phone_number_ids"][0]
        assert stack.meta.is_subscribed(seeded["waba_id"])
        async with services.database.session() as session:
            accounts = AccountRepository(session, services.cipher)
            [account] = await accounts.list_for_team(stack.workspace.team_id)
            number = await accounts.number_by_phone_number_id(pnid)
        assert account.status == "active" and number.enabled and number.slack_channel_id
        channel = number.slack_channel_id
        await import_preconnected_number(services, stack.workspace.team_id)  # the next start
        async with services.database.session() as session:
            accounts = AccountRepository(session, services.cipher)
            assert len(await accounts.list_for_team(stack.workspace.team_id)) == 1
            assert (await accounts.number_by_phone_number_id(pnid)).slack_channel_id == channel
            actions = [e.action for e in await AuditRepository(session).list(stack.workspace.team_id)]
        assert actions[:2] == ["whatsapp.preconnected_refreshed", "whatsapp.preconnected"]
    finally:
        await clients.aclose()


async def test_a_number_outside_the_waba_is_refused(stack):
    seeded = await seeded_number(stack)
    other = await seeded_number(stack)
    services, clients = token_mode(stack, seeded, phone_number_id=other["phone_number_ids"][0])
    try:
        with pytest.raises(PreconnectedNumberError, match="META_PHONE_ID"):
            await import_preconnected_number(services, stack.workspace.team_id)
    finally:
        await clients.aclose()
    assert not stack.meta.is_subscribed(seeded["waba_id"])


async def test_a_bad_token_is_reported_without_showing_it(stack, caplog):
    seeded = await seeded_number(stack)
    services, clients = token_mode(stack, seeded, token="EAAG-not-a-real-token-123456")
    try:
        with pytest.raises(PreconnectedNumberError) as excinfo:
            await import_preconnected_number(services, stack.workspace.team_id)
        assert "META_WABA_ID" in str(excinfo.value) and "190" in str(excinfo.value)
        assert "EAAG-not-a-real-token" not in str(excinfo.value)
        await import_configured_number(services, clients)  # at start-up: logged, never fatal
        assert "was not imported" in caplog.text and "EAAG-not-a-real-token" not in caplog.text
    finally:
        await clients.aclose()


def test_settings_need_single_workspace_mode_for_a_configured_number():
    from cryptography.fernet import Fernet

    base = {
        "META_APP_ID": "1", "META_APP_SECRET": "x", "META_CONFIG_ID": "c", "META_WEBHOOK_VERIFY_TOKEN": "v",
        "SLACK_SIGNING_SECRET": "s", "PUBLIC_BASE_URL": "https://x.example",
        "WASLACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "META_WABA_ID": "1", "META_PHONE_ID": "2", "META_ACCESS_TOKEN": "t",
    }
    assert load_settings({**base, "SLACK_BOT_TOKEN": "xoxb-1"}, env_file=None).META_WABA_ID == "1"
    with pytest.raises(SettingsError) as excinfo:
        load_settings({**base, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "y"}, env_file=None)
    assert excinfo.value.problems[0].startswith("META_WABA_ID: ")


async def test_start_up_finds_the_workspace_with_auth_test_and_imports(stack):
    seeded = await seeded_number(stack)
    services, clients = token_mode(stack, seeded)
    try:
        await import_configured_number(services, clients)
    finally:
        await clients.aclose()
    async with services.database.session() as session:
        number = await AccountRepository(session, services.cipher).number_by_phone_number_id(
            seeded["phone_number_ids"][0])
    assert number is not None and number.enabled
    assert any(call["method"] == "auth.test" for call in await stack.slack_calls("auth.test"))
