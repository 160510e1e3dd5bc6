"""Media sent by ``link``: Meta fetches the URL itself, without credentials, after accepting the send. A URL
that needs a login (a Slack ``url_private`` answers 401/403 or an HTML login page), answers non-2xx, or serves
something Meta cannot take makes the message fail later (131052/131053, reference 2.5, 4.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from .errors import MetaError
from .media import SUPPORTED, base_mime, check_media, fits_message_type

if TYPE_CHECKING:
    from .state import MetaWorld

MAX_LINK_BYTES = 100 * 1024 * 1024 + 1


async def fetch_link(world: MetaWorld, url: str, kind: str) -> tuple[int, str] | None:
    """None when the link serves media Meta can send as ``kind``; else (error code, details)."""
    timeout = world.rules.sending.link_timeout_seconds
    try:
        async with httpx.AsyncClient(transport=world.media_transport, timeout=timeout, follow_redirects=True) as http:
            response = await http.get(url, headers={"User-Agent": "WhatsApp/2.0"})
    except httpx.TimeoutException:
        return 131052, f"Media download error: no answer from {url} within {timeout:g} s."
    except httpx.HTTPError as exc:
        return 131052, f"Media download error: could not download {url} ({type(exc).__name__})."
    if not 200 <= response.status_code < 300:
        reason = response.reason_phrase or "Error"
        return 131053, (
            f"Downloading media from weblink failed with http code {response.status_code}, status message {reason}"
        )
    mime = response.headers.get("content-type", "")
    if base_mime(mime) not in SUPPORTED:
        return 131053, f"Media upload error: the link serves {base_mime(mime) or 'no content type'}, not media."
    try:
        check_media(mime, response.content[:MAX_LINK_BYTES])
    except MetaError as error:
        return 131053, error.details or error.message
    if not fits_message_type(kind, base_mime(mime)):
        return 131053, f"Media upload error: {base_mime(mime)} cannot be sent as {kind}."
    return None
