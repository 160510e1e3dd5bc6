"""The Graph API client: one method per call waslack makes to Meta, returning small frozen results.

Tokens are per tenant and passed to each method; only the app credentials live on the client.
Every method goes through ``GraphHttp.request`` (whatsapp/graph_http.py), the single choke point.
"""

from __future__ import annotations

import asyncio
import random as _random
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from whatsapp import message_bodies as bodies
from whatsapp.errors import GraphError
from whatsapp.graph_http import GraphCall, GraphHttp
from whatsapp.graph_types import (
    BusinessAccount,
    MediaInfo,
    PhoneNumber,
    SentMessage,
    SubscribedApp,
    Template,
    TokenGrant,
    TokenInfo,
)
from whatsapp.message_bodies import MediaKind

PHONE_NUMBER_FIELDS = (
    "id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status",
    "name_status", "platform_type", "status", "throughput",
)
# is_on_biz_app: the coexistence check; health_status: can it send, or is e.g. the payment method missing
PHONE_NUMBER_DETAIL_FIELDS = (*PHONE_NUMBER_FIELDS, "is_on_biz_app", "health_status")
BUSINESS_ACCOUNT_FIELDS = ("id", "name", "owner_business_info")
TEMPLATE_FIELDS = (
    "id", "name", "language", "status", "category", "parameter_format", "components", "quality_score",
    "rejected_reason",
)

_PIN = re.compile(r"[0-9]{6}")
_Result = TypeVar("_Result", TokenGrant, SentMessage, MediaInfo)


