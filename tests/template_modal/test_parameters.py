"""The inputs each template shape needs, and the Graph components built from the values: checked against Meta's
published send schema (the Meta simulator's vendored OpenAPI) and the simulator's template rules (parameter
counts, names, header formats, button sub types), and against the documented payload shapes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.template_modal.parameters import graph_components, problems, shape_of, value_problem
from sandbox.meta.errors import MetaError
from sandbox.meta.state import Template
from sandbox.meta.strict import check_message_object
from sandbox.meta.templates import check_template_send
from storage.repositories.templates import ApprovedTemplate

INTERVIEW = [
    {"type": "HEADER", "format": "TEXT", "text": "Interview at {{1}}", "example": {"header_text": ["Acme"]}},
    {"type": "BODY", "text": "Hello {{1}}, we'd like to meet you for the {{2}} role.",
     "example": {"body_text": [["Amira", "Supervisor"]]}},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Yes"}]},
]
NAMED = [
    {"type": "HEADER", "format": "TEXT", "text": "Hi {{first_name}}",
     "example": {"header_text_named_params": [{"param_name": "first_name", "example": "Lina"}]}},
    {"type": "BODY", "text": "Hi {{first_name}}, this is {{recruiter_name}}.",
     "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Lina"},
                                            {"param_name": "recruiter_name", "example": "Sam"}]}},
]
FLYER = [
    {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h:ARZ"]}},
    {"type": "BODY", "text": "We are hiring: {{1}}.", "example": {"body_text": [["Night shift"]]}},
    {"type": "BUTTONS", "buttons": [
        {"type": "QUICK_REPLY", "text": "Interested"},
        {"type": "URL", "text": "See the job", "url": "https://jobs.example.com/offers/{{1}}",
         "example": ["https://jobs.example.com/offers/4711"]},
    ]},
]


def approved(components: list[dict], *, parameter_format: str = "POSITIONAL", name: str = "t") -> ApprovedTemplate:
    return ApprovedTemplate(name=name, language="en_US", category="UTILITY", parameter_format=parameter_format,
                            components=tuple(components))


def meta_accepts(template: ApprovedTemplate, components: tuple[dict, ...]) -> None:
    """What the Meta simulator checks of a template send: the schema, then the template's own rules."""
    send = {"name": template.name, "language": {"code": template.language}, "components": list(components)}
    check_message_object("template", send)
    at_meta = Template(id="1", waba_id="w", name=template.name, language=template.language, status="APPROVED",
                       category="UTILITY", parameter_format=template.parameter_format,
                       components=list(template.components))
    check_template_send(SimpleNamespace(waba_templates=lambda _waba: [at_meta]), SimpleNamespace(id="w"), send)


def test_positional_header_and_body_become_text_parameters_in_order():
    template = approved(INTERVIEW)
    shape = shape_of(template)
    assert [(i.key, i.example) for i in shape.inputs] == [
        ("header.1", "Acme"), ("body.1", "Amira"), ("body.2", "Supervisor")]
    components = graph_components(shape, {"header.1": "Acme", "body.1": "Omar", "body.2": "Forklift driver"})
    assert components == (
        {"type": "header", "parameters": [{"type": "text", "text": "Acme"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Omar"}, {"type": "text", "text": "Forklift driver"}]},
    )  # the quick reply button needs nothing
    meta_accepts(template, components)


def test_named_templates_name_each_parameter():
    template = approved(NAMED, parameter_format="NAMED")
    shape = shape_of(template)
    assert [i.key for i in shape.inputs] == ["header.first_name", "body.first_name", "body.recruiter_name"]
    components = graph_components(shape, {"header.first_name": "Lina", "body.first_name": "Lina",
                                          "body.recruiter_name": "Sam"})
    assert components[1] == {"type": "body", "parameters": [
        {"type": "text", "parameter_name": "first_name", "text": "Lina"},
        {"type": "text", "parameter_name": "recruiter_name", "text": "Sam"}]}
    meta_accepts(template, components)


def test_a_media_header_takes_a_link_and_a_url_button_its_dynamic_suffix():
    template = approved(FLYER)
    shape = shape_of(template)
    button = shape.inputs[-1]
    assert (button.key, button.button_index, button.url_prefix, button.example) == (
        "button.1", 1, "https://jobs.example.com/offers/", "4711")
    components = graph_components(shape, {"header.media": "https://cdn.example.com/flyer.jpg",
                                          "body.1": "Drivers", "button.1": "4711"})
    assert components == (
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/flyer.jpg"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Drivers"}]},
        {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "4711"}]},
    )
    meta_accepts(template, components)


