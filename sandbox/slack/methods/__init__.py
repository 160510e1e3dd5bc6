"""The Web API method table: method name -> handler, grouped by family."""

from __future__ import annotations

from ..context import Method
from . import chat, conversations, files, identity, reactions, views

METHODS: dict[str, Method] = {
    **identity.METHODS,
    **chat.METHODS,
    **reactions.METHODS,
    **views.METHODS,
    **conversations.METHODS,
    **files.METHODS,
}
