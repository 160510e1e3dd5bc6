"""Changes to a connected account after onboarding: disconnect, move a number's channel, workspace uninstall."""

from __future__ import annotations

import logging

from relay.services import Services
from storage.models import AccountStatus, WhatsAppAccount
from storage.repositories import (
    AccountRepository,
    AuditRepository,
    ConnectStateRepository,
    InstallationRepository,
    TenantRepository,
)
from whatsapp.errors import GraphError

log = logging.getLogger("waslack.onboarding")


class NotFoundInWorkspace(Exception):
    """The account or number is not one of this workspace's."""


async def account_of_team(services: Services, team_id: str, account_id: int) -> WhatsAppAccount:
    async with services.database.session() as session:
        tenant = await TenantRepository(session).get(team_id)
        account = await AccountRepository(session, services.cipher).get(account_id)
    if tenant is None or account is None or account.tenant_id != tenant.id:
        raise NotFoundInWorkspace(f"account {account_id}")
    return account


async def disconnect_account(services: Services, *, team_id: str, account_id: int, actor: str,
                             reason: str | None = None) -> WhatsAppAccount:
    """Unsubscribe our app (a failure is logged, not fatal), mark disconnected, forget the token, keep history."""
    account = await account_of_team(services, team_id, account_id)
    async with services.database.session() as session:
        token = AccountRepository(session, services.cipher).business_token(account)
    unsubscribed = None
    if token:
        try:
            await services.graph.unsubscribe_app(account.waba_id, token)
            unsubscribed = True
        except GraphError as exc:
            unsubscribed = False
            log.warning("unsubscribing from WABA %s failed (continuing): %s", account.waba_id, exc)
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        live = await accounts.get(account_id)
        assert live is not None
        await accounts.disconnect(live, reason=reason or f"disconnected by <@{actor}>")
        await AuditRepository(session).record(
            actor=actor, action="whatsapp.disconnected", team_id=team_id, subject=live.waba_id,
            detail={"unsubscribed": unsubscribed, "reason": reason},
        )
        await session.commit()
    await _refresh(services, team_id)
    return live


async def move_number(services: Services, *, team_id: str, phone_number_id: str, channel_id: str,
                      actor: str) -> None:
    """Send a number's conversations to another channel from now on."""
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        number = await accounts.number_by_phone_number_id(phone_number_id)
        tenant = await TenantRepository(session).get(team_id)
        account = await accounts.get(number.account_id) if number else None
        if number is None or account is None or tenant is None or account.tenant_id != tenant.id:
            raise NotFoundInWorkspace(f"number {phone_number_id}")
        previous = number.slack_channel_id
        number.slack_channel_id = channel_id
        await accounts.save_number(number)
        await AuditRepository(session).record(
            actor=actor, action="whatsapp.channel_changed", team_id=team_id, subject=phone_number_id,
            detail={"from": previous, "to": channel_id},
        )
        await session.commit()
    await _refresh(services, team_id)


async def workspace_uninstalled(services: Services, *, team_id: str, event: str) -> int:
    """app_uninstalled / tokens_revoked: kill the workspace's connect links, forget Slack tokens, stop relaying,
    mark numbers disconnected.

    Returns how many WhatsApp accounts were disconnected."""
    async with services.database.session() as session:
        # First, so no link issued before the removal can start (or finish storing) a claim from now on.
        deleted = await ConnectStateRepository(session).delete_for_team(team_id)
        await session.commit()
    if deleted:
        log.info("deleted %d connect link(s) of workspace %s, which removed the app", deleted, team_id)
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        live = [a for a in await accounts.list_for_team(team_id) if a.status != AccountStatus.DISCONNECTED.value]
        tokens = {a.waba_id: accounts.business_token(a) for a in live}
    for waba_id, token in tokens.items():  # stop Meta's webhooks before the token is forgotten
        if token:
            try:
                await services.graph.unsubscribe_app(waba_id, token)
            except GraphError as exc:
                log.warning("unsubscribing from WABA %s after uninstall failed (continuing): %s", waba_id, exc)
    async with services.database.session() as session:
        installations = InstallationRepository(session, services.cipher)
        revoked = await installations.revoke(team_id)
        if not revoked and await installations.find_any(team_id) is not None:
            await session.commit()
            return 0  # Slack sends app_uninstalled and tokens_revoked for one removal: the first one acts
        accounts = AccountRepository(session, services.cipher)
        live = [a for a in await accounts.list_for_team(team_id) if a.status != AccountStatus.DISCONNECTED.value]
        for account in live:
            await accounts.disconnect(account, reason=f"Slack app removed ({event})")
        await AuditRepository(session).record(
            actor="slack", action="slack.uninstalled", team_id=team_id, detail={"event": event,
                                                                                 "accounts": len(live)},
        )
        await session.commit()
    services.installations.forget(team_id)  # once the revocation is committed: no read brings the token back
    return len(live)


async def _refresh(services: Services, team_id: str) -> None:
    try:
        await services.notifier.refresh_home(team_id)
    except Exception:
        log.exception("re-publishing the Home tab for %s failed", team_id)
