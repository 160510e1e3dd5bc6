"""Numbers as recruiters type and paste them: E.164 with or without punctuation, lists one per line or separated
by commas and semicolons, and CSVs whose header row names the template's variables."""

from __future__ import annotations

import pytest

from bot.template_modal.parameters import shape_of
from bot.template_modal.recipients import NotANumber, parse_number, parse_pasted
from storage.repositories.templates import ApprovedTemplate

INVITE = ApprovedTemplate(name="interview_invite", language="en_US", category="UTILITY",
                          parameter_format="POSITIONAL", components=({"type": "BODY", "text": "Hello {{1}}, {{2}}"},))
NAMED = ApprovedTemplate(name="follow_up", language="en_US", category="UTILITY", parameter_format="NAMED",
                         components=({"type": "BODY", "text": "Hi {{first_name}}, {{recruiter_name}} here"},))


@pytest.mark.parametrize(("typed", "wa_id"), [
    ("+4915112345678", "4915112345678"),
    ("+49 151 1234-5678", "4915112345678"),
    ("+1 (555) 102-3091", "15551023091"),
    ("0044 7700 900123", "447700900123"),
    ("447700900123", "447700900123"),
    (" +33 6 12 34 56 78 ", "33612345678"),
])
def test_international_numbers_become_wa_ids(typed, wa_id):
    assert parse_number(typed) == wa_id


@pytest.mark.parametrize(("typed", "reason"), [
    ("07700 900123", "national"),
    ("", "empty"),
    ("+44 7700 9OO123", "characters"),
    ("+44 77", "length"),
    ("+4477009001234567", "length"),
    ("call me", "characters"),
])
def test_what_is_not_a_number_says_why(typed, reason):
    with pytest.raises(NotANumber) as refused:
        parse_number(typed)
    assert refused.value.reason == reason


def test_a_list_one_per_line_or_separated_by_commas_and_semicolons():
    pasted = parse_pasted("+447700900123\n+4915112345678, +33612345678; +15551023091\n\n+447700900123")
    assert [r.wa_id for r in pasted.recipients] == ["447700900123", "4915112345678", "33612345678", "15551023091"]
    assert pasted.duplicates == 1 and pasted.problems == [] and pasted.columns == []


def test_bad_lines_are_named_with_their_line_number():
    pasted = parse_pasted("+447700900123\n07700 900124\n+4915112345678")
    assert [r.wa_id for r in pasted.recipients] == ["447700900123", "4915112345678"]
    assert pasted.problems == [(2, "07700 900124", "national")]


def test_a_csv_header_names_the_variables_each_row_fills():
    text = "phone,1,2\n+447700900123,Amira,Supervisor\n+4915112345678,Jonas,Driver\n"
    pasted = parse_pasted(text, shape_of(INVITE).inputs)
    assert pasted.columns == ["body.1", "body.2"]
    assert [(r.wa_id, r.values, r.line) for r in pasted.recipients] == [
        ("447700900123", {"body.1": "Amira", "body.2": "Supervisor"}, 2),
        ("4915112345678", {"body.1": "Jonas", "body.2": "Driver"}, 3)]


def test_a_semicolon_csv_with_named_variables_quotes_and_any_column_order():
    text = 'First_Name;Mobile;{{recruiter_name}}\n"Lina; Jr";+33 6 12 34 56 78;Sam\nOmar;+447700900123;\n'
    pasted = parse_pasted(text, shape_of(NAMED).inputs)
    assert pasted.columns == ["body.first_name", "body.recruiter_name"]
    assert [(r.wa_id, r.values) for r in pasted.recipients] == [
        ("33612345678", {"body.first_name": "Lina; Jr", "body.recruiter_name": "Sam"}),
        ("447700900123", {"body.first_name": "Omar"})]  # an empty cell: the modal's value applies


def test_a_csv_row_without_a_number_is_a_problem_on_its_line():
    pasted = parse_pasted("phone,1\n+447700900123,Amira\nnot a number,Jonas\n", shape_of(INVITE).inputs)
    assert len(pasted.recipients) == 1
    assert pasted.problems == [(3, "not a number", "characters")]


def test_reading_stops_past_the_cap():
    text = "\n".join(f"+4915112{i:06d}" for i in range(30))
    pasted = parse_pasted(text, limit=10)
    assert len(pasted.recipients) == 11  # one past the cap: the modal refuses the list
