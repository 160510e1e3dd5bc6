"""The connect page says whom a link is for (workspace and person, before the Facebook button), and the
success answer links back to the number's Slack channel."""

from __future__ import annotations

import asyncio
from html import escape

from relay.onboarding.notifier import LinkAudience, SilentNotifier
from tests.web_connect.conftest import TEAM, USER
from web.connect import wording
from web.connect.destination import channel_link


class NamingNotifier(SilentNotifier):
    """The Slack side as the connect page sees it: names for a workspace, a person and channels."""

    def __init__(self, workspace: str | None, person: str | None, delay: float = 0.0):
        self.workspace, self.person, self.delay = workspace, person, delay
        self.asked: list[tuple[str, str]] = []

    async def describe_audience(self, team_id: str, user_id: str) -> LinkAudience:
        self.asked.append((team_id, user_id))
        await asyncio.sleep(self.delay)
        return LinkAudience(self.workspace, self.person)


def before_button(html: str, text: str) -> bool:
    return text in html and html.index(text) < html.index('id="connect"')


async def test_the_page_names_the_workspace_and_person_before_the_button(client, services, issue_token):
    services.notifier = NamingNotifier("Acme <Recruiting> & Co", "ada")
    response = await client.get("/connect", params={"token": await issue_token()})
    html = response.text
    assert services.notifier.asked == [(TEAM, USER)]
    assert before_button(html, f"{escape(wording.PAGE['audience_prefix'])} <strong id=\"audience-workspace\">"
                               "Acme &lt;Recruiting&gt; &amp; Co</strong>")
    assert before_button(html, '<strong id="audience-user">@ada</strong>')
    assert before_button(html, escape(wording.PAGE["audience_hint"]))
    assert "<Recruiting>" not in html


async def test_without_names_the_page_still_says_which_workspace_and_user(client, services, issue_token):
    services.notifier = NamingNotifier(None, None)
    html = (await client.get("/connect", params={"token": await issue_token()})).text
    assert before_button(html, f"Slack workspace {TEAM}") and before_button(html, f"Slack user {USER}")


async def test_a_slow_slack_does_not_hold_the_page(client, services, issue_token, monkeypatch):
    monkeypatch.setattr("web.connect.destination.LOOKUP_TIMEOUT_SECONDS", 0.05)
    services.notifier = NamingNotifier("Acme", "ada", delay=5)
    response = await asyncio.wait_for(client.get("/connect", params={"token": await issue_token()}), 2)
    assert response.status_code == 200 and before_button(response.text, f"Slack workspace {TEAM}")


def test_channel_links_open_the_app_and_the_web_client():
    link = channel_link("T0TEAM", "C0CHAN", "wa-acme")
    assert link.app_url == "slack://channel?team=T0TEAM&id=C0CHAN"
    assert link.web_url == "https://app.slack.com/client/T0TEAM/C0CHAN"
    odd = channel_link("T0&x", "C0/..", None)
    assert odd.app_url == "slack://channel?team=T0%26x&id=C0%2F.." and odd.web_url.endswith("/T0%26x/C0%2F..")


async def test_in_the_stack_names_come_from_slack_and_the_answer_links_the_channel(stack):
    url = await stack.connect_link(stack.workspace.admin_user_id)
    html = (await stack.http.get(url)).text
    assert before_button(html, '<strong id="audience-workspace">Sandbox Recruiting</strong>')
    assert before_button(html, '<strong id="audience-user">@ada</strong>')

    answer = await stack.connect_number()
    [number] = answer["numbers"]
    channel = number["channel"]
    assert channel["id"] == number["channel_id"]
    assert channel["name"] == stack.slack.find_channel(number["channel_id"]).name
    assert channel["name"].startswith("wa-client-company-")
    team = stack.workspace.team_id
    assert channel["app_url"] == f"slack://channel?team={team}&id={channel['id']}"
    assert channel["web_url"] == f"https://app.slack.com/client/{team}/{channel['id']}"
