"""Recent conversations on the Home tab: candidates write through the Meta simulator, recruiters open the Home
tab, turn its pages and answer in threads through signed Slack requests; what they read is what Slack shows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update
from sqlmodel import col

from bot import conversation_wording as words
from bot.home import MAX_BLOCKS, PAGE_BLOCK_BUDGET, build_home_view, paginate
from bot.home_conversations import PAGE_SIZE, conversation_blocks
from bot.home_state import AccountCard, ConversationLine, ConversationShelf, HomeState, NumberLine
from bot.outbox_sender import format_phone
from storage.messaging_models import Conversation, MessageDirection
from storage.models import utcnow
from storage.repositories import AccountRepository, InstallationRepository, TenantRepository
from storage.repositories.conversations import ConversationRepository

from .conftest import controls, eventually, view_text

AHMED = {"from": "212638167216", "name": "Ahmed Hassan"}
FATIMA = {"from": "447700900123", "name": "Fatima Zahra"}


async def candidate_writes(stack, phone_number_id: str, text: str, **who: Any) -> None:
    body = {"phone_number_id": phone_number_id, "type": "text", "text": text, "wait": True, **who}
    response = await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/inbound", json=body)
    assert response.status_code == 200, response.text


async def conversation_of(stack, wa_id: str) -> Conversation | None:
    async with stack.services.database.session() as session:
        query = select(Conversation).where(col(Conversation.wa_id) == wa_id)
        return (await session.execute(query)).scalars().first()


async def thread_of(stack, wa_id: str) -> Conversation:
    async def ready() -> Conversation | None:
        found = await conversation_of(stack, wa_id)
        return found if found is not None and found.thread_ts else None
    return await eventually(ready, within=20, what=f"{wa_id}'s thread")


def lines(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation sections of a Home view, top to bottom."""
    return [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("conversation:")]


