"""Fetching a recruiter's file from Slack with the bot token (slack reference 2.4), within WhatsApp's limits.

Slack answers a download it does not authorise with a 200 HTML sign-in page, not an error: that is detected
and refused, never forwarded to a candidate as their "file".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from relay.outbound.media_rules import FileRefused, base_mime, check_size, size_limit


class SlackFileUnavailable(Exception):
    """Slack could not hand the file over just now (a 5xx, a dropped connection): worth another try."""


async def download_slack_file(http: httpx.AsyncClient, file: Mapping[str, Any], bot_token: str) -> bytes:
    """The file's bytes; FileRefused when it cannot be sent (too large, no link, a sign-in page)."""
    mime = str(file.get("mimetype") or "")
    declared = file.get("size")
    if isinstance(declared, int):
        check_size(mime, declared)
    url = file.get("url_private_download") or file.get("url_private")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise FileRefused("Slack gave no download link for it")
    limit = size_limit(mime)
    try:
        async with http.stream("GET", url, headers={"Authorization": f"Bearer {bot_token}"},
                               follow_redirects=True) as response:
            if response.status_code >= 500:
                raise SlackFileUnavailable(f"Slack answered {response.status_code}")
            if response.status_code != 200:
                raise FileRefused(f"Slack refused the download ({response.status_code})")
            served = base_mime(response.headers.get("content-type"))
            if served == "text/html" and base_mime(mime) != "text/html":
                raise FileRefused("Slack sent its sign-in page instead of the file: the app needs the files:read "
                                  "permission (an admin reinstalls it)")
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content.extend(chunk)
                if len(content) > limit:
                    check_size(mime, len(content))
    except httpx.TransportError as exc:
        raise SlackFileUnavailable(f"{type(exc).__name__} while downloading from Slack") from exc
    return bytes(content)
