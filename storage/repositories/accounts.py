"""WhatsApp Business accounts and their phone numbers; business tokens and PINs encrypted at rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.cipher import TokenCipher
from storage.models import AccountStatus, PhoneNumber, Tenant, WhatsAppAccount, utcnow


class AccountRepository:
    def __init__(self, session: AsyncSession, cipher: TokenCipher):
        self.session = session
        self.cipher = cipher

    # ---- accounts ---------------------------------------------------------------------------------

    async def get(self, account_id: int, *, for_update: bool = False) -> WhatsAppAccount | None:
        """The account; ``for_update`` locks its row until the transaction ends (PostgreSQL)."""
        return await self.session.get(WhatsAppAccount, account_id, with_for_update=for_update or None)

    async def team_of(self, account: WhatsAppAccount) -> str | None:
        """The Slack team id of the workspace the account belongs to."""
        query = select(Tenant.slack_team_id).where(Tenant.id == account.tenant_id)
        return (await self.session.exec(query)).first()

    async def find(self, tenant_id: int, waba_id: str) -> WhatsAppAccount | None:
        query = select(WhatsAppAccount).where(
            WhatsAppAccount.tenant_id == tenant_id, WhatsAppAccount.waba_id == waba_id
        )
        return (await self.session.exec(query)).first()

    async def list_for_tenant(self, tenant_id: int) -> list[WhatsAppAccount]:
        query = select(WhatsAppAccount).where(WhatsAppAccount.tenant_id == tenant_id).order_by(
            col(WhatsAppAccount.id)
        )
        return list((await self.session.exec(query)).all())

    async def list_for_team(self, team_id: str) -> list[WhatsAppAccount]:
        query = (
            select(WhatsAppAccount)
            .join(Tenant, col(Tenant.id) == col(WhatsAppAccount.tenant_id))
            .where(Tenant.slack_team_id == team_id)
            .order_by(col(WhatsAppAccount.id))
        )
        return list((await self.session.exec(query)).all())

    async def upsert(
        self, *, tenant_id: int, waba_id: str, business_token: str, business_id: str | None = None,
        name: str | None = None, token_expires_at: datetime | None = None, meta_user_id: str | None = None,
        connected_by_user_id: str | None = None, is_coexistence: bool | None = None,
        status: AccountStatus = AccountStatus.PENDING,
    ) -> tuple[WhatsAppAccount, bool]:
        """Create the account or update it in place (a reconnect keeps its id, numbers and history).
        ``is_coexistence`` None keeps what is stored (activation sets it from what Meta reports).

        Returns (account, created)."""
        account = await self.find(tenant_id, waba_id)
        created = account is None
        now = utcnow()
        if account is None:
            account = WhatsAppAccount(tenant_id=tenant_id, waba_id=waba_id, created_at=now)
        account.business_id = business_id or account.business_id
        account.name = name or account.name
        account.business_token_encrypted = self.cipher.encrypt(business_token)
        account.token_expires_at = token_expires_at
        account.meta_user_id = meta_user_id
        account.connected_by_user_id = connected_by_user_id
        account.connected_at = now
        if is_coexistence is not None:
            account.is_coexistence = is_coexistence
        account.status = status.value
        account.status_reason = None
        account.updated_at = now
        self.session.add(account)
        await self.session.flush()
        return account, created

    def business_token(self, account: WhatsAppAccount) -> str | None:
        if account.business_token_encrypted is None:
            return None
        return self.cipher.decrypt(account.business_token_encrypted)

    async def set_status(self, account: WhatsAppAccount, status: AccountStatus, reason: str | None = None) -> None:
        account.status = status.value
        account.status_reason = reason
        account.updated_at = utcnow()
        self.session.add(account)
        await self.session.flush()

    async def record_subscription(
        self, account: WhatsAppAccount, *, ok: bool, error: str | None = None, retry_at: datetime | None = None
    ) -> None:
        account.webhooks_subscribed = ok
        account.subscribe_error = None if ok else error
        account.subscribe_retry_at = None if ok else retry_at
        account.updated_at = utcnow()
        self.session.add(account)
        await self.session.flush()

    async def due_for_subscription_retry(self, now: datetime | None = None) -> list[WhatsAppAccount]:
        now = now or utcnow()
        query = select(WhatsAppAccount).where(
            col(WhatsAppAccount.webhooks_subscribed).is_(False),
            WhatsAppAccount.status == AccountStatus.ACTIVE.value,
            col(WhatsAppAccount.subscribe_retry_at) <= now,
        )
        return list((await self.session.exec(query)).all())

    @staticmethod
    def let_go(account: WhatsAppAccount) -> bool:
        """Whether the account no longer holds its numbers (disconnected, or no business token): another
        workspace may then claim them."""
        return account.status == AccountStatus.DISCONNECTED.value or account.business_token_encrypted is None

    async def disconnect(self, account: WhatsAppAccount, reason: str | None = None) -> None:
        """Mark disconnected and forget the business token; numbers and history stay."""
        account.status = AccountStatus.DISCONNECTED.value
        account.status_reason = reason
        account.business_token_encrypted = None
        account.webhooks_subscribed = False
        account.subscribe_retry_at = None
        account.updated_at = utcnow()
        self.session.add(account)
        await self.session.flush()

    # ---- phone numbers ----------------------------------------------------------------------------

    async def upsert_number(
        self, account: WhatsAppAccount, *, phone_number_id: str, display_phone_number: str | None = None,
        verified_name: str | None = None, quality_rating: str | None = None,
    ) -> PhoneNumber:
        """The account's live row for the number, created (or, if this account once released it, revived with
        its channel and history). NumberOwnedElsewhereError if another account holds the live row."""
        number = await self.number_by_phone_number_id(phone_number_id)
        now = utcnow()
        if number is None:
            assert account.id is not None
            number = await self._released_row(account.id, phone_number_id) or PhoneNumber(
                account_id=account.id, phone_number_id=phone_number_id, created_at=now)
            number.released_at = None
        elif number.account_id != account.id:
            raise NumberOwnedElsewhereError(phone_number_id)
        number.display_phone_number = display_phone_number or number.display_phone_number
        number.verified_name = verified_name or number.verified_name
        number.quality_rating = quality_rating or number.quality_rating
        number.updated_at = now
        self.session.add(number)
        await self.session.flush()
        return number

    async def release_number(self, number: PhoneNumber, at: datetime | None = None) -> None:
        """Let another workspace take the number: this row stops being live and keeps its history."""
        number.released_at = at or utcnow()
        number.enabled = False
        number.updated_at = number.released_at
        self.session.add(number)
        await self.session.flush()

    async def inherit_pin(self, number: PhoneNumber, released: PhoneNumber) -> None:
        """A taken-over number keeps the two-step verification PIN waslack set on it: Meta registers a number
        only with its current PIN (133005 otherwise)."""
        if number.pin_encrypted is None and released.pin_encrypted is not None:
            number.pin_encrypted = released.pin_encrypted
            self.session.add(number)
            await self.session.flush()

    async def number_by_phone_number_id(self, phone_number_id: str) -> PhoneNumber | None:
        """The number's live row (at most one: rows released to another workspace are history)."""
        query = select(PhoneNumber).where(
            PhoneNumber.phone_number_id == phone_number_id, col(PhoneNumber.released_at).is_(None)
        )
        return (await self.session.exec(query)).first()

    async def _released_row(self, account_id: int, phone_number_id: str) -> PhoneNumber | None:
        query = (
            select(PhoneNumber)
            .where(PhoneNumber.account_id == account_id, PhoneNumber.phone_number_id == phone_number_id)
            .where(col(PhoneNumber.released_at).is_not(None))
            .order_by(col(PhoneNumber.released_at).desc())
        )
        return (await self.session.exec(query)).first()

    async def numbers(self, account: WhatsAppAccount) -> list[PhoneNumber]:
        """The account's live numbers (not those another workspace has taken since)."""
        query = (
            select(PhoneNumber)
            .where(PhoneNumber.account_id == account.id, col(PhoneNumber.released_at).is_(None))
            .order_by(col(PhoneNumber.id))
        )
        return list((await self.session.exec(query)).all())

    async def numbers_for_accounts(self, accounts: Sequence[WhatsAppAccount]) -> dict[int, list[PhoneNumber]]:
        """``numbers`` for several accounts in one query, by account id."""
        ids = [a.id for a in accounts if a.id is not None]
        out: dict[int, list[PhoneNumber]] = {i: [] for i in ids}
        if not ids:
            return out
        query = (
            select(PhoneNumber)
            .where(col(PhoneNumber.account_id).in_(ids), col(PhoneNumber.released_at).is_(None))
            .order_by(col(PhoneNumber.id))
        )
        for number in (await self.session.exec(query)).all():
            out[number.account_id].append(number)
        return out

    def pin(self, number: PhoneNumber) -> str | None:
        return None if number.pin_encrypted is None else self.cipher.decrypt(number.pin_encrypted)

    async def save_number(self, number: PhoneNumber, *, pin: str | None = None) -> None:
        """Persist changes made to ``number``; ``pin`` (if given) is stored encrypted."""
        if pin is not None:
            number.pin_encrypted = self.cipher.encrypt(pin)
        number.updated_at = utcnow()
        self.session.add(number)
        await self.session.flush()


class NumberOwnedElsewhereError(Exception):
    """The phone number is already connected under another workspace's account."""

    def __init__(self, phone_number_id: str):
        self.phone_number_id = phone_number_id
        super().__init__(f"phone number {phone_number_id} is connected to another account")