def names(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"].split("*")[1] for b in lines(view)]


def permalink(stack, channel_id: str, ts: str) -> str:
    return f"{stack.workspace.url}archives/{channel_id}/p{ts.replace('.', '')}"


async def test_each_candidate_shows_number_last_message_window_unread_and_a_thread_link(stack, slack):
    connected = await stack.connect_number()
    number = connected["numbers"][0]
    pnid, channel_id = number["phone_number_id"], number["channel_id"]
    await candidate_writes(stack, pnid, "Hello, is the job open?", **AHMED)
    await candidate_writes(stack, pnid, "I have 5 years of experience", **AHMED)
    ahmed = await thread_of(stack, AHMED["from"])
    await candidate_writes(stack, pnid, "Bonjour !", **FATIMA)
    fatima = await thread_of(stack, FATIMA["from"])

    view = await slack.open_home("U0ADMIN")  # the connector, invited to the number's channel
    assert words.CONVERSATIONS_TITLE in view_text(view)
    assert names(view) == ["Fatima Zahra", "Ahmed Hassan"], "latest activity first"
    first, second = (b["text"]["text"] for b in lines(view))
    assert format_phone(FATIMA["from"]) in first and format_phone(AHMED["from"]) in second  # as on the parent
    assert "+212 6 38 16 72 16" in second
    assert "*1 unread*" in first and "*2 unread*" in second
    until = int((ahmed.last_inbound_at + timedelta(hours=24)).timestamp())
    assert f"🟢 Reply window open until <!date^{until}^{{date_short_pretty}} {{time}}|" in second
    last = int(ahmed.last_inbound_at.timestamp())
    assert f"Last message <!date^{last}^{{date_short_pretty}} {{time}}|" in second
    assert "via" not in second, "one number: no need to say which"
    buttons = controls(view)
    assert buttons[f"open_conversation_thread:{fatima.id}"]["url"] == permalink(stack, channel_id, fatima.thread_ts)
    assert buttons[f"open_conversation_thread:{ahmed.id}"]["url"] == permalink(stack, channel_id, ahmed.thread_ts)
    assert "1 conversation" not in view_text(view) and "1–2 of 2 conversations" in view_text(view)
    assert "home_conversations_older" not in buttons and "home_conversations_newer" not in buttons

    # the recruiter answers Ahmed in his thread: his conversation moves up, its unread count is cleared
    reply = {"type": "message", "channel": channel_id, "user": "U0ADMIN", "text": "Yes it is! When can you talk?",
             "ts": stack.slack.ts.next(), "thread_ts": ahmed.thread_ts}
    assert (await stack.slack_event(kind="event", event=reply))["status"] == 200

    async def read() -> bool:
        found = await conversation_of(stack, AHMED["from"])
        return found is not None and found.unread_count == 0
    await eventually(read, within=20, what="the reply sent and Ahmed's messages marked read")
    view = await slack.open_home("U0ADMIN")
    assert names(view) == ["Ahmed Hassan", "Fatima Zahra"], "a reply is activity too"
    assert "unread" not in lines(view)[0]["text"]["text"]

    # a day later the window is closed
    async with stack.services.database.session() as session:
        await session.execute(update(Conversation).where(col(Conversation.id) == fatima.id)
                              .values(last_inbound_at=utcnow() - timedelta(hours=25)))
        await session.commit()
    view = await slack.open_home("U0ADMIN")
    fatima_line = next(b["text"]["text"] for b in lines(view) if "Fatima" in b["text"]["text"])
    assert "⚪ Reply window closed: send a template with `/template`" in fatima_line


async def test_people_outside_the_channel_see_no_candidates(stack, slack):
    connected = await stack.connect_number()
    pnid = connected["numbers"][0]["phone_number_id"]
    await candidate_writes(stack, pnid, "Hello", **AHMED)
    await thread_of(stack, AHMED["from"])

    member = stack.workspace.member_user_id  # in the workspace, not invited to the number's private channel
    view = await slack.open_home(member)
    text = view_text(view)
    # the number in each of its forms (bare "212" would also match a <!date^…> timestamp, as CI found)
    assert lines(view) == [] and "Ahmed" not in text
    assert "+212" not in text and AHMED["from"] not in text and format_phone(AHMED["from"]) not in text
    assert words.CONVERSATIONS_NOT_IN_CHANNELS in view_text(view)

    # invited from the Home tab, they see the conversation at once
    await slack.act("U0ADMIN", {"type": "multi_users_select", "action_id": f"invite_to_channel:{pnid}",
                                "block_id": f"invite:{pnid}", "selected_users": [member]},
                    view=await slack.open_home("U0ADMIN"))
    await eventually(lambda: member in stack.slack.find_channel(connected["numbers"][0]["channel_id"]).members,
                     what="the invitation")

    async def sees_ahmed() -> bool:  # the relay forgets the channel's members once Slack answered the invite
        return names(await slack.open_home(member)) == ["Ahmed Hassan"]

    # well before the 60 s the members are otherwise remembered
    await eventually(sees_ahmed, within=5, what="the invited member seeing the conversation")


async def seed(stack, phone_number_id: str, channel_id: str, count: int) -> list[int]:
    """``count`` conversations with threads, the i-th last active i minutes after the first (fixtures of ours)."""
    start = utcnow() - timedelta(hours=2)
    ids = []
    async with stack.services.database.session() as session:
        number = await AccountRepository(session, stack.services.cipher).number_by_phone_number_id(phone_number_id)
        repository = ConversationRepository(session)
        for i in range(count):
            conversation = await repository.conversation(number.id, f"3361234{i:04d}")
            conversation.wa_id, conversation.profile_name = f"3361234{i:04d}", f"Candidate {i:02d}"
            conversation.slack_channel_id, conversation.thread_ts = channel_id, f"1700000{i:03d}.000100"
            conversation.last_inbound_at = start + timedelta(minutes=i)
            conversation.unread_count = i % 3
            await repository.save(conversation)
            await repository.add_message(wamid=f"wamid.seed.{i}", conversation_id=conversation.id,
                                         direction=MessageDirection.INBOUND.value, type="text",
                                         sent_at=start + timedelta(minutes=i), text="hi")
            ids.append(conversation.id)
        # the oldest candidate got an answer just now: a message of ours counts as the latest activity
        await repository.add_message(wamid="wamid.seed.answer", conversation_id=ids[0],
                                     direction=MessageDirection.OUTBOUND.value, type="text", sent_at=utcnow(),
                                     text="Thanks!")
        await session.commit()
    return ids


async def test_pages_turn_with_newer_and_older_latest_first_within_slacks_block_limit(stack, slack):
    await stack.connect_number()
    number = (await stack.connect_number())["numbers"][0]  # a second account: two numbers in the workspace
    await seed(stack, number["phone_number_id"], number["channel_id"], 23)
    expected = ["Candidate 00", *[f"Candidate {i:02d}" for i in range(22, 0, -1)]]

    view = await slack.open_home("U0ADMIN")
    seen = names(view)
    assert seen == expected[:PAGE_SIZE]
    assert f"1–{PAGE_SIZE} of 23 conversations" in view_text(view)
    buttons = controls(view)
    assert "home_conversations_newer" not in buttons and buttons["home_conversations_older"]["value"] == "1"
    assert len(view["blocks"]) < MAX_BLOCKS

    pages = [seen]
    while "home_conversations_older" in controls(view):
        before = len(slack.publishes("U0ADMIN"))
        older = controls(view)["home_conversations_older"]
        await slack.press("U0ADMIN", older["action_id"], value=older["value"], block_id=older["block_id"])
        view = await slack.next_home("U0ADMIN", before, "the older page")
        assert len(view["blocks"]) < MAX_BLOCKS
        pages.append(names(view))
    assert pages == [expected[:10], expected[10:20], expected[20:]]
    assert "21–23 of 23 conversations" in view_text(view)
    assert "home_conversations_older" not in controls(view)
    assert json.loads(view["private_metadata"]) == {"page": 0, "conversations_page": 2}

    # turning the numbers' pages leaves the conversations where they were
    before = len(slack.publishes("U0ADMIN"))
    await slack.press("U0ADMIN", "home_page_previous", value="0", block_id="pages")
    view = await slack.next_home("U0ADMIN", before, "the numbers' page")
    assert names(view) == expected[20:]

    before = len(slack.publishes("U0ADMIN"))
    newer = controls(view)["home_conversations_newer"]
    assert newer["value"] == "1"
    await slack.press("U0ADMIN", newer["action_id"], value=newer["value"], block_id=newer["block_id"])
    view = await slack.next_home("U0ADMIN", before, "the newer page")
    assert names(view) == expected[10:20]
    assert all("via " in b["text"]["text"] for b in lines(view)), "several numbers: each line names its own"


async def connect_other_workspace(stack, team_id: str) -> dict[str, Any]:
    """A second workspace with the app installed and its own number, connected through the same claim flow."""
    added = await stack.http.post(f"{stack.slack_sim_url}/_sim/slack/workspaces", json={"team_id": team_id})
    assert added.status_code == 201, added.text
    other = added.json()
    async with stack.services.database.session() as session:
        await TenantRepository(session).get_or_create(team_id, other["name"])
        await InstallationRepository(session, stack.services.cipher).save(
            team_id=team_id, team_name=other["name"], bot_token=other["bot_token"], bot_user_id=other["bot_user_id"],
            bot_id=other["bot_id"], app_id=other["app_id"], bot_scopes=",".join(other["scopes"]),
            installer_user_id=other["users"]["admin"])
        await session.commit()
    url = await stack.services.links.issue(team_id, other["users"]["admin"])
    token = parse_qs(urlsplit(url).query)["token"][0]
    (await stack.http.get(url)).raise_for_status()
    grant = (await stack.http.post(f"{stack.meta_sim_url}/_sim/meta/signup",
                                   json={"numbers": 1, "payment_method": True})).json()
    answer = await stack.http.post(f"{stack.relay_url}/connect/complete", json={
        "token": token, "code": grant["code"], "session_info": grant["session_info"]})
    assert answer.json()["status"] == "connected", answer.text
    result = await stack.with_stored_facts(answer.json(), grant)
    return {**result, "admin": other["users"]["admin"]}


async def test_another_workspaces_conversations_are_never_shown(stack, slack):
    ours = (await stack.connect_number())["numbers"][0]
    theirs_connected = await connect_other_workspace(stack, "T0OTHER")
    theirs = theirs_connected["numbers"][0]
    await candidate_writes(stack, ours["phone_number_id"], "Hello", **AHMED)
    await candidate_writes(stack, theirs["phone_number_id"], "Salut", **FATIMA)
    await thread_of(stack, AHMED["from"])
    await thread_of(stack, FATIMA["from"])

    view = await slack.open_home("U0ADMIN")
    assert names(view) == ["Ahmed Hassan"] and "Fatima" not in view_text(view)

    delivery = await stack.slack_event(kind="event", team_id="T0OTHER",
                                       event={"type": "app_home_opened", "user": theirs_connected["admin"],
                                              "tab": "home"})
    assert delivery["status"] == 200, delivery
    other_view = await eventually(lambda: stack.slack.latest_home_view("T0OTHER", theirs_connected["admin"]),
                                  what="the other workspace's Home tab")
    assert names(other_view) == ["Fatima Zahra"] and "Ahmed" not in view_text(other_view)

    # even handed the other workspace's channel, the query keeps to the workspace it is asked about
    async with stack.services.database.session() as session:
        page = await ConversationRepository(session).recent_for_team(
            slack.team_id, {ours["channel_id"], theirs["channel_id"]}, offset=0, limit=50)
    assert [c.conversation.profile_name for c in page.conversations] == ["Ahmed Hassan"] and page.total == 1


async def test_a_connected_number_without_conversations_says_so_and_nothing_connected_shows_no_list(stack, slack):
    view = await slack.open_home("U0ADMIN")
    assert words.CONVERSATIONS_TITLE not in view_text(view)
    await stack.connect_number()
    view = await slack.open_home("U0ADMIN")
    assert words.CONVERSATIONS_TITLE in view_text(view) and words.CONVERSATIONS_EMPTY in view_text(view)
    assert lines(view) == []


def test_the_fullest_page_of_numbers_with_a_full_page_of_conversations_stays_within_100_blocks():
    numbers = tuple(NumberLine(f"10{i}", f"+1 555 010 {i:04d}", "Acme", "active", "GREEN", f"C{i}", True,
                               checkable=True) for i in range(40))
    cards = tuple(AccountCard(account_id=i, status="active", numbers=numbers[i * 4:(i + 1) * 4],
                              connected_by="U1", connected_at=None, can_manage=True) for i in range(10))
    at = datetime(2026, 2, 17, 10, 0, tzinfo=utcnow().tzinfo)
    shelf = ConversationShelf(lines=tuple(ConversationLine(i, f"Candidate {i}", "+212 638-167216", at, at, 120,
                                                           "https://acme.slack.com/archives/C1/p1", via="+1 555")
                                          for i in range(PAGE_SIZE)), total=95, page=3, page_size=PAGE_SIZE)
    for page in range(len(paginate(cards))):
        view = build_home_view(HomeState(connect_url="https://relay.example/connect?token=t", cards=cards,
                                         page=page, notice="A notice", show_inspector=True, conversations=shelf))
        assert len(view["blocks"]) <= MAX_BLOCKS
    assert len(conversation_blocks(shelf)) <= PAGE_SIZE + 4 and PAGE_BLOCK_BUDGET + 8 + PAGE_SIZE + 4 < MAX_BLOCKS
    assert "*99+ unread*" in view_text({"blocks": conversation_blocks(shelf)})
