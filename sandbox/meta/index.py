"""``GET /``: a short page saying what the simulator serves, so a person who opens its URL is not left at 404."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from .graph import world_of

SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Graph API (Bearer token)", [
        ("GET {v}/oauth/access_token", "exchange an Embedded Signup code for a business token"),
        ("GET {v}/debug_token", "inspect a token (granular scopes)"),
        ("GET {v}/{{waba_id}}/phone_numbers", "the WABA's numbers"),
        ("GET|POST|DELETE {v}/{{waba_id}}/subscribed_apps", "webhook subscription"),
        ("POST {v}/{{phone_number_id}}/register, /deregister", "Cloud API registration"),
        ("GET {v}/{{waba_id}}/message_templates", "templates"),
        ("POST {v}/{{phone_number_id}}/messages", "send (80 msg/s per number, 1 per 6 s per user)"),
        ("POST {v}/{{phone_number_id}}/media, GET|DELETE {v}/{{media_id}}", "media"),
    ]),
    ("Embedded Signup", [
        ("GET /sdk.js", "the JS SDK stand-in (FB.init, FB.login)"),
        ("GET /_sim/meta/signup", "the signup popup"),
        ("GET {v}/dialog/oauth", "the redirect dialog"),
    ]),
    ("Simulator controls", [
        ("GET /_sim/meta/state", "the world, without tokens, and the settings in force"),
        ("GET|PATCH /_sim/meta/settings", "batching, retries, duplicates, statuses, send limits"),
        ("POST /_sim/meta/inbound", "a candidate writes (any type), a status, a value-level error"),
        ("POST /_sim/meta/inbound/sample", "a realistic message of one kind (GET …/samples lists them)"),
        ("POST /_sim/meta/events", "account-level webhooks: account_update, templates, calls, history …"),
        ("GET /_sim/meta/candidates?phone_number_id=", "who wrote to (or was sent to by) a number"),
        ("GET /_sim/meta/conversation?phone_number_id=&candidate=", "one candidate's chat, both directions"),
        ("POST /_sim/meta/tap", "the candidate taps a quick reply, reply button or list row"),
        ("GET /_sim/meta/graph_calls", "every Graph call the relay made, secrets masked"),
        ("GET /_sim/meta/deliveries", "every webhook POST with its attempts"),
        ("POST /_sim/meta/deliveries/{{id}}/redeliver", "POST the same bytes again"),
        ("POST /_sim/meta/deliveries/flush", "send held batches and run due timers now"),
        ("GET /_sim/meta/messages", "what the relay sent, with the statuses that followed"),
        ("GET|POST|DELETE /_sim/meta/faults", "make Graph calls fail"),
        ("GET|POST|DELETE /_sim/meta/recipient_faults", "make sends fail later, in a failed status"),
        ("POST /_sim/meta/seed, /_sim/meta/signup", "assets without a browser"),
    ]),
]  # fmt: skip


def _lines(version: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(title, [(path.format(v="/" + version), what) for path, what in items]) for title, items in SECTIONS]


async def index(request: Request) -> Response:
    """HTML for browsers, plain text for everything else (curl)."""
    world = world_of(request)
    sections = _lines(world.config.api_version)
    if "text/html" not in request.headers.get("accept", ""):
        text = [f"Meta simulator (WhatsApp Cloud API {world.config.api_version}, app {world.config.app_id})", ""]
        for title, items in sections:
            text += [title] + [f"  {path}  — {what}" for path, what in items] + [""]
        return PlainTextResponse("\n".join(text))
    body = "".join(
        f"<h2>{escape(title)}</h2><ul>"
        + "".join(f"<li><code>{escape(path)}</code> — {escape(what)}</li>" for path, what in items)
        + "</ul>"
        for title, items in sections
    )
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Meta simulator</title>"
        f"<h1>Meta simulator</h1><p>WhatsApp Cloud API {escape(world.config.api_version)}, "
        f"app {escape(world.config.app_id)}.</p>{body}</html>"
    )
