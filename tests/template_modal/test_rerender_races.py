"""Two keystrokes in the modal sent before either re-render landed carry the same view hash: Slack applies the
first ``views.update`` and answers ``hash_conflict`` to the second. The newer keystroke's render holds every value
the older one had, so it must still reach the modal; an older render must never replace a newer one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from slack_sdk.errors import SlackApiError

from bot.listeners.template_modal import TemplateModal


class SlackViews:
    """views.update as Slack does it: the hash must be the view's current one, or it is refused."""

    def __init__(self) -> None:
        self.hash, self.shown, self.version = "h0", None, 0

    async def views_update(self, view_id: str, hash: str | None, view: dict) -> dict:  # noqa: A002
        if hash is not None and hash != self.hash:
            raise SlackApiError("hash_conflict", {"ok": False, "error": "hash_conflict"})
        self.version += 1
        self.hash, self.shown = f"h{self.version}", view["preview"]
        return {"ok": True}


def modal() -> TemplateModal:
    return TemplateModal(sender=None, services=SimpleNamespace(database=None))  # type: ignore[arg-type]


@pytest.mark.parametrize("landing", [(10.0, 10.2), (10.2, 10.0)], ids=["older render first", "newer render first"])
async def test_the_newer_keystroke_shows_whichever_render_lands_first(landing):
    """Two keystrokes, their renders landing in either order: the newer text is what stays on screen."""
    slack, templates = SlackViews(), modal()
    templates.saw_action("V1", 10.0)
    templates.saw_action("V1", 10.2)
    previews = {10.0: "Night nur", 10.2: "Night nurse"}
    for action_ts in landing:
        await templates.update(slack, "V1", "h0", {"preview": previews[action_ts]}, action_ts=action_ts)
    assert slack.shown == "Night nurse"


async def test_other_errors_still_raise():
    class Broken(SlackViews):
        async def views_update(self, view_id: str, hash: str | None, view: dict) -> dict:  # noqa: A002
            raise SlackApiError("invalid_arguments", {"ok": False, "error": "invalid_arguments"})

    with pytest.raises(SlackApiError):
        await modal().update(Broken(), "V1", "h0", {"preview": "x"}, action_ts=1.0)
