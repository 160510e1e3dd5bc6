"""Connect links: `/connect?token=...`, single use, 15 minutes, HMAC-signed, bound to (workspace, user)."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.database import Database
from storage.models import ConnectState, utcnow
from storage.repositories import ConnectStateRepository

LINK_TTL = timedelta(minutes=15)
# A signup started on time (page opened before expiry) may finish in Meta's window up to this much later.
SIGNUP_GRACE = timedelta(minutes=30)


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
        nonce=state.nonce, team_id=state.team_id, user_id=state.user_id, expires_at=state.expires_at,
        opened_at=state.opened_at, used_at=state.used_at, outcome=state.outcome, account_id=state.account_id,
    )


class ConnectLinks:
    """Issues, inspects and consumes connect links; the database row is the source of truth across instances."""

    def __init__(self, database: Database, key: bytes, public_base_url: str, ttl: timedelta = LINK_TTL):
        self.database = database
        self.key = key
        self.public_base_url = public_base_url
        self.ttl = ttl

    async def issue(self, team_id: str, user_id: str, now: datetime | None = None) -> str:
        """A fresh connect URL for this user of this workspace."""
        async with self.database.session() as session:
            state = await ConnectStateRepository(session).create(team_id, user_id, self.ttl, now=now)
            await session.commit()
        return f"{self.public_base_url}/connect?token={sign_token(self.key, state.nonce)}"

    async def inspect(self, token: str | None, now: datetime | None = None, *, allow_used: bool = False,
                      grace: bool = False) -> ConnectLink:
        """The link behind ``token`` if it is genuine, unexpired and (unless ``allow_used``) unused.

        With ``grace``, a link whose page was opened in time counts as unexpired for SIGNUP_GRACE more."""
        nonce = nonce_from_token(self.key, token)
        async with self.database.session() as session:
            state = await ConnectStateRepository(session).get(nonce)
        if state is None:
            raise LinkError(LinkProblem.FORGED)
        if state.used_at is not None and not allow_used:
            raise LinkError(LinkProblem.USED)
        deadline = state.expires_at
        if grace and state.opened_at is not None and state.opened_at < state.expires_at:
            deadline += SIGNUP_GRACE
        if state.used_at is None and deadline <= (now or utcnow()):
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
            won = await ConnectStateRepository(session).consume(link.nonce, now=now, grace=SIGNUP_GRACE)
            await session.commit()
        if not won:
            # lost a race, or expired between the two reads
            raise LinkError(LinkProblem.USED if (await self._state(link.nonce)).used_at else LinkProblem.EXPIRED)
        return link

    async def finish(self, nonce: str, outcome: str, account_id: int | None = None) -> None:
        async with self.database.session() as session:
            await ConnectStateRepository(session).finish(nonce, outcome=outcome, account_id=account_id)
            await session.commit()

    async def _state(self, nonce: str) -> ConnectState:
        async with self.database.session() as session:
            state = await ConnectStateRepository(session).get(nonce)
        assert state is not None
        return state
