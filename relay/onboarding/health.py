"""Whether a number can send messages, as Meta's health status says (``health_status`` on the phone number):
read with the number at connect time, stored on it, and read again when someone asks to check.

The case recruiters meet most: a WhatsApp Business account without a payment method is BLOCKED with error
141006, and every message fails with 131042 until someone adds one in WhatsApp Manager.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from relay.onboarding.claim_types import ClaimWarning
from relay.services import Services
from storage.models import AccountStatus, PhoneNumber, utcnow
from storage.repositories import AccountRepository, TenantRepository
from whatsapp.errors import GraphError, TokenInvalidError
from whatsapp.graph_types import PAYMENT_METHOD_ERROR, MessagingHealth

log = logging.getLogger("waslack.onboarding")

HEALTH_FIELDS = ("id", "quality_rating", "health_status")
TOKEN_INVALID_REASON = "Meta no longer accepts this account's access (token invalid)"


class Sending(enum.StrEnum):
    """What a stored number's health means for the people using it."""

    UNKNOWN = "unknown"  # never asked, or Meta did not say
    AVAILABLE = "available"
    LIMITED = "limited"  # e.g. the business is not verified: some messages are capped
    PAYMENT_MISSING = "payment_missing"  # blocked: no valid payment method on the WhatsApp Business account
    BLOCKED = "blocked"  # blocked for another reason (a banned account, a policy)


def store_health(number: PhoneNumber, health: MessagingHealth | None) -> None:
    """Copy Meta's answer onto the number (nothing changes when Meta gave none)."""
    if health is None:
        return
    number.messaging_status = (health.can_send_message or "")[:16] or None
    number.messaging_problems = ",".join(str(code) for code in health.error_codes) or None
    number.messaging_checked_at = utcnow()


def sending_of(number: PhoneNumber) -> Sending:
    """The stored health of ``number`` as one of Sending's cases."""
    codes = set((number.messaging_problems or "").split(","))
    status = (number.messaging_status or "").upper()
    if status == "BLOCKED":
        return Sending.PAYMENT_MISSING if str(PAYMENT_METHOD_ERROR) in codes else Sending.BLOCKED
    if status == "LIMITED":
        return Sending.LIMITED
    return Sending.AVAILABLE if status == "AVAILABLE" else Sending.UNKNOWN


def health_warnings(health: MessagingHealth | None) -> list[ClaimWarning]:
    """What the person who just connected a number must be told about its health."""
    if health is None or health.can_send_message != "BLOCKED":
        return []
    return [ClaimWarning.PAYMENT_MISSING if health.payment_method_missing else ClaimWarning.MESSAGING_BLOCKED]


class HealthCheckFailed(Exception):
    """The check could not run: the number is not this workspace's, it has no token, or Meta refused."""

    def __init__(self, reason: str):
        self.reason = reason  # not_found | no_token | token_invalid | meta_error
        super().__init__(reason)


@dataclass(frozen=True)
class HealthCheck:
    phone_number_id: str
    sending: Sending


async def check_number_health(services: Services, *, team_id: str, phone_number_id: str) -> HealthCheck:
    """Ask Meta again whether the number can send (after someone added a payment method, say), store the
    answer and refresh the workspace's Home tabs. A token Meta rejects puts the account in error."""
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        tenant = await TenantRepository(session).get(team_id)
        number = await accounts.number_by_phone_number_id(phone_number_id)
        account = await accounts.get(number.account_id) if number else None
        if tenant is None or account is None or account.tenant_id != tenant.id:
            raise HealthCheckFailed("not_found")
        token = accounts.business_token(account)
    if token is None:
        raise HealthCheckFailed("no_token")
    try:
        details = await services.graph.get_phone_number(phone_number_id, token, fields=HEALTH_FIELDS)
    except TokenInvalidError:
        async with services.database.session() as session:
            accounts = AccountRepository(session, services.cipher)
            live = await accounts.get(account.id)  # type: ignore[arg-type]
            if live is not None and live.status == AccountStatus.ACTIVE.value:
                await accounts.set_status(live, AccountStatus.ERROR, TOKEN_INVALID_REASON)
                await session.commit()
        await _refresh(services, team_id)
        raise HealthCheckFailed("token_invalid") from None
    except GraphError as exc:
        log.warning("health check of %s failed: %s", phone_number_id, exc)
        raise HealthCheckFailed("meta_error") from None
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        stored = await accounts.number_by_phone_number_id(phone_number_id)
        assert stored is not None
        store_health(stored, details.health)
        stored.quality_rating = details.quality_rating or stored.quality_rating
        await accounts.save_number(stored)
        await session.commit()
        sending = sending_of(stored)
    await _refresh(services, team_id)
    return HealthCheck(phone_number_id, sending)


async def _refresh(services: Services, team_id: str) -> None:
    try:
        await services.notifier.refresh_home(team_id)
    except Exception:
        log.exception("re-publishing the Home tab for %s failed", team_id)
