"""Submitting the modal: what Meta would refuse comes back inline (Slack's response_action errors, on the input
that is wrong) within Slack's three seconds and nothing is handed over; what is right becomes one request to the
template sender, and the modal turns into the confirmation. A second submission of the same modal carries the
same idempotency key, so the sender records it once and the modal says it was sent already."""

from __future__ import annotations

from bot import template_modal_wording as words
from bot.template_modal.senders import NotWiredSender
from sandbox.stack import running_stack
from tests.bot.conftest import view_text
from tests.template_modal.conftest import CANDIDATE, connected_world, template_select_block


async def pick_interview(recruiter, first: str = "Amira", second: str = "Forklift driver") -> dict:  # type: ignore[no-untyped-def]
    await recruiter.command("interview_invite")
    await recruiter.form()
    if first:
        await recruiter.enter("param.body.1", first, trigger="on_character_entered")
    if second:
        await recruiter.enter("param.body.2", second, trigger="on_character_entered")
    return recruiter.modals()[-1]


def errors_of(report: dict) -> dict:
    result = report["view_result"]
    assert result["action"] == "errors" and result["ok"], result
    return dict(result["errors"])


async def test_an_existing_conversation_gets_the_template(modal_world):
    conversation = await modal_world.candidate_writes()
    recruiter = modal_world.recruiter
    view = await pick_interview(recruiter)
    suggested = await recruiter.suggest("conversation", "amira")
    assert [o["value"] for o in suggested["options"]] == [str(conversation.id)]
    assert suggested["options"][0]["text"]["text"] == "Amira Haddad · +44 7700 900123"
    assert (await recruiter.suggest("conversation", "7700 900"))["options"] == suggested["options"]
    assert (await recruiter.suggest("conversation", "nobody"))["options"] == []
    await recruiter.enter("conversation", str(conversation.id), query="amira")
    report = await recruiter.submit()
    assert report["view_result"]["action"] == "update" and report["in_time"]
    [request] = modal_world.sender.submits
    assert (request.team_id, request.slack_user_id, request.phone_number_id) == (
        modal_world.stack.workspace.team_id, recruiter.user_id, modal_world.phone_number_id)
    assert (request.template_name, request.language, request.category, request.parameter_format) == (
        "interview_invite", "en_US", "UTILITY", "POSITIONAL")
    assert request.components == ({"type": "body", "parameters": [
        {"type": "text", "text": "Amira"}, {"type": "text", "text": "Forklift driver"}]},)
    assert request.preview_text.startswith("Hello Amira, thank you for applying")
    assert [r.conversation_id for r in request.recipients] == [conversation.id]
    assert request.idempotency_key == f"view:{view['id']}"
    assert len(modal_world.sender.preflights) == 1  # a single recipient is checked first
    shown = view_text(recruiter.modals()[-1])
    assert "Sending *interview_invite* to 1 recipient" in shown and "thread" in shown


async def test_a_new_number_in_e164_form(modal_world):
    recruiter = modal_world.recruiter
    await pick_interview(recruiter)
    await recruiter.enter("recipient_mode", "new_number")
    await recruiter.enter("new_number", "07700 900123")
    assert errors_of(await recruiter.submit()) == {"new_number": words.NUMBER_PROBLEMS["national"]}
    await recruiter.enter("new_number", "+44 7700 9OO123")
    assert errors_of(await recruiter.submit()) == {"new_number": words.NUMBER_PROBLEMS["characters"]}
    assert modal_world.sender.submits == []
    await recruiter.enter("new_number", "+49 151 1234-5678")
    report = await recruiter.submit()
    assert report["view_result"]["action"] == "update"
    assert [r.wa_id for r in modal_world.sender.submits[0].recipients] == ["4915112345678"]


