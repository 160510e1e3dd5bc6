"""The preview reads like the message the candidate gets: WhatsApp formatting shown as Slack's, values in place,
gaps visible, nothing a value contains able to ping a channel or fake a link."""

from __future__ import annotations

from bot.template_modal.parameters import shape_of
from bot.template_modal.preview import render_preview
from storage.repositories.templates import ApprovedTemplate


def template(*components: dict, parameter_format: str = "POSITIONAL") -> ApprovedTemplate:
    return ApprovedTemplate(name="t", language="en_US", category="UTILITY", parameter_format=parameter_format,
                            components=components)


def test_values_fill_the_text_and_formatting_reads_the_same():
    shown = template({"type": "HEADER", "format": "TEXT", "text": "Offer for {{1}}"},
                     {"type": "BODY", "text": "Hi {{1}}, the *{{2}}* role is _open_, ~closed~ no more. Code: ```A1```"},
                     {"type": "FOOTER", "text": "Reply STOP to opt out"})
    text = render_preview(shape_of(shown), {"header.1": "Amira", "body.1": "Amira", "body.2": "night shift"})
    assert text == ("*Offer for Amira*\n\nHi Amira, the *night shift* role is _open_, ~closed~ no more. "
                    "Code: `A1`\n\n_Reply STOP to opt out_")


def test_a_missing_value_shows_as_its_placeholder_and_values_are_escaped():
    shown = template({"type": "BODY", "text": "Hi {{first_name}}, {{recruiter_name}} here"}, parameter_format="NAMED")
    text = render_preview(shape_of(shown), {"body.first_name": "<!channel> & <https://x.test|bank>"})
    assert text == "Hi &lt;!channel&gt; &amp; &lt;https://x.test|bank&gt;, `{{recruiter_name}}` here"


def test_media_headers_and_buttons_are_shown():
    shown = template({"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "We are hiring."},
                     {"type": "BUTTONS", "buttons": [
                         {"type": "URL", "text": "See the job", "url": "https://jobs.example.com/o/{{1}}"},
                         {"type": "COPY_CODE", "example": "X"}, {"type": "QUICK_REPLY", "text": "Not now"}]})
    empty = render_preview(shape_of(shown), {})
    assert empty.startswith(":frame_with_picture: `image`")
    assert "[See the job → https://jobs.example.com/o/{{1}}]" in empty and "[Copy code: `{{code}}`]" in empty
    filled = render_preview(shape_of(shown), {"header.media": "https://cdn.example.com/a.jpg", "button.0": "4711",
                                              "code.1": "ASSESS"})
    assert filled.startswith(":frame_with_picture: <https://cdn.example.com/a.jpg|image>")
    assert "[See the job → https://jobs.example.com/o/4711]  [Copy code: ASSESS]  [Not now]" in filled
