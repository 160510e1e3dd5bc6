"""What the /template modal hands to the template sender, and what it gets back.

The modal (``bot/template_modal``) validates the recruiter's choices and builds a ``TemplateSendRequest``; the
sender (``relay/template_sends``) records it once (``idempotency_key``), then sends to each recipient paced within
the number's throughput and the pair rate, posts each sent template in the recipient's thread (opening one for a
new number) and, for a bulk send, one summary. The modal never talks to Graph itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Recipient:
    """One candidate to send to: an existing conversation, or a number in E.164 digits (no "+")."""

    conversation_id: int | None = None
    wa_id: str | None = None  # digits only, country code first: "4915112345678"
    # per-recipient parameters (a CSV row's columns); None: the request's components and preview
    components: tuple[Mapping[str, Any], ...] | None = None
    preview_text: str | None = None

    @property
    def label(self) -> str:
        return f"+{self.wa_id}" if self.wa_id else f"conversation {self.conversation_id}"


@dataclass(frozen=True)
class TemplateSendRequest:
    team_id: str
    slack_user_id: str  # who sent it: named in the thread and the summary
    phone_number_id: str  # Meta's id of the sending number (one of the workspace's connected numbers)
    template_name: str
    language: str  # Meta's language code, as the cached template has it ("en_US")
    category: str | None  # MARKETING, UTILITY or AUTHENTICATION: marketing opt-outs are refused
    components: tuple[Mapping[str, Any], ...]  # Graph's "components" of the send, parameters filled in
    preview_text: str  # the rendered template as the thread shows it (Slack mrkdwn)
    recipients: tuple[Recipient, ...]
    idempotency_key: str  # e.g. "view:<view id>": a second submission of the same modal adds nothing
    parameter_format: str = "POSITIONAL"


@dataclass(frozen=True)
class Refusal:
    recipient: Recipient
    reason: str  # a sentence for the recruiter: "opted out of marketing messages on 3 Nov"


@dataclass(frozen=True)
class SubmitResult:
    batch_id: int
    accepted: int  # recipients that will be sent to
    refused: tuple[Refusal, ...] = field(default=())  # recorded as failed with their reason, never sent
    duplicate: bool = False  # the idempotency key was seen before: nothing new was recorded


class TemplateSender(Protocol):
    async def preflight(self, request: TemplateSendRequest) -> list[Refusal]:
        """Who would be refused (opted out of marketing, conversation not on this number, number disconnected),
        without recording anything: the modal shows these inline for a single recipient."""
        ...

    async def submit(self, request: TemplateSendRequest) -> SubmitResult:
        """Record the send (once per idempotency key) and wake the worker; returns at once (well within Slack's
        three seconds for a view submission)."""
        ...
