"""The simulated world: businesses, WABAs, numbers, templates, tokens, codes, messages, media and windows.

Everything lives in memory on one ``MetaWorld`` (``app.state.sim``); time always comes from the injected
clock so tests can expire codes, tokens, media URLs and service windows without sleeping.
"""

from __future__ import annotations

import base64
import copy
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .call_log import CallLog
from .config import MetaSimConfig, Rules
from .delivery import WebhookDispatcher
from .errors import MetaError, invalid_token, missing_token, unsupported
from .faults import FaultBook
from .media import MEDIA_URL_TTL_SECONDS, Media
from .scheduler import Scheduler
from .sending import RecipientFault, SendLimits
from .statuses import FREE_ENTRY_POINT_SECONDS, StatusEmitter

SERVICE_WINDOW_SECONDS = 24 * 3600
# The configuration template is "WhatsApp Embedded Signup Configuration With 60 Expiration Token".
BUSINESS_TOKEN_TTL_SECONDS = 60 * 24 * 3600
DATA_ACCESS_TTL_SECONDS = 90 * 24 * 3600


@dataclass
class Business:
    id: str
    name: str
    created_at: float


@dataclass
class Waba:
    id: str
    business_id: str
    name: str
    onboarded_at: float
    seq: int = 0  # onboarding order; breaks ties when the test clock stands still
    payment_method: bool = True
    currency: str = "USD"
    timezone_id: str = "1"
    namespace: str = ""
    # app_id -> subscription options ({} or {"override_callback_uri", "verify_token"})
    subscriptions: dict[str, dict] = field(default_factory=dict)


@dataclass
class PhoneNumber:
    id: str
    waba_id: str
    digits: str  # E.164 without "+", as webhooks' metadata.display_phone_number shows it
    verified_name: str
    created_at: float
    is_on_biz_app: bool = False
    registered: bool = False
    pin: str | None = None  # two-step verification PIN once set
    quality_rating: str = "GREEN"
    code_verification_status: str = "VERIFIED"
    name_status: str = "APPROVED"
    data_localization_region: str | None = None
    throughput_per_second: float | None = None  # None: the default (80, or 20 for coexistence numbers)
    register_calls: list[tuple[str, float]] = field(default_factory=list)  # ("register"|"deregister", at)

    @property
    def display_phone_number(self) -> str:
        """Graph formats numbers for display ("+1 555-013-4567"); webhooks carry bare digits."""
        d = self.digits
        if d.startswith("1") and len(d) == 11:
            return f"+1 {d[1:4]}-{d[4:7]}-{d[7:]}"
        return f"+{d[:-8]} {d[-8:-4]} {d[-4:]}"

    @property
    def status(self) -> str:
        return "CONNECTED" if self.registered else "PENDING"

    @property
    def platform_type(self) -> str:
        return "CLOUD_API" if self.registered else "NOT_APPLICABLE"


@dataclass
class Template:
    id: str
    waba_id: str
    name: str
    language: str
    status: str
    category: str
    parameter_format: str
    components: list[dict]
    rejected_reason: str | None = None


@dataclass
class Token:
    value: str
    kind: str  # "business" (BISU from Embedded Signup) | "system" (our system user)
    user_id: str
    issued_at: float
    expires_at: float = 0.0  # 0 = never, as debug_token reports it
    business_id: str | None = None
    revoked: bool = False


@dataclass
class AuthCode:
    value: str
    token: Token
    issued_at: float
    redirect_uri: str | None  # None: issued to the JS SDK popup; else: the dialog's redirect_uri
    used: bool = False


def _digits_id(length: int = 15) -> str:
    return str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))


