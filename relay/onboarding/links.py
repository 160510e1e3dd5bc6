"""Connect links: `/connect?token=...`, single use, 15 minutes, HMAC-signed, bound to (workspace, user).

A failed attempt may hand out a retry link; retry links form a chain that dies as a whole, an hour after its
first link or after MAX_RETRIES retries. A link of a workspace that removed the app is dead too."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from relay.onboarding.workspaces import Workspaces
from storage.database import Database
from storage.models import ConnectState, utcnow
from storage.repositories import ConnectStateRepository

LINK_TTL = timedelta(minutes=15)
# A signup started on time (page opened before expiry) may finish in Meta's window up to this much later.
SIGNUP_GRACE = timedelta(minutes=30)
# However often Try again hands out a fresh link, a chain of links ends this long after its first link...
CHAIN_LIFETIME = timedelta(hours=1)
# ... or after this many retry links.
MAX_RETRIES = 5
# A used link still answers its own page (status polls, the number choice) for this long after its use.
AFTER_USE = timedelta(minutes=10)


class LinkProblem(enum.StrEnum):
    FORGED = "forged"  # bad signature, malformed, or no such link
    EXPIRED = "expired"
    USED = "used"


class LinkError(Exception):
    def __init__(self, problem: LinkProblem):
        self.problem = problem
        super().__init__(f"connect link {problem.value}")


@dataclass(frozen=True)
class ConnectLink:
    nonce: str
    team_id: str
    user_id: str
    created_at: datetime
    root_created_at: datetime
    retry_count: int
    expires_at: datetime
    opened_at: datetime | None
    used_at: datetime | None
    outcome: str | None
    account_id: int | None


def _signature(key: bytes, nonce: str) -> str:
    digest = hmac.new(key, f"connect:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_token(key: bytes, nonce: str) -> str:
    return f"{nonce}.{_signature(key, nonce)}"


def nonce_from_token(key: bytes, token: str | None) -> str:
    """The nonce of a well-formed, correctly signed token; LinkError(FORGED) otherwise (constant-time compare)."""
    if not token or len(token) > 200 or token.count(".") != 1:
        raise LinkError(LinkProblem.FORGED)
    nonce, signature = token.split(".")
    if not nonce or not hmac.compare_digest(signature.encode(), _signature(key, nonce).encode()):
        raise LinkError(LinkProblem.FORGED)
    return nonce


def _view(state: ConnectState) -> ConnectLink:
    return ConnectLink(
        nonce=state.nonce, team_id=state.team_id, user_id=state.user_id, created_at=state.created_at,
        root_created_at=state.root_created_at or state.created_at, retry_count=state.retry_count,
        expires_at=state.expires_at, opened_at=state.opened_at, used_at=state.used_at, outcome=state.outcome,
        account_id=state.account_id,
    )


def _deadline(state: ConnectState, grace: bool) -> datetime:
    """Until when the link counts as unexpired: its own expiry (or, used, a short while after its use), with
    the signup grace if asked and the page was opened in time, never past its chain's lifetime."""
    if state.used_at is not None:
        return state.used_at + AFTER_USE
    deadline = state.expires_at
    if grace and state.opened_at is not None and state.opened_at < state.expires_at:
        deadline += SIGNUP_GRACE
    return min(deadline, (state.root_created_at or state.created_at) + CHAIN_LIFETIME)


