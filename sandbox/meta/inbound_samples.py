"""Ready-made candidate actions, one per kind Meta sends (reference 3.5): ``sample_request`` fills a control
request with realistic content so a test can ask for "a voice note" or "a flow reply" in one line.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from .inbound_types import InboundError
from .state import MetaWorld, PhoneNumber

DEFAULT_CANDIDATE = "212600000001"
_BYTES = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200),
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(200),
    "audio/ogg; codecs=opus": b"OggS\x00\x02" + bytes(120),
    "audio/mpeg": b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200),
    "application/pdf": b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40),
}

Sample = Callable[[MetaWorld, PhoneNumber, dict], dict]


def _file(mime: str, **extra: object) -> dict:
    return {"mime_type": mime, "content_base64": base64.b64encode(_BYTES[mime]).decode(), **extra}


def _last_sent_to(world: MetaWorld, number: PhoneNumber, sender: str) -> str:
    for sent in reversed(world.messages):
        if sent["phone_number_id"] == number.id and sent["wa_id"] == sender:
            return sent["wamid"]
    raise InboundError("this sample needs a message sent to the candidate first")


SAMPLES: dict[str, Sample] = {
    "text": lambda w, n, s: {"type": "text", "text": "Hello! Is the warehouse operator job in Casablanca still open?"},
    "reply": lambda w, n, s: {"type": "text", "text": "Yes, tomorrow at 10 works for me.",
                              "context": {"id": _last_sent_to(w, n, s)}},
    "forwarded": lambda w, n, s: {"type": "text", "text": "My friend is also looking for a job",
                                  "context": {"forwarded": True}},
    "image": lambda w, n, s: {"type": "image", **_file("image/jpeg", caption="My driving licence")},
    "video": lambda w, n, s: {"type": "video", **_file("video/mp4", caption="Me at my last job")},
    "voice": lambda w, n, s: {"type": "audio", "voice": True, **_file("audio/ogg; codecs=opus")},
    "audio": lambda w, n, s: {"type": "audio", "voice": False, **_file("audio/mpeg", filename="intro.mp3")},
    "document": lambda w, n, s: {"type": "document", **_file("application/pdf", filename="CV Ahmed Hassan.pdf",
                                                              caption="My CV")},
    "sticker": lambda w, n, s: {"type": "sticker", **_file("image/webp")},
    "location": lambda w, n, s: {"type": "location", "location": {
        "latitude": 33.5731, "longitude": -7.5898, "name": "Twin Center",
        "address": "Boulevard Zerktouni, Casablanca", "url": "https://maps.example/twin-center"}},
    "contacts": lambda w, n, s: {"type": "contacts", "contacts": [{
        "name": {"formatted_name": "Karim Benali", "first_name": "Karim", "last_name": "Benali"},
        "org": {"company": "Atlas Logistics"},
        "phones": [{"phone": "+212 6 61 23 45 67", "wa_id": "212661234567", "type": "MOBILE"}],
        "emails": [{"email": "karim@example.com", "type": "WORK"}]}]},
    "button_reply": lambda w, n, s: {"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": "interested", "title": "I'm interested"}}},
    "list_reply": lambda w, n, s: {"type": "interactive", "interactive": {
        "type": "list_reply", "list_reply": {"id": "shift_night", "title": "Night shift",
                                             "description": "22:00 - 06:00"}}},
    "nfm_reply": lambda w, n, s: {"type": "interactive", "interactive": {
        "type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent", "response_json": json.dumps(
            {"flow_token": "application-42", "position": "forklift_driver", "available_from": "2026-09-01"})}}},
    "button": lambda w, n, s: {"type": "button", "button": {"payload": "CONFIRM_INTERVIEW", "text": "Confirm"}},
    "order": lambda w, n, s: {"type": "order", "order": {"catalog_id": "194836987003835", "text": "", "product_items": [
        {"product_retailer_id": "safety-shoes-42", "quantity": 1, "item_price": 349, "currency": "MAD"}]}},
    "referral": lambda w, n, s: {"type": "text", "text": "Hello! Can I get more info on this job?", "referral": True},
    "reaction": lambda w, n, s: {"type": "reaction", "reaction": {"message_id": _last_sent_to(w, n, s),
                                                                  "emoji": "\U0001f44d"}},
    "edit": lambda w, n, s: {"type": "edit", "edit": {"text": "Sorry, I meant Thursday at 10."}},
    "revoke": lambda w, n, s: {"type": "revoke"},
    "unsupported": lambda w, n, s: {"type": "unsupported", "unsupported_type": "poll"},
    "system": lambda w, n, s: {"type": "system", "new_wa_id": "212611111111"},
    "request_welcome": lambda w, n, s: {"type": "request_welcome"},
    "errors": lambda w, n, s: {"type": "errors", "error_code": 130429},
}  # fmt: skip


def sample_request(world: MetaWorld, body: dict) -> dict:
    """A full control request for ``body["sample"]``, from ``body["from"]`` / ``body["user_id"]``."""
    name = body.get("sample")
    if name not in SAMPLES:
        raise InboundError(f"sample must be one of {sorted(SAMPLES)}")
    number = world.numbers.get(str(body.get("phone_number_id")))
    if number is None:
        raise InboundError(f"unknown phone_number_id {body.get('phone_number_id')!r}")
    sender = {k: body[k] for k in ("from", "user_id", "name", "username") if k in body}
    if "from" not in sender and "user_id" not in sender:
        sender["from"] = DEFAULT_CANDIDATE
    sender.setdefault("name", "Ahmed Hassan")
    options = {k: body[k] for k in ("deliver", "wait") if k in body}
    built = SAMPLES[name](world, number, sender.get("from") or sender["user_id"])
    return {"phone_number_id": number.id, **sender, **options, **built}
