"""A number moving to another workspace: allowed once the workspace that had it let go of it (disconnected, or
no business token left), refused while it still holds it. The old row stays, released, with its history."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from relay.onboarding.claim_types import ClaimFailed, ClaimProblem
from relay.services import Services
from storage.models import PhoneNumber, WhatsAppAccount
from storage.repositories import AccountRepository, AuditRepository, TenantRepository


async def refuse_numbers_held_elsewhere(services: Services, team_id: str, phone_number_ids: list[str]) -> None:
    """NUMBER_TAKEN if another workspace still holds one of the numbers; a number whose account let go of it
    (disconnected, or without a token) may be taken. The refusal names neither the number nor the workspace."""
    async with services.database.session() as session:
        accounts = AccountRepository(session, services.cipher)
        tenant = await TenantRepository(session).get(team_id)
        for phone_number_id in phone_number_ids:
            number = await accounts.number_by_phone_number_id(phone_number_id)
            owner = await accounts.get(number.account_id) if number is not None else None
            if owner is None or (tenant is not None and owner.tenant_id == tenant.id):
                continue
            if not accounts.let_go(owner):
                raise ClaimFailed(ClaimProblem.NUMBER_TAKEN)


async def take_over_released_number(session: AsyncSession, accounts: AccountRepository,
                                    account: WhatsAppAccount, phone_number_id: str, *, actor: str,
                                    team_id: str) -> PhoneNumber | None:
    """Inside the claim's transaction: if another account's live row holds the number and that account let go
    of it, release the row (its history stays with the old workspace), audit the takeover on both sides and
    return the released row."""
    number = await accounts.number_by_phone_number_id(phone_number_id)
    if number is None or number.account_id == account.id:
        return None
    previous = await accounts.get(number.account_id, for_update=True)
    assert previous is not None
    previous_team = await accounts.team_of(previous)
    if previous_team != team_id and not accounts.let_go(previous):
        raise ClaimFailed(ClaimProblem.NUMBER_TAKEN)  # connected again elsewhere since the first check
    await accounts.release_number(number)
    audit = AuditRepository(session)
    await audit.record(actor=actor, action="whatsapp.number_taken_over", team_id=team_id, subject=phone_number_id,
                       detail={"from_account": previous.id, "to_account": account.id})
    await audit.record(actor=actor, action="whatsapp.number_released", team_id=previous_team,
                       subject=phone_number_id, detail={"to_account": account.id})
    return number
