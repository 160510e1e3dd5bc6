"""A strict simulator of Meta's WhatsApp Cloud API, Embedded Signup and webhooks (tests, demo, benchmarks)."""

from .app import create_meta_simulator
from .config import MetaSimConfig, SendRules, StatusFlow, WebhookDelivery
from .state import MetaWorld

__all__ = ["MetaSimConfig", "MetaWorld", "SendRules", "StatusFlow", "WebhookDelivery", "create_meta_simulator"]
