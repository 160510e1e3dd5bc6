"""A call held until the test lets it answer: for what a worker does while a Slack or Graph call is in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


def held(real: Callable[..., Awaitable[Any]]) -> tuple[Callable[..., Awaitable[Any]], asyncio.Event, asyncio.Event]:
    """``real`` wrapped: ``calling`` is set once it is called, and it goes on only once ``answer`` is set."""
    calling, answer = asyncio.Event(), asyncio.Event()

    async def call(*args: Any) -> Any:
        calling.set()
        await answer.wait()  # the other side is slow to answer
        return await real(*args)

    return call, calling, answer
