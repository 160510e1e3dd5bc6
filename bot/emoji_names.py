"""WhatsApp reactions (emoji characters) as Slack reaction names. Slack's standard set names these; an
emoji missing here is shown as text in the thread instead of being dropped."""

from __future__ import annotations

SLACK_NAMES: dict[str, str] = {
    "👍": "+1", "👎": "-1", "❤️": "heart", "❤": "heart", "😂": "joy", "😮": "open_mouth", "😢": "cry",
    "🙏": "pray", "👏": "clap", "🔥": "fire", "🎉": "tada", "😊": "blush", "😍": "heart_eyes", "✅": "white_check_mark",
    "😀": "grinning", "😁": "grin", "🤔": "thinking_face", "👌": "ok_hand", "💯": "100", "🙌": "raised_hands",
    "😭": "sob", "😅": "sweat_smile", "😉": "wink", "😎": "sunglasses", "🤝": "handshake", "💪": "muscle",
    "👀": "eyes", "😡": "rage", "😱": "scream", "🥳": "partying_face", "😃": "smiley", "😄": "smile",
    "🙂": "slightly_smiling_face", "🤣": "rolling_on_the_floor_laughing", "😘": "kissing_heart",
    "🥰": "smiling_face_with_3_hearts",
    "👋": "wave", "✨": "sparkles", "⭐": "star", "💙": "blue_heart", "💚": "green_heart", "💛": "yellow_heart",
    "🧡": "orange_heart", "💜": "purple_heart", "🖤": "black_heart", "🤍": "white_heart", "😬": "grimacing",
    "🙄": "face_with_rolling_eyes", "😴": "sleeping", "🤞": "crossed_fingers", "✌️": "v", "☺️": "relaxed",
}
_SKIN_TONES = ("\U0001f3fb", "\U0001f3fc", "\U0001f3fd", "\U0001f3fe", "\U0001f3ff")


def slack_emoji_name(emoji: str) -> str | None:
    """The Slack name of ``emoji`` (skin tone kept as Slack's ``::skin-tone-N``), or None when unknown."""
    if not emoji:
        return None
    tone = next((i for i, t in enumerate(_SKIN_TONES, start=2) if t in emoji), None)
    base = emoji
    for t in _SKIN_TONES:
        base = base.replace(t, "")
    name = SLACK_NAMES.get(base) or SLACK_NAMES.get(base.replace("\ufe0f", ""))
    if name is None:
        return None
    return f"{name}::skin-tone-{tone}" if tone else name
