"""Slack mrkdwn to WhatsApp text, and the split of long text, on their own."""

from __future__ import annotations

from bot.slack_to_whatsapp import mentioned_users, split_text, to_whatsapp


def test_tokens_become_plain_words():
    text = ("<@U1> and <@U2|fallback> and <@U3>: mail <mailto:a@b.com|a@b.com> or <mailto:x@y.org|Jo>, "
            "team <!subteam^S1|@hiring>, <!channel> at <!date^1700000000^{date}|Nov 14>")
    assert mentioned_users(text) == ["U1", "U2", "U3"]
    assert to_whatsapp(text, {"U1": "Ana", "U3": ""}) == (
        "@Ana and @fallback and @someone: mail a@b.com or Jo (x@y.org), team @hiring, at Nov 14")


def test_entities_are_decoded_once_and_formatting_is_kept():
    assert to_whatsapp("&amp;lt; is how you write &lt; *b* _i_ ~s~ ```pre```") == (
        "&lt; is how you write < *b* _i_ ~s~ ```pre```")
    assert to_whatsapp("<https://x.example/?a=1&amp;b=2|Q &amp; A>") == "Q & A (https://x.example/?a=1&b=2)"


def test_split_prefers_paragraphs_then_words_and_cuts_a_word_longer_than_the_limit():
    assert split_text("aaaa bbbb\n\ncccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_text("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("short") == ["short"]