@pytest.mark.parametrize("fmt", ["VIDEO", "DOCUMENT"])
def test_video_and_document_headers(fmt):
    template = approved([{"type": "HEADER", "format": fmt}, {"type": "BODY", "text": "See attached."}])
    link = "https://cdn.example.com/files/job.pdf" if fmt == "DOCUMENT" else "https://cdn.example.com/v.mp4"
    components = graph_components(shape_of(template), {"header.media": link})
    kind = fmt.lower()
    expected = {"link": link, **({"filename": "job.pdf"} if fmt == "DOCUMENT" else {})}
    assert components == ({"type": "header", "parameters": [{"type": kind, kind: expected}]},)
    meta_accepts(template, components)


def test_copy_code_buttons_send_a_coupon_code():
    template = approved([{"type": "BODY", "text": "Your code for the assessment:"},
                         {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "250FF"}]}])
    shape = shape_of(template)
    assert [(i.key, i.example) for i in shape.inputs] == [("code.0", "250FF")]
    assert graph_components(shape, {"code.0": "ASSESS25"}) == ({
        "type": "button", "sub_type": "copy_code", "index": "0",
        "parameters": [{"type": "coupon_code", "coupon_code": "ASSESS25"}]},)  # Meta's documented shape
    meta_accepts(template, graph_components(shape, {"code.0": "ASSESS25"}))


def test_an_authentication_template_repeats_the_code_on_its_otp_button():
    template = approved([{"type": "BODY", "text": "*{{1}}* is your verification code."},
                         {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE",
                                                          "text": "Copy code"}]}])
    components = graph_components(shape_of(template), {"body.1": "123456"})
    assert components == (
        {"type": "body", "parameters": [{"type": "text", "text": "123456"}]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "123456"}]},
    )


def test_a_template_without_variables_sends_no_components():
    template = approved([{"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                         {"type": "BODY", "text": "Welcome!"}])
    assert shape_of(template).inputs == ()
    assert graph_components(shape_of(template), {}) == ()
    meta_accepts(template, ())


def test_a_missing_parameter_is_what_meta_would_refuse():
    template = approved(INTERVIEW)
    components = graph_components(shape_of(template), {"header.1": "Acme", "body.1": "Omar"})
    with pytest.raises(MetaError):
        meta_accepts(template, components)  # the honest check can fail: an empty text parameter
    assert problems(shape_of(template), {"header.1": "Acme", "body.1": "Omar"}) == {"body.2": "missing"}


@pytest.mark.parametrize(("value", "problem"), [
    ("Omar", None), ("two  three    four", None), ("line\nbreak", "whitespace"), ("tab\there", "whitespace"),
    ("five     spaces", "whitespace"), ("   ", "missing"), ("x" * 1025, "too_long"),
])
def test_text_parameters_meta_refuses(value, problem):
    body = shape_of(approved(INTERVIEW)).inputs[1]
    assert value_problem(body, value) == problem


@pytest.mark.parametrize(("link", "problem"), [
    ("https://cdn.example.com/a.jpg", None), ("http://cdn.example.com/a.jpg", "not_https"),
    ("cdn.example.com/a.jpg", "not_https"), ("https://", "not_https"),
])
def test_media_links_must_be_https(link, problem):
    media = shape_of(approved(FLYER)).inputs[0]
    assert value_problem(media, link) == problem


def test_header_text_and_codes_have_meta_s_length_limits():
    header = shape_of(approved(INTERVIEW)).inputs[0]
    assert value_problem(header, "x" * 61) == "header_too_long"
    code = shape_of(approved([{"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "A"}]}])).inputs[0]
    assert value_problem(code, "X" * 16) == "code_too_long"


def test_a_location_header_is_named_as_unsupported():
    shape = shape_of(approved([{"type": "HEADER", "format": "LOCATION"}, {"type": "BODY", "text": "Come by."}]))
    assert shape.unsupported == "location" and shape.inputs == ()


def test_meta_refuses_a_coupon_code_over_fifteen_characters():
    template = approved([{"type": "BODY", "text": "Your code for the assessment:"},
                         {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "250FF"}]}])
    with pytest.raises(MetaError):
        meta_accepts(template, graph_components(shape_of(template), {"code.0": "X" * 16}))