def _alnum(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class MetaWorld:
    """All simulated Meta state for one app; route handlers and control endpoints operate on it."""

    def __init__(self, config: MetaSimConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.faults = FaultBook()
        self.businesses: dict[str, Business] = {}
        self.wabas: dict[str, Waba] = {}
        self.numbers: dict[str, PhoneNumber] = {}
        self.templates: dict[str, Template] = {}
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, AuthCode] = {}
        self.media: dict[str, Media] = {}
        self.media_urls: dict[str, tuple[str, float]] = {}  # url token -> (media id, expires at)
        # Every message the relay sent: the request body plus wamid, phone_number_id, wa_id and at.
        self.messages: list[dict] = []
        self._sent_by_wamid: dict[str, dict] = {}
        self.read_receipts: list[dict] = []  # mark-as-read calls the relay made
        self.graph_calls = CallLog(clock)  # every Graph call and media download, secrets masked
        self.inbound: dict[str, dict] = {}  # wamid -> {"phone_number_id", "from", "at"} of candidate messages
        self.windows: dict[tuple[str, str], float] = {}  # (phone_number_id, wa_id) -> last inbound at
        self.entry_points: dict[tuple[str, str], float] = {}  # (phone_number_id, wa_id) -> ad click at
        self.marketing_opt_outs: set[tuple[str, str]] = set()  # (phone_number_id, wa_id) who stopped marketing
        self.recipient_faults: list[RecipientFault] = []
        self.wa_id_aliases: dict[str, str] = {}  # digits sent in "to" -> the wa_id Meta answers
        self.rules = Rules.of(config)
        self.scheduler = Scheduler(clock)
        self.webhooks = WebhookDispatcher(self)
        self.statuses = StatusEmitter(self)
        self.limits = SendLimits(self)
        self.media_transport = None  # httpx transport for fetching media links (None: the network)
        self.partner_business_id = _digits_id()  # the Tech Provider's own business portfolio
        self.facebook_user_id = _digits_id()  # the person who clicks through Embedded Signup
        self._used_ids: set[str] = set()
        if config.system_user_token:
            self.tokens[config.system_user_token] = Token(
                config.system_user_token, "system", self.new_id(), issued_at=clock()
            )

    # ids -----------------------------------------------------------------------------------------
    def new_id(self) -> str:
        """A fresh numeric Graph id (15 digits)."""
        while (candidate := _digits_id()) in self._used_ids:
            pass
        self._used_ids.add(candidate)
        return candidate

    def approve_template(self, waba_id: str, name: str, components: list[dict], *, language: str = "en_US",
                         category: str = "UTILITY", parameter_format: str = "POSITIONAL") -> Template:
        """A template on the WABA, as WhatsApp Manager holds it once Meta approved it."""
        template = Template(id=self.new_id(), waba_id=waba_id, name=name, language=language, status="APPROVED",
                            category=category, parameter_format=parameter_format,
                            components=copy.deepcopy(components))
        self.templates[template.id] = template
        return template

    @staticmethod
    def new_wamid() -> str:
        """A fresh WhatsApp message id ("wamid." + base64, with the +/= characters real ids carry)."""
        return "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(24)).decode()

    @staticmethod
    def new_token_value() -> str:
        return "EAAG" + _alnum(180)

    @staticmethod
    def new_code_value() -> str:
        return "AQ" + secrets.token_urlsafe(150)

    def now_iso(self, at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")

    # authentication and access -----------------------------------------------------------------
    def authenticate(self, value: str | None) -> Token:
        """The token behind a request, or 104 (none) / 190 (unknown, revoked, expired)."""
        if not value:
            raise missing_token()
        token = self.tokens.get(value)
        if token is None or token.revoked:
            raise invalid_token()
        if token.expires_at and self.clock() >= token.expires_at:
            raise invalid_token(expired_at=self.now_iso(token.expires_at))
        return token

    def token_waba_ids(self, token: Token) -> list[str]:
        """WABAs a token may act on, most recently onboarded first (debug_token's target_ids order)."""
        if token.kind != "business" or token.business_id is None:
            return []  # our system user was granted no asset access to client WABAs
        owned = [w for w in self.wabas.values() if w.business_id == token.business_id]
        return [w.id for w in sorted(owned, key=lambda w: w.seq, reverse=True)]

    def waba_for(self, token: Token, waba_id: str, method: str) -> Waba:
        """The WABA if the token may use it, else Graph's 100/33 (which also hides existence)."""
        waba = self.wabas.get(waba_id)
        if waba is None or waba_id not in self.token_waba_ids(token):
            raise unsupported(method, waba_id)
        return waba

    def number_for(self, token: Token, phone_number_id: str, method: str) -> PhoneNumber:
        """The phone number if the token may use it, else 100/33."""
        number = self.numbers.get(phone_number_id)
        if number is None or number.waba_id not in self.token_waba_ids(token):
            raise unsupported(method, phone_number_id)
        return number

    def media_for(self, token: Token, media_id: str, method: str) -> Media:
        """A live media object the token may read, else 100/33."""
        media = self.media.get(media_id)
        if media is None or media.waba_id not in self.token_waba_ids(token):
            raise unsupported(method, media_id)
        if not media.alive(self.clock()):
            raise unsupported(method, media_id)
        return media

    def revoke_business_tokens(self, business_id: str) -> int:
        """Invalidate every token of a business (the customer removed the app); returns how many."""
        hits = [t for t in self.tokens.values() if t.business_id == business_id and not t.revoked]
        for token in hits:
            token.revoked = True
        return len(hits)

    # windows, inbound and outbound records -----------------------------------------------------
    def open_window(self, phone_number_id: str, wa_id: str) -> None:
        """A candidate messaged the number: the 24-hour customer service window (re)starts now."""
        self.windows[(phone_number_id, wa_id)] = self.clock()

    def window_open(self, phone_number_id: str, wa_id: str) -> bool:
        started = self.windows.get((phone_number_id, wa_id))
        return started is not None and self.clock() - started < SERVICE_WINDOW_SECONDS

    def open_entry_point(self, phone_number_id: str, wa_id: str) -> None:
        """The candidate came from a click-to-WhatsApp ad: 72 hours of free messages start now."""
        self.entry_points[(phone_number_id, wa_id)] = self.clock()

    def entry_point_open(self, phone_number_id: str, wa_id: str) -> bool:
        started = self.entry_points.get((phone_number_id, wa_id))
        return started is not None and self.clock() - started < FREE_ENTRY_POINT_SECONDS

    def record_sent(self, number: PhoneNumber, body: dict, wamid: str, wa_id: str) -> dict:
        """Keep an accepted send: the request body plus wamid, phone_number_id, wa_id and at."""
        record = {**body, "wamid": wamid, "phone_number_id": number.id, "wa_id": wa_id, "at": self.clock(),
                  "status": "accepted", "statuses": []}
        self.messages.append(record)
        self._sent_by_wamid[wamid] = record
        return record

    def sent_message(self, wamid: str) -> dict | None:
        return self._sent_by_wamid.get(wamid)

    # media -----------------------------------------------------------------------------------------
    def media_url(self, media: Media) -> str:
        """A fresh download URL for a media object, valid five minutes."""
        url_token = secrets.token_urlsafe(24)
        self.media_urls[url_token] = (media.id, self.clock() + MEDIA_URL_TTL_SECONDS)
        return f"{self.config.origin}/_sim/meta/media/{media.id}?token={url_token}"

    def media_from_url(self, media_id: str, url_token: str) -> Media | None:
        """The media a download URL points at, or None when unknown or older than five minutes."""
        entry = self.media_urls.get(url_token)
        if entry is None or entry[0] != media_id or self.clock() >= entry[1]:
            return None
        media = self.media.get(media_id)
        return media if media is not None and media.alive(self.clock()) else None

    # conveniences for tests -----------------------------------------------------------------------
    def seed_signup(self, **options: object):  # -> onboarding.Onboarding
        """Complete an Embedded Signup without a browser (options as ``onboarding.onboard``)."""
        from .onboarding import onboard  # onboarding builds on this module

        return onboard(self, **options)  # type: ignore[arg-type]

    def waba_numbers(self, waba_id: str) -> list[PhoneNumber]:
        """Numbers of a WABA, oldest first (the order phone_numbers pages through)."""
        return sorted((n for n in self.numbers.values() if n.waba_id == waba_id), key=lambda n: n.created_at)

    def is_subscribed(self, waba_id: str) -> bool:
        """Whether our app subscribed to the WABA's webhooks (POST /{waba_id}/subscribed_apps)."""
        waba = self.wabas.get(waba_id)
        return waba is not None and self.config.app_id in waba.subscriptions

    def waba_templates(self, waba_id: str) -> list[Template]:
        return [t for t in self.templates.values() if t.waba_id == waba_id]

    def require_number(self, phone_number_id: str) -> PhoneNumber:
        number = self.numbers.get(phone_number_id)
        if number is None:
            raise MetaError(100, details=f"Unknown phone_number_id {phone_number_id!r}.")
        return number
