"""/template opens at once and fills in: "Loading…" with the trigger id first, then the form with the view's
hash; NAME pre-selects a template; each template shows the inputs it needs and a preview that follows the
typing; a workspace without a number or without approved templates is told what to do."""

from __future__ import annotations

from sqlalchemy import update

from bot import template_modal_wording as words
from sandbox.stack import running_stack
from storage.template_models import MessageTemplate
from tests.bot.conftest import view_text
from tests.template_modal.conftest import Recruiter, block_ids, preview_text, template_select_block


def select_of(view: dict, block_id: str) -> dict:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


async def test_the_modal_opens_loading_first_then_is_filled_in_with_the_hash(modal_world):
    recruiter = modal_world.recruiter
    delivery = await recruiter.command()
    assert delivery["body"] == ""  # nothing posted: the modal is the answer
    view = await recruiter.form()
    opens, updates = await modal_world.stack.slack_calls("views.open"), await modal_world.stack.slack_calls(
        "views.update")
    assert len(opens) == 1 and opens[0]["response"]["ok"], opens
    assert opens[0]["args"]["trigger_id"] == delivery["trigger_id"]
    loading = opens[0]["response"]["view"]
    assert loading["callback_id"] == "template_modal_loading" and words.LOADING in view_text(loading)
    assert updates[0]["time"] >= opens[0]["time"]
    assert updates[0]["args"]["view_id"] == loading["id"] and updates[0]["args"]["hash"] == loading["hash"]
    assert view["id"] == loading["id"] and view["callback_id"] == "template_modal"
    # one connected number: no number select; APPROVED templates only, from the cache
    assert "number" not in block_ids(view)
    offered = [o["value"] for o in select_of(view, template_select_block(view))["options"]]
    assert offered == ["candidate_follow_up|en_US", "hello_world|en_US", "interview_invite|en_US",
                       "job_flyer|en_US", "job_opportunity|fr"]
    assert "application_received" not in str(offered) and "salary_offer" not in str(offered)


async def test_a_name_pre_selects_the_template_and_its_inputs(modal_world):
    recruiter = modal_world.recruiter
    await recruiter.command("Interview_Invite")
    view = await recruiter.form()
    chosen = select_of(view, template_select_block(view))["initial_option"]
    assert chosen["value"] == "interview_invite|en_US"
    assert [b for b in block_ids(view) if b.startswith("param.")] == ["param.body.1", "param.body.2"]
    assert "Hello `{{1}}`, thank you for applying" in preview_text(view)


async def test_an_unknown_name_is_said_in_the_modal(modal_world):
    await modal_world.recruiter.command("no_such_template")
    view = await modal_world.recruiter.form()
    assert "no approved template named `no_such_template`" in view_text(view)
    assert "initial_option" not in select_of(view, template_select_block(view))


async def test_named_header_media_and_url_button_inputs(modal_world):
    recruiter = modal_world.recruiter
    await recruiter.command("candidate_follow_up")
    view = await recruiter.form()
    assert [b for b in block_ids(view) if b.startswith("param.")] == ["param.body.first_name",
                                                                      "param.body.recruiter_name"]
    assert "Variable {{first_name}}" in view_text(view)
    await recruiter.enter(template_select_block(view), "job_flyer|en_US")
    view = recruiter.modals()[-1]
    assert [b for b in block_ids(view) if b.startswith("param.")] == ["param.header.media", "param.body.1",
                                                                      "param.button.0"]
    text = view_text(view)
    assert "Header image (link)" in text and "Button “See the job”: end of the link" in text
    assert "Added after https://jobs.example.com/offers/ (for example 4711)" in text


async def test_the_preview_follows_the_typing_and_keeps_what_was_typed(modal_world):
    recruiter = modal_world.recruiter
    await recruiter.command("interview_invite")
    await recruiter.form()
    await recruiter.enter("param.body.1", "Amira *Haddad*", trigger="on_character_entered")
    assert "Hello Amira *Haddad*, thank you" in preview_text(recruiter.modals()[-1])
    await recruiter.enter("param.body.2", "Forklift <driver>", trigger="on_character_entered")
    view = recruiter.modals()[-1]
    assert "for the Forklift &lt;driver&gt; position" in preview_text(view)
    assert "Hello Amira *Haddad*" in preview_text(view)  # the first value is still there
    assert view["state"]["values"]["param.body.1"]["param.body.1"]["value"] == "Amira *Haddad*"
    # another template with the same variables keeps the values; the preview shows them in its text
    await recruiter.enter(template_select_block(view), "job_opportunity|fr")
    view = recruiter.modals()[-1]
    assert preview_text(view).startswith("*Preview*\nBonjour Amira *Haddad*, un poste de Forklift &lt;driver&gt;")


