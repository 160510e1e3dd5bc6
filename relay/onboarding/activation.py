"""Switching a number on: register it (unless it is on the WhatsApp Business app), give it a channel, make
its account active. Used by the claim and by the number choice that follows it."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from relay.activity import number_connected
from relay.onboarding.claim_types import ClaimFailed, ClaimProblem, ClaimWarning, support_detail
from relay.onboarding.health import health_warnings, store_health
from relay.services import Services
from storage.models import AccountStatus, RegistrationState, WhatsAppAccount, utcnow
from storage.repositories import AccountRepository
from whatsapp.errors import GraphError, PermissionDeniedError, RegistrationLimitError, ThrottledError, TokenInvalidError

log = logging.getLogger("waslack.onboarding")

REGISTER_BLOCK = timedelta(hours=72)


async def activate_number(
    services: Services, account: WhatsAppAccount, phone_number_id: str, *, actor: str, team_id: str
) -> list[ClaimWarning]:
    """Register the number (unless it is on the WhatsApp Business app), give it a channel, switch it on,
    and make the account active. Raises ClaimFailed when the number cannot be used."""
    warnings: list[ClaimWarning] = []
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        account = await accounts.get(account.id)  # type: ignore[arg-type, assignment]
        number = await accounts.number_by_phone_number_id(phone_number_id)
        if account is None or number is None or number.account_id != account.id:
            raise ClaimFailed(ClaimProblem.NUMBER_MISMATCH, "the number is no longer part of this account")
        business_token = accounts.business_token(account)
        if business_token is None or account.status == AccountStatus.DISCONNECTED.value:
            raise ClaimFailed(ClaimProblem.LINK_EXPIRED, "the account was disconnected during the signup")
        pin = accounts.pin(number)
        if pin is None:
            # stored before registering: a PIN Meta accepted must never be lost
            pin = f"{secrets.randbelow(10**6):06d}"
            await accounts.save_number(number, pin=pin)
            await session.commit()

    details = await services.graph.get_phone_number(phone_number_id, business_token)
    coexistence = bool(details.is_on_biz_app)  # verified with Meta, whatever the browser said
    warnings += health_warnings(details.health)  # e.g. no payment method: nothing can be sent yet
    state, error, retry_at = RegistrationState.REGISTERED, None, None
    if coexistence:
        state = RegistrationState.COEXISTENCE
    else:
        try:
            await services.graph.register_number(phone_number_id, business_token, pin)
        except RegistrationLimitError as exc:
            state, error, retry_at = RegistrationState.RATE_LIMITED, support_detail(exc), utcnow() + REGISTER_BLOCK
            warnings.append(ClaimWarning.REGISTRATION_WAIT)
        except (TokenInvalidError, PermissionDeniedError):
            raise
        except GraphError as exc:
            async with services.database.session() as session:
                accounts = AccountRepository(session, services.cipher)
                stored = await accounts.number_by_phone_number_id(phone_number_id)
                assert stored is not None
                stored.registration_state = RegistrationState.FAILED.value
                stored.registration_error = support_detail(exc)
                stored.enabled = False
                await accounts.save_number(stored)
                live = await accounts.get(account.id)  # type: ignore[arg-type]
                assert live is not None
                if live.status != AccountStatus.ACTIVE.value:
                    await accounts.set_status(live, AccountStatus.ERROR, "registration failed")
                await session.commit()
            raise ClaimFailed(
                ClaimProblem.RATE_LIMITED if isinstance(exc, ThrottledError) else ClaimProblem.REGISTRATION_FAILED,
                support_detail(exc),
            ) from None

    channel_id = None
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        number = await accounts.number_by_phone_number_id(phone_number_id)
        assert number is not None
        channel_id = number.slack_channel_id
    if channel_id is None:
        try:
            channel_id = await services.notifier.ensure_channel(
                team_id, actor, number.display_phone_number, number.verified_name
            )
        except Exception:
            log.exception("could not get a channel for number %s", phone_number_id)
        if channel_id is None:
            warnings.append(ClaimWarning.NO_CHANNEL)

    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        live = await accounts.get(account.id, for_update=True)  # type: ignore[arg-type]
        number = await accounts.number_by_phone_number_id(phone_number_id)
        assert live is not None
        if accounts.let_go(live) or number is None or number.account_id != live.id:
            # disconnected (the app was removed from the workspace, say) while Meta was registering
            raise ClaimFailed(ClaimProblem.LINK_EXPIRED, "the account was disconnected during the signup")
        number.registration_state = state.value
        number.registration_error = error
        number.register_retry_at = retry_at
        number.enabled = True
        number.slack_channel_id = number.slack_channel_id or channel_id
        number.quality_rating = details.quality_rating or number.quality_rating
        store_health(number, details.health)
        await accounts.save_number(number)
        # what Meta reports for the numbers in use, never what the browser said
        live.is_coexistence = any(n.enabled and n.registration_state == RegistrationState.COEXISTENCE.value
                                  for n in await accounts.numbers(live))
        await accounts.set_status(live, AccountStatus.ACTIVE)
        await session.commit()
    number_connected(number.display_phone_number, phone_number_id, number.slack_channel_id, team_id)
    return warnings