async def test_missing_and_malformed_parameters_are_shown_on_their_inputs(modal_world):
    await modal_world.candidate_writes()
    conversation = await modal_world.conversation()
    recruiter = modal_world.recruiter
    await pick_interview(recruiter, first="", second="Forklift     driver")
    await recruiter.enter("conversation", str(conversation.id))
    assert errors_of(await recruiter.submit()) == {"param.body.1": words.PARAMETER_PROBLEMS["missing"],
                                                    "param.body.2": words.PARAMETER_PROBLEMS["whitespace"]}
    await recruiter.enter("param.body.1", "Amira\tHaddad", trigger="on_character_entered")
    await recruiter.enter("param.body.2", "Line one\nline two", trigger="on_character_entered")
    errors = errors_of(await recruiter.submit())
    assert errors == {"param.body.1": words.PARAMETER_PROBLEMS["whitespace"],
                      "param.body.2": words.PARAMETER_PROBLEMS["whitespace"]}
    assert "line breaks, tabs and more than four spaces" in errors["param.body.1"]
    assert modal_world.sender.submits == [] and modal_world.sender.preflights == []


async def test_a_header_media_link_must_be_https(modal_world):
    recruiter = modal_world.recruiter
    await recruiter.command("job_flyer")
    await recruiter.form()
    await recruiter.enter("recipient_mode", "new_number")
    await recruiter.enter("new_number", "+447700900123")
    await recruiter.enter("param.header.media", "http://cdn.example.com/flyer.jpg", trigger="on_character_entered")
    await recruiter.enter("param.body.1", "Night shift", trigger="on_character_entered")
    await recruiter.enter("param.button.0", "4711", trigger="on_character_entered")
    assert errors_of(await recruiter.submit()) == {"param.header.media": words.PARAMETER_PROBLEMS["not_https"]}
    await recruiter.enter("param.header.media", "https://cdn.example.com/flyer.jpg", trigger="on_character_entered")
    await recruiter.submit()
    [request] = modal_world.sender.submits
    assert request.components == (
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/flyer.jpg"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Night shift"}]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "4711"}]})
    assert request.category == "MARKETING"


async def test_nothing_picked_is_said_where_it_is_missing(modal_world):
    recruiter = modal_world.recruiter
    await recruiter.command()
    view = await recruiter.form()
    assert errors_of(await recruiter.submit()) == {template_select_block(view): words.PICK_TEMPLATE,
                                                    "conversation": words.PICK_CONVERSATION}


async def test_a_pasted_list_is_one_bulk_request(modal_world):
    recruiter = modal_world.recruiter
    await pick_interview(recruiter)
    await recruiter.enter("recipient_mode", "bulk")
    await recruiter.enter("bulk", "")
    assert errors_of(await recruiter.submit()) == {"bulk": words.BULK_EMPTY}
    await recruiter.enter("bulk", "+447700900123\n0151 1234567\n+4915112345678")
    assert "line 2: “0151 1234567”" in errors_of(await recruiter.submit())["bulk"]
    await recruiter.enter("bulk", "+447700900123\n+4915112345678; +33 6 12 34 56 78\n+447700900123")
    report = await recruiter.submit()
    assert report["view_result"]["action"] == "update"
    [request] = modal_world.sender.submits
    assert [r.wa_id for r in request.recipients] == ["447700900123", "4915112345678", "33612345678"]
    assert all(r.components is None for r in request.recipients)
    assert modal_world.sender.preflights == []  # refusals of a bulk send come in its summary
    shown = view_text(recruiter.modals()[-1])
    assert "to 3 recipients" in shown and "summary" in shown


async def test_a_csv_gives_each_recipient_its_own_values(modal_world):
    recruiter = modal_world.recruiter
    await pick_interview(recruiter, first="", second="Forklift driver")
    await recruiter.enter("recipient_mode", "bulk")
    await recruiter.enter("bulk", "phone,1\n+447700900123,Amira\n+4915112345678,\n")
    assert "Line 3, column body.1" in errors_of(await recruiter.submit())["bulk"]
    await recruiter.enter("bulk", "phone,1\n+447700900123,Amira\n+4915112345678,Jonas\n")
    await recruiter.submit()
    [request] = modal_world.sender.submits
    first, second = request.recipients
    assert first.wa_id == "447700900123" and first.components == ({"type": "body", "parameters": [
        {"type": "text", "text": "Amira"}, {"type": "text", "text": "Forklift driver"}]},)
    assert second.components[0]["parameters"][0] == {"type": "text", "text": "Jonas"}
    assert second.preview_text.startswith("Hello Jonas, thank you")


