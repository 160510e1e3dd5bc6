"""A number connected outside Embedded Signup (seed 000 section 8: META_WABA_ID, META_PHONE_ID,
META_ACCESS_TOKEN), e.g. Meta's test number: imported for the single workspace when `waslack serve` starts."""

from __future__ import annotations

import logging

from relay.onboarding.claim_types import support_detail
from relay.services import Services
from storage.models import AccountStatus, RegistrationState, utcnow
from storage.repositories import AccountRepository, AuditRepository, TenantRepository
from whatsapp.errors import GraphError

log = logging.getLogger("waslack.onboarding")

ACTOR = "config"


class PreconnectedNumberError(Exception):
    """The configured number cannot be used; the message says why (no secret in it)."""


async def import_preconnected_number(services: Services, team_id: str) -> str:
    """Verify the configured number with Meta, subscribe our app, store it for ``team_id``; returns the
    phone_number_id. Safe to run at every start: it updates in place and keeps the number's channel."""
    settings = services.settings
    if not (settings.META_WABA_ID and settings.META_PHONE_ID and settings.META_ACCESS_TOKEN):
        raise PreconnectedNumberError("META_WABA_ID, META_PHONE_ID and META_ACCESS_TOKEN are not set")
    waba_id, phone_number_id = settings.META_WABA_ID, settings.META_PHONE_ID
    token = settings.META_ACCESS_TOKEN.get_secret_value()
    try:
        listed = {n.id: n for n in await services.graph.list_phone_numbers(waba_id, token)}
    except GraphError as exc:
        detail = support_detail(exc)
        raise PreconnectedNumberError(f"META_WABA_ID: Meta refused to list its numbers ({detail})") from None
    if phone_number_id not in listed:
        raise PreconnectedNumberError(f"META_PHONE_ID: {phone_number_id} is not a number of WABA {waba_id}")
    subscribed, subscribe_error = True, None
    try:
        await services.graph.subscribe_app(waba_id, token)
    except GraphError as exc:
        subscribed, subscribe_error = False, support_detail(exc)
        log.warning("subscribing to the configured WABA %s failed, will retry: %s", waba_id, exc)

    number_info = listed[phone_number_id]
    async with services.database.session() as session:
        tenant = await TenantRepository(session).get_or_create(team_id)
        accounts = AccountRepository(session, services.cipher)
        account, created = await accounts.upsert(
            tenant_id=tenant.id, waba_id=waba_id, business_token=token,  # type: ignore[arg-type]
            connected_by_user_id=None, status=AccountStatus.ACTIVE,
        )
        number = await accounts.upsert_number(
            account, phone_number_id=phone_number_id, display_phone_number=number_info.display_phone_number,
            verified_name=number_info.verified_name, quality_rating=number_info.quality_rating,
        )
        await accounts.record_subscription(account, ok=subscribed, error=subscribe_error,
                                           retry_at=None if subscribed else utcnow())
        channel_id = number.slack_channel_id
        await session.commit()
    if channel_id is None:
        try:
            channel_id = await services.notifier.ensure_channel(team_id, "", number_info.display_phone_number,
                                                               number_info.verified_name)
        except Exception:
            log.exception("could not get a channel for the configured number %s", phone_number_id)
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        stored = await accounts.number_by_phone_number_id(phone_number_id)
        assert stored is not None
        # registered outside waslack: we never learn its PIN, so we never re-register it
        stored.registration_state = RegistrationState.REGISTERED.value
        stored.enabled = True
        stored.slack_channel_id = stored.slack_channel_id or channel_id
        await accounts.save_number(stored)
        await AuditRepository(session).record(
            actor=ACTOR, action="whatsapp.preconnected" if created else "whatsapp.preconnected_refreshed",
            team_id=team_id, subject=waba_id, detail={"phone_number_id": phone_number_id, "subscribed": subscribed},
        )
        await session.commit()
    try:
        await services.notifier.refresh_home(team_id)
    except Exception:
        log.exception("re-publishing the Home tab for %s failed", team_id)
    return phone_number_id
