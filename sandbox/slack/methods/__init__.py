"""The Web API method table: method name -> handler, grouped by family."""

from __future__ import annotations

from ..context import Method
from . import chat, conversations, files, history, identity, reactions, views

METHODS: dict[str, Method] = {
    **identity.METHODS,
    **chat.METHODS,
    **reactions.METHODS,
    **views.METHODS,
    **conversations.METHODS,
    **history.METHODS,
    **files.METHODS,
}