async def test_a_marketing_opt_out_is_refused_inline(modal_world):
    conversation = await modal_world.candidate_writes()
    modal_world.sender.refuse[conversation.id] = "opted out of marketing messages on 3 Nov"
    recruiter = modal_world.recruiter
    await recruiter.command("job_opportunity")
    await recruiter.form()
    await recruiter.enter("param.body.1", "Karim", trigger="on_character_entered")
    await recruiter.enter("param.body.2", "cariste", trigger="on_character_entered")
    await recruiter.enter("conversation", str(conversation.id))
    errors = errors_of(await recruiter.submit())
    assert errors == {"conversation": "Can't send to this candidate: opted out of marketing messages on 3 Nov"}
    assert modal_world.sender.preflights[0].category == "MARKETING" and modal_world.sender.submits == []


async def test_a_second_submission_of_the_same_modal_is_not_sent_twice(modal_world):
    recruiter = modal_world.recruiter
    view = await pick_interview(recruiter)
    await recruiter.enter("recipient_mode", "new_number")
    await recruiter.enter("new_number", f"+{CANDIDATE}")
    submitted = recruiter.modals()[-1]
    await recruiter.submit()
    # Slack delivers the same submission again (a double click, a retry by the client)
    again = {"type": "view_submission", "user": {"id": recruiter.user_id},
             "view": {"id": view["id"], "callback_id": "template_modal", "state": submitted["state"],
                      "private_metadata": submitted["private_metadata"]}}
    report = await modal_world.stack.slack_event(kind="interactivity", payload=again)
    assert report["status"] == 200 and report["view_result"]["action"] == "update"
    first, second = modal_world.sender.submits
    assert first.idempotency_key == second.idempotency_key == f"view:{view['id']}"
    assert first == second
    assert "submitted already" in view_text(recruiter.modals()[-1])


async def test_a_sender_that_cannot_record_says_so_inline(database_url):
    async with running_stack(database_url=database_url, template_sender=NotWiredSender()) as stack:
        recruiter = (await connected_world(stack, None)).recruiter
        await recruiter.command("hello_world")
        view = await recruiter.modal("hello_world · en_US")
        await recruiter.enter("recipient_mode", "new_number")
        await recruiter.enter("new_number", f"+{CANDIDATE}")
        errors = errors_of(await recruiter.submit())
        assert errors == {template_select_block(view): words.sender_failed(NotWiredSender.reason)}
        assert "not set up in this deployment" in errors[template_select_block(view)]


async def test_a_long_list_comes_as_an_attached_csv(modal_world):
    recruiter = modal_world.recruiter
    await pick_interview(recruiter, first="", second="Forklift driver")
    await recruiter.enter("recipient_mode", "bulk")
    rows = "\n".join(f"+4915112{i:06d},Candidate {i}" for i in range(2000))
    attached = await modal_world.stack.http.post(
        f"{modal_world.stack.slack_sim_url}/_sim/slack/human_files",
        json={"name": "candidates.csv", "content": f"phone,1\n{rows}\n", "mimetype": "text/csv",
              "user_id": recruiter.user_id})
    assert attached.status_code == 201, attached.text
    await recruiter.enter("bulk_file", [attached.json()["file"]["id"]])
    report = await recruiter.submit()
    assert report["view_result"]["action"] == "update" and report["in_time"], report
    [request] = modal_world.sender.submits
    assert len(request.recipients) == 2000  # answered within Slack's three seconds
    print(f"\nattached CSV of 2,000 rows answered in {report['elapsed_ms']} ms")
    assert request.recipients[7].wa_id == "4915112000007"
    assert request.recipients[7].components[0]["parameters"][0] == {"type": "text", "text": "Candidate 7"}
    assert "2,000 recipients" in view_text(recruiter.modals()[-1])


async def test_more_than_five_thousand_numbers_are_refused(modal_world):
    recruiter = modal_world.recruiter
    await pick_interview(recruiter)
    await recruiter.enter("recipient_mode", "bulk")
    numbers = "\n".join(f"+4915112{i:06d}" for i in range(5001))
    attached = await modal_world.stack.http.post(
        f"{modal_world.stack.slack_sim_url}/_sim/slack/human_files",
        json={"name": "all.txt", "content": numbers, "mimetype": "text/plain", "user_id": recruiter.user_id})
    await recruiter.enter("bulk_file", [attached.json()["file"]["id"]])
    assert errors_of(await recruiter.submit()) == {"bulk": words.bulk_too_many(5000)}
    assert modal_world.sender.submits == []