class ConnectLinks:
    """Issues, inspects and consumes connect links; the database row is the source of truth across instances."""

    def __init__(self, database: Database, key: bytes, public_base_url: str, *, workspaces: Workspaces,
                 ttl: timedelta = LINK_TTL):
        self.database = database
        self.key = key
        self.public_base_url = public_base_url
        self.workspaces = workspaces
        self.ttl = ttl

    def url(self, state: ConnectState) -> str:
        return f"{self.public_base_url}/connect?token={sign_token(self.key, state.nonce)}"

    async def issue(self, team_id: str, user_id: str, now: datetime | None = None) -> str:
        """A fresh connect URL for this user of this workspace (the first link of a new chain)."""
        async with self.database.session() as session:
            state = await ConnectStateRepository(session).create(team_id, user_id, self.ttl, now=now)
            await session.commit()
        return self.url(state)

    async def inspect(self, token: str | None, now: datetime | None = None, *, allow_used: bool = False,
                      grace: bool = False) -> ConnectLink:
        """The link behind ``token`` if it is genuine, its workspace still has the app, and it is unexpired
        and (unless ``allow_used``) unused. A used link lasts AFTER_USE past its use.

        With ``grace``, a link whose page was opened in time counts as unexpired for SIGNUP_GRACE more."""
        nonce = nonce_from_token(self.key, token)
        async with self.database.session() as session:
            state = await ConnectStateRepository(session).get(nonce)
            live = state is not None and await self.workspaces.is_live(state.team_id, session)
        if state is None:
            raise LinkError(LinkProblem.FORGED)
        if not live:
            raise LinkError(LinkProblem.EXPIRED)
        if state.used_at is not None and not allow_used:
            raise LinkError(LinkProblem.USED)
        if _deadline(state, grace) <= (now or utcnow()):
            raise LinkError(LinkProblem.EXPIRED)
        return _view(state)

    async def open(self, token: str | None, now: datetime | None = None) -> ConnectLink:
        """Inspect the link for its connect page and note when the page was first shown."""
        link = await self.inspect(token, now)
        if link.opened_at is None:
            async with self.database.session() as session:
                await ConnectStateRepository(session).mark_opened(link.nonce, now=now)
                await session.commit()
        return link

    async def consume(self, token: str | None, now: datetime | None = None) -> ConnectLink:
        """Validate and use up the link; exactly one caller wins, whichever instance it runs on."""
        link = await self.inspect(token, now, grace=True)
        async with self.database.session() as session:
            won = await ConnectStateRepository(session).consume(link.nonce, now=now, grace=SIGNUP_GRACE,
                                                                lifetime=CHAIN_LIFETIME)
            await session.commit()
        if not won:
            # lost a race, or expired between the two reads
            state = await self._state(link.nonce)
            raise LinkError(LinkProblem.USED if state is not None and state.used_at else LinkProblem.EXPIRED)
        return link

    async def renew(self, token: str | None, now: datetime | None = None) -> str:
        """A retry link after a failed attempt used ``token``: same workspace and user, same chain.

        LinkError(EXPIRED) once the chain is an hour old or has had MAX_RETRIES retries: the person starts
        again from Slack."""
        link = await self.inspect(token, now, allow_used=True)
        now = now or utcnow()
        async with self.database.session() as session:
            states = ConnectStateRepository(session)
            parent = await states.get(link.nonce, for_update=True)  # one renewal at a time per link
            if parent is None:
                raise LinkError(LinkProblem.FORGED)
            exhausted = (
                parent.retry_count >= MAX_RETRIES
                or link.root_created_at + CHAIN_LIFETIME <= now
                or await states.chain_size(parent) > MAX_RETRIES
            )
            if exhausted:
                raise LinkError(LinkProblem.EXPIRED)
            state = await states.create(link.team_id, link.user_id, self.ttl, now=now, parent=parent,
                                        lifetime=CHAIN_LIFETIME)
            await session.commit()
        return self.url(state)

    async def start_choice(self, nonce: str, now: datetime | None = None) -> bool:
        """Take the link's single number choice; True for exactly one of any number of concurrent callers."""
        async with self.database.session() as session:
            won = await ConnectStateRepository(session).start_choice(
                nonce, used_after=(now or utcnow()) - AFTER_USE)
            await session.commit()
        return won

    async def hold(self, session: AsyncSession, nonce: str) -> bool:
        """Inside the caller's transaction: lock the link's row and say whether it still stands (not deleted by
        an uninstall, workspace still live). Storing a claim under this lock keeps it out of an uninstall."""
        state = await ConnectStateRepository(session).get(nonce, for_update=True)
        return state is not None and await self.workspaces.is_live(state.team_id, session)

    async def finish(self, nonce: str, outcome: str, account_id: int | None = None) -> None:
        async with self.database.session() as session:
            await ConnectStateRepository(session).finish(nonce, outcome=outcome, account_id=account_id)
            await session.commit()

    async def _state(self, nonce: str) -> ConnectState | None:
        async with self.database.session() as session:
            return await ConnectStateRepository(session).get(nonce)