async def test_switching_to_a_new_number_or_a_list_changes_the_recipient_input(modal_world):
    recruiter = modal_world.recruiter
    await recruiter.command()
    view = await recruiter.form()
    assert "conversation" in block_ids(view)
    await recruiter.enter("recipient_mode", "new_number")
    view = recruiter.modals()[-1]
    assert "new_number" in block_ids(view) and "conversation" not in block_ids(view)
    await recruiter.enter("recipient_mode", "bulk")
    assert "bulk" in block_ids(recruiter.modals()[-1])


async def test_several_numbers_offer_a_number_select(modal_world):
    second = await modal_world.stack.connect_number(user_id=modal_world.stack.workspace.admin_user_id)
    assert second["status"] == "connected", second
    other = second["numbers"][0]["phone_number_id"]
    recruiter = modal_world.recruiter
    await recruiter.command()
    view = await recruiter.form()
    numbers = select_of(view, "number")
    assert [o["value"] for o in numbers["options"]] == [modal_world.phone_number_id, other]
    assert numbers["initial_option"]["value"] == modal_world.phone_number_id
    await recruiter.enter("number", other)
    view = recruiter.modals()[-1]
    assert template_select_block(view) == f"template.{other}"  # the other number's templates


async def test_no_approved_templates_says_to_refresh(modal_world):
    async with modal_world.stack.services.database.session() as session:
        await session.execute(update(MessageTemplate).values(status="PAUSED"))
        await session.commit()
    await modal_world.recruiter.command()
    view = await modal_world.recruiter.form()
    assert "no approved templates yet" in view_text(view) and "Refresh templates" in view_text(view)
    assert "submit" not in view or view["submit"] is None


async def test_without_a_connected_number_the_modal_says_how_to_connect_one(database_url, sender):
    async with running_stack(database_url=database_url, template_sender=sender) as stack:
        recruiter = Recruiter(stack, stack.workspace.admin_user_id, stack.workspace.public_channel_id)
        await recruiter.command("interview_invite")
        view = await recruiter.form()
        assert "No WhatsApp number is connected" in view_text(view) and "Home" in view_text(view)
        assert view["submit"] is None and sender.submits == []


async def test_more_than_a_hundred_templates_are_searched(modal_world):
    modal_world.templates.add_at_meta(120, prefix="opening")
    from relay.templates.sync import refresh
    await refresh(modal_world.stack.services, modal_world.templates.account_id, force=True)
    recruiter = modal_world.recruiter
    await recruiter.command("opening_117")
    view = await recruiter.form()
    block = template_select_block(view)
    element = select_of(view, block)
    assert element["type"] == "external_select" and element["initial_option"]["value"] == "opening_117|en_US"
    found = await recruiter.suggest(block, "opening_11")
    assert [o["value"] for o in found["options"]] == [f"opening_{i}|en_US" for i in range(110, 120)]
    await recruiter.enter(block, "opening_042|en_US", query="opening_04")
    assert "Hello `{{1}}`, thank you for applying" in preview_text(recruiter.modals()[-1])


async def test_a_conversation_of_the_number_left_behind_is_asked_again(modal_world):
    conversation = await modal_world.candidate_writes()
    second = await modal_world.stack.connect_number(user_id=modal_world.stack.workspace.admin_user_id)
    other = second["numbers"][0]["phone_number_id"]
    recruiter = modal_world.recruiter
    await recruiter.command("hello_world")
    await recruiter.form()
    await recruiter.enter("conversation", str(conversation.id))
    await recruiter.enter("number", other)
    view = recruiter.modals()[-1]
    await recruiter.enter(template_select_block(view), "hello_world|en_US")
    report = await recruiter.submit()
    assert report["view_result"]["errors"] == {"conversation": words.CONVERSATION_GONE}
    assert modal_world.sender.submits == []
