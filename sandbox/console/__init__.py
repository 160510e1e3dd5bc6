"""The sandbox console: a candidate's phone and the recruiter's Slack side by side in the browser.

Served by the Slack simulator's app in the sandbox stack only (``waslack serve`` never mounts it); it reads
and drives the simulators' public control endpoints like any other client."""

from .routes import CONSOLE_PATH, Console

__all__ = ["CONSOLE_PATH", "Console"]
