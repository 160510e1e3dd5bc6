"""Recipients typed or pasted into the modal: one number in E.164 form, or a list (one per line, or separated by
commas or semicolons), or a CSV whose header row names the template's variables, giving each recipient its
own values.

A number is checked the cheap way (a known country code, 8 to 15 digits in all), so that a list of 5,000 is
read well within Slack's three seconds; Meta's answer settles the rest. It is kept as WhatsApp's ``wa_id``:
digits only, country code first ("+49 151 1234-5678" -> "4915112345678"). A number must carry its country
code ("+", "00" or the bare international digits); a national number ("0151 ...") is refused rather than
guessed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import phonenumbers

from bot.template_modal.parameters import TemplateInput

MAX_BULK_RECIPIENTS = 5000
MIN_NATIONAL_DIGITS = 6  # the shortest mobile numbers after the country code (E.164 allows 15 digits in all)
PHONE_COLUMNS = ("phone", "phone_number", "number", "mobile", "whatsapp", "wa_id", "to", "recipient", "tel",
                 "telephone")
_PUNCTUATION = re.compile(r"[\s\-().\u00a0/]")
_DIGITS = re.compile(r"\d{8,15}")


class NotANumber(ValueError):
    """Not a number in international form; ``reason`` is a key of wording.NUMBER_PROBLEMS."""

    def __init__(self, text: str, reason: str):
        super().__init__(f"{text!r}: {reason}")
        self.text, self.reason = text, reason


def parse_number(text: str) -> str:
    """The ``wa_id`` (digits, country code first) of a number typed in international form."""
    raw = text.strip()
    compact = _PUNCTUATION.sub("", raw)
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    elif compact.startswith("0"):
        raise NotANumber(raw, "national")
    else:
        digits = compact
    if not digits:
        raise NotANumber(raw, "empty")
    if not digits.isdigit():
        raise NotANumber(raw, "characters")
    if not _DIGITS.fullmatch(digits):
        raise NotANumber(raw, "length")
    code = next((n for n in (1, 2, 3) if int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE), None)
    if code is None:
        raise NotANumber(raw, "country")
    if len(digits) - code < MIN_NATIONAL_DIGITS:
        raise NotANumber(raw, "length")
    return digits


@dataclass(frozen=True)
class PastedRecipient:
    wa_id: str
    values: dict[str, str] = field(default_factory=dict)  # input key -> this recipient's value (CSV columns)
    line: int = 0


@dataclass
class PastedList:
    recipients: list[PastedRecipient] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, what was there, reason)
    duplicates: int = 0
    columns: list[str] = field(default_factory=list)  # the input keys a header row filled


def _normal(name: str) -> str:
    return name.strip().strip("{}").strip().lower().replace(" ", "_")


def _looks_like_header(cells: Sequence[str], inputs: Sequence[TemplateInput]) -> bool:
    known = {_normal(n) for i in inputs for n in i.column_names} | set(PHONE_COLUMNS)
    return any(_normal(c) in known for c in cells if c.strip())


def _delimiter(line: str) -> str:
    return ";" if line.count(";") > line.count(",") else ","


def _split_plain(text: str) -> list[tuple[int, str]]:
    cells = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells += [(number, c) for c in re.split(r"[,;\t]", line) if c.strip()]
    return cells


def parse_pasted(text: str, inputs: Sequence[TemplateInput] = (), limit: int = MAX_BULK_RECIPIENTS) -> PastedList:
    """Numbers from a paste. A first line naming columns (``phone``, the template's variables) makes it a CSV:
    each row's number and its own values. Repeated numbers are sent once. Stops reading past ``limit`` + 1
    recipients (the caller refuses the list)."""
    out = PastedList()
    first = next((line for line in text.splitlines() if line.strip()), "")
    seen: set[str] = set()
    delimiter = _delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter), []) if first else []
    if header and _looks_like_header(header, inputs):
        _parse_csv(text, delimiter, inputs, out, seen, limit)
        return out
    for line, cell in _split_plain(text):
        if len(out.recipients) > limit:
            break
        _add(out, seen, line, cell)
    return out


def _add(out: PastedList, seen: set[str], line: int, cell: str,
         values: dict[str, str] | None = None) -> None:
    """One pasted number: a recipient (with its row's values), a problem named by its line, or a duplicate."""
    try:
        wa_id = parse_number(cell)
    except NotANumber as exc:
        out.problems.append((line, cell.strip(), exc.reason))
        return
    if wa_id in seen:
        out.duplicates += 1
        return
    seen.add(wa_id)
    out.recipients.append(PastedRecipient(wa_id, values or {}, line))


def _parse_csv(text: str, delimiter: str, inputs: Sequence[TemplateInput], out: PastedList, seen: set[str],
               limit: int) -> None:
    rows = csv.reader(io.StringIO(text.strip()), delimiter=delimiter)
    header = [_normal(c) for c in next(rows)]
    phone_at = next((i for i, c in enumerate(header) if c in PHONE_COLUMNS), 0)
    by_column = {_normal(n): item.key for item in inputs for n in item.column_names}
    columns = {i: by_column[c] for i, c in enumerate(header) if c in by_column and i != phone_at}
    out.columns = list(columns.values())
    for line, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(out.recipients) > limit:
            break
        cell = row[phone_at] if phone_at < len(row) else ""
        _add(out, seen, line, cell, {key: row[i].strip() for i, key in columns.items()
                                     if i < len(row) and row[i].strip()})