class GraphClient:
    """Async client for the WhatsApp Cloud API and the Graph calls around Embedded Signup."""

    def __init__(
        self,
        *,
        base_url: str,
        api_version: str,
        app_id: str,
        app_secret: str,
        timeout: float = 10.0,
        system_user_token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
    ):
        if not app_secret:
            raise ValueError("app_secret must not be empty")
        self._app_id = app_id
        self._app_secret = SecretStr(app_secret)
        self._system_user_token = SecretStr(system_user_token) if system_user_token else None
        secrets = [self._app_secret] + ([self._system_user_token] if self._system_user_token else [])
        self._http = GraphHttp(
            root=f"{base_url.rstrip('/')}/{api_version.strip('/')}",
            timeout=timeout,
            transport=transport,
            max_attempts=max_attempts,
            sleep=sleep,
            random=random,
            secrets=secrets,
        )

    def __repr__(self) -> str:
        return f"GraphClient(root={self._http.root!r}, app_id={self._app_id!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- onboarding -------------------------------------------------------------------------------

    async def exchange_code(self, code: str, *, redirect_uri: str | None = None) -> TokenGrant:
        """Exchange an Embedded Signup code (30 s TTL, single use) for the tenant's business token.

        SDK (popup) codes are exchanged without ``redirect_uri``; a code from the redirect dialog needs the
        exact ``redirect_uri`` it was issued for."""
        secret = self._app_secret.get_secret_value()
        params = {"client_id": self._app_id, "client_secret": secret, "code": code}
        if redirect_uri is not None:
            params["redirect_uri"] = redirect_uri
        # Not idempotent: once Meta may have consumed the code, asking again only fails with code 100.
        call = self._http.call("GET", "/oauth/access_token", token=None, params=params, idempotent=False,
                               secrets=(code,))
        return _parse(TokenGrant, await self._http.request_json(call), call)

    async def debug_token(self, input_token: str) -> TokenInfo:
        """Inspect a token (validity, expiry, granted WABAs) as our system user, else with the app token."""
        if self._system_user_token is not None:
            token = self._system_user_token.get_secret_value()
        else:
            token = f"{self._app_id}|{self._app_secret.get_secret_value()}"
        call = self._http.call("GET", "/debug_token", token=token, params={"input_token": input_token},
                               secrets=(input_token,))
        return TokenInfo.from_graph(await self._http.request_json(call))

    async def get_business_account(self, waba_id: str, token: str) -> BusinessAccount:
        """The WABA's name and the business portfolio that owns it (``owner_business_info``)."""
        call = self._http.call("GET", "/{waba_id}", {"waba_id": waba_id}, token=token,
                               params={"fields": ",".join(BUSINESS_ACCOUNT_FIELDS)})
        return BusinessAccount.from_graph(await self._http.request_json(call))

    async def list_phone_numbers(self, waba_id: str, token: str) -> list[PhoneNumber]:
        """All phone numbers of a WABA, across every page."""
        items = await self._http.all_pages("/{waba_id}/phone_numbers", {"waba_id": waba_id}, token,
                                           {"fields": ",".join(PHONE_NUMBER_FIELDS)})
        return [PhoneNumber.from_graph(item) for item in items]

    async def get_phone_number(
        self, phone_number_id: str, token: str, fields: Sequence[str] = PHONE_NUMBER_DETAIL_FIELDS
    ) -> PhoneNumber:
        """One phone number, including ``is_on_biz_app``/``platform_type`` (the coexistence check) and
        ``health_status`` (whether it can send messages)."""
        call = self._http.call("GET", "/{phone_number_id}", {"phone_number_id": phone_number_id}, token=token,
                               params={"fields": ",".join(fields)})
        return PhoneNumber.from_graph(await self._http.request_json(call))

    async def subscribe_app(self, waba_id: str, token: str) -> None:
        """Subscribe our app to the WABA's webhooks (needed once per WABA)."""
        await self._http.expect_success(
            self._http.call("POST", "/{waba_id}/subscribed_apps", {"waba_id": waba_id}, token=token))

    async def list_subscribed_apps(self, waba_id: str, token: str) -> list[SubscribedApp]:
        """Apps subscribed to the WABA's webhooks."""
        items = await self._http.all_pages("/{waba_id}/subscribed_apps", {"waba_id": waba_id}, token, {})
        return [SubscribedApp.from_graph(item) for item in items]

    async def unsubscribe_app(self, waba_id: str, token: str) -> None:
        """Stop receiving the WABA's webhooks."""
        await self._http.expect_success(
            self._http.call("DELETE", "/{waba_id}/subscribed_apps", {"waba_id": waba_id}, token=token))

    async def register_number(self, phone_number_id: str, token: str, pin: str) -> None:
        """Register the number on Cloud API; ``pin`` (6 digits) becomes its two-step verification PIN."""
        if not isinstance(pin, str) or not _PIN.fullmatch(pin):
            raise ValueError("pin must be exactly 6 digits")
        await self._http.expect_success(self._http.call(
            "POST", "/{phone_number_id}/register", {"phone_number_id": phone_number_id}, token=token,
            json={"messaging_product": "whatsapp", "pin": pin}, secrets=(pin,)))

    async def deregister_number(self, phone_number_id: str, token: str) -> None:
        """Deregister the number from Cloud API (counts against the 10 per 72 h limit)."""
        await self._http.expect_success(self._http.call(
            "POST", "/{phone_number_id}/deregister", {"phone_number_id": phone_number_id}, token=token))

    # -- messages ---------------------------------------------------------------------------------

    async def send_text(
        self, phone_number_id: str, token: str, to: str, body: str, *, preview_url: bool = False,
        reply_to: str | None = None, biz_opaque_callback_data: str | None = None,
    ) -> SentMessage:
        """Send a text message (inside the 24 h customer service window)."""
        return await self._send(phone_number_id, token, bodies.text_body(
            to, body, preview_url=preview_url, reply_to=reply_to,
            biz_opaque_callback_data=biz_opaque_callback_data))

    async def send_template(
        self, phone_number_id: str, token: str, to: str, name: str, language_code: str,
        components: list[dict[str, Any]] | None = None, *, biz_opaque_callback_data: str | None = None,
    ) -> SentMessage:
        """Send an approved template (the only kind allowed outside the service window)."""
        return await self._send(phone_number_id, token, bodies.template_body(
            to, name, language_code, components, biz_opaque_callback_data=biz_opaque_callback_data))

    async def send_media(
        self, phone_number_id: str, token: str, to: str, kind: MediaKind, media_id: str, *,
        caption: str | None = None, filename: str | None = None, reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SentMessage:
        """Send uploaded media by id."""
        return await self._send(phone_number_id, token, bodies.media_body(
            to, kind, media_id, caption=caption, filename=filename, reply_to=reply_to,
            biz_opaque_callback_data=biz_opaque_callback_data))

    async def send_reaction(
        self, phone_number_id: str, token: str, to: str, message_id: str, emoji: str, *,
        biz_opaque_callback_data: str | None = None,
    ) -> SentMessage:
        """React to a message with an emoji."""
        return await self._send(phone_number_id, token, bodies.reaction_body(
            to, message_id, emoji, biz_opaque_callback_data=biz_opaque_callback_data))

    async def mark_as_read(self, phone_number_id: str, token: str, message_id: str, *,
                           typing_indicator: bool = False) -> None:
        """Mark an inbound message read; repeating it is harmless, so unlike a send it may be retried."""
        await self._http.expect_success(self._http.call(
            "POST", "/{phone_number_id}/messages", {"phone_number_id": phone_number_id}, token=token,
            json=bodies.read_receipt_body(message_id, typing_indicator=typing_indicator)))

    async def _send(self, phone_number_id: str, token: str, body: dict[str, Any]) -> SentMessage:
        call = self._http.call("POST", "/{phone_number_id}/messages", {"phone_number_id": phone_number_id},
                               token=token, json=body, idempotent=False)
        return _parse(SentMessage, await self._http.request_json(call), call)

    # -- media and templates ----------------------------------------------------------------------

    async def upload_media(self, phone_number_id: str, token: str, content: bytes, mime_type: str,
                           filename: str) -> str:
        """Upload a file for sending; returns the media id (valid 30 days)."""
        call = self._http.call(
            "POST", "/{phone_number_id}/media", {"phone_number_id": phone_number_id}, token=token,
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)}, idempotent=False)
        media_id = (await self._http.request_json(call)).get("id")
        if not isinstance(media_id, str) or not media_id:
            raise GraphError(None, f"unexpected answer to POST {call.route}: no media id")
        return media_id

    async def get_media(self, media_id: str, token: str, phone_number_id: str | None = None) -> MediaInfo:
        """Look up a media object's download URL (valid 5 minutes), MIME type, hash and size."""
        params = {"phone_number_id": phone_number_id} if phone_number_id else None
        call = self._http.call("GET", "/{media_id}", {"media_id": media_id}, token=token, params=params)
        return _parse(MediaInfo, await self._http.request_json(call), call)

    async def download_media(self, url: str, token: str, *, max_bytes: int) -> bytes:
        """Download a media URL from ``get_media`` or a webhook (Bearer auth, streamed, ≤ ``max_bytes``)."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("media url must be an absolute http(s) URL")
        # The URL is absolute and may be on another host (Meta's CDN); httpx drops the token on a
        # redirect to a different origin.
        call = GraphCall("GET", "{media_url}", url, token, max_bytes=max_bytes, follow_redirects=True)
        return await self._http.request(call)

    async def list_templates(self, waba_id: str, token: str, *, status: str | None = None,
                             page_size: int | None = None) -> list[Template]:
        """All message templates of a WABA (optionally only one status), across every page of ``page_size``
        (Meta's default when None)."""
        params = {"fields": ",".join(TEMPLATE_FIELDS)}
        if status:
            params["status"] = status
        if page_size:
            params["limit"] = str(page_size)
        route = "/{waba_id}/message_templates"
        items = await self._http.all_pages(route, {"waba_id": waba_id}, token, params)
        return [Template.from_graph(item) for item in items]


def _parse(model: type[_Result], data: dict[str, Any], call: GraphCall) -> _Result:
    try:
        return model.from_graph(data)
    except ValueError as exc:
        raise GraphError(None, f"unexpected answer to {call.method} {call.route}: {exc}") from None
