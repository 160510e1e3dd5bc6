"""The template sender the modal uses when none is wired in: it refuses every send with a clear reason, so a
deployment without one says so in the modal instead of pretending to send."""

from __future__ import annotations

from relay.template_sends.request import Refusal, SubmitResult, TemplateSendRequest


class SenderUnavailable(RuntimeError):
    """The send cannot be recorded at all (no sender, or it failed); the message is for the recruiter."""


class NotWiredSender:
    """A TemplateSender that sends nothing."""

    reason = "template sending is not set up in this deployment yet. Ask whoever runs waslack."

    async def preflight(self, request: TemplateSendRequest) -> list[Refusal]:
        return []

    async def submit(self, request: TemplateSendRequest) -> SubmitResult:
        raise SenderUnavailable(self.reason)
