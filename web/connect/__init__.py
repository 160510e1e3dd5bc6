"""The connect page: where a Slack user connects their company's WhatsApp Business number through Meta's
Embedded Signup. ``connect_routes(services)`` mounts the page, its endpoints and its script."""

from web.connect.routes import connect_routes

__all__ = ["connect_routes"]
