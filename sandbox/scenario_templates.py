"""The scenario's /template step, as a recruiter works it: ``/template interview_invite`` in Slack opens the
modal, they fill in a new number and the template's variables and submit; the candidate's phone receives the
template and the number's channel gets a new thread for that number, where the sent template shows."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.stack import Stack

NEW_CANDIDATE = "34612345678"
TEMPLATE = "interview_invite"


class TemplateStepFailed(AssertionError):
    pass


async def _until(probe, what: str, tries: int = 300):  # type: ignore[no-untyped-def]
    for _ in range(tries):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise TemplateStepFailed(f"{what} never happened")


async def template_opens_a_thread(stack: Stack, memo: dict[str, Any]) -> str:
    number = memo["first"]["numbers"][0]
    team_id, user_id, channel = stack.workspace.team_id, stack.workspace.admin_user_id, number["channel_id"]
    slack = stack.slack_sim_url

    async def post(path: str, **body: Any) -> dict[str, Any]:
        answer = await stack.http.post(f"{slack}/_sim/slack/{path}", json={"team_id": team_id, **body})
        if answer.status_code != 200:
            raise TemplateStepFailed(f"the Slack simulator refused {path}: {answer.text}")
        return dict(answer.json())

    async def modal() -> dict[str, Any] | None:
        views = (await stack.http.get(f"{slack}/_sim/slack/modals",
                                      params={"team_id": team_id, "user_id": user_id})).json()["views"]
        return views[-1] if views and views[-1]["callback_id"] != "template_modal_loading" else None

    delivered = await post("event", kind="command", command="/template", text=TEMPLATE, user_id=user_id,
                           channel_id=channel)
    if delivered.get("status") != 200:
        raise TemplateStepFailed(f"the relay answered /template with {delivered.get('status')}")
    await _until(modal, "the filled-in /template modal")
    for block_id, value in (("recipient_mode", "new_number"), ("new_number", f"+{NEW_CANDIDATE}"),
                            ("param.body.1", "Lucía"), ("param.body.2", "Night nurse")):
        before = (await modal() or {}).get("hash")
        entered = await post("views/enter", user_id=user_id, block_id=block_id, value=value)
        if entered.get("dispatched"):
            await _until(lambda before=before: _changed(modal, before), f"the modal's re-render after {block_id}")
    submitted = await post("views/submit", user_id=user_id)
    result = submitted.get("view_result") or {}
    if result.get("action") != "update":
        raise TemplateStepFailed(f"the modal did not accept the send: {result}")

    async def received() -> list[dict[str, Any]]:
        return (await stack.http.get(f"{stack.meta_sim_url}/_sim/meta/messages",
                                     params={"to": NEW_CANDIDATE})).json()["data"]

    sent = await _until(received, "the template reaching the new number")
    if sent[0].get("type") != "template" or sent[0]["template"]["name"] != TEMPLATE:
        raise TemplateStepFailed(f"the candidate got {sent[0]}")

    async def shown() -> tuple[dict[str, Any], dict[str, Any]] | None:
        messages = (await stack.http.get(f"{slack}/_sim/slack/messages", params={"channel": channel})).json()
        post_ = next((m for m in messages if m.get("thread_ts") and m["thread_ts"] != m["ts"]
                      and TEMPLATE in m.get("text", "") and "Lucía" in m.get("text", "")), None)
        parent = next((m for m in messages if post_ and m["ts"] == post_["thread_ts"]), None)
        return (post_, parent) if post_ and parent else None

    _post, parent = await _until(shown, "the template in a thread of the number's channel")
    if "+34 612" not in parent.get("text", ""):
        raise TemplateStepFailed(f"the thread parent does not name the new number: {parent.get('text')!r}")
    return f"/template {TEMPLATE} from the modal reached +{NEW_CANDIDATE} and opened its thread in {channel}"


async def _changed(modal, before: str | None) -> bool:  # type: ignore[no-untyped-def]
    view = await modal()
    return bool(view and view.get("hash") != before)
