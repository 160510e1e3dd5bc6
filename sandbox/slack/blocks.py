"""Block Kit validation for messages and views: known types, required fields, documented length limits.

Errors read like Slack's: ``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

from typing import Any


def words(text: str) -> set[str]:
    return set(text.split())


# block type -> (allowed keys, required keys); docs.slack.dev/reference/block-kit/blocks
BLOCKS: dict[str, tuple[set[str], set[str]]] = {
    "section": ({"text", "fields", "accessory", "expand"}, set()),
    "divider": (set(), set()),
    "image": ({"image_url", "slack_file", "alt_text", "title"}, {"alt_text"}),
    "actions": ({"elements"}, {"elements"}),
    "context": ({"elements"}, {"elements"}),
    "context_actions": ({"elements"}, {"elements"}),
    "input": ({"label", "element", "dispatch_action", "hint", "optional"}, {"label", "element"}),
    "header": ({"text"}, {"text"}),
    "file": ({"external_id", "source"}, {"external_id", "source"}),
    "video": (
        words("alt_text author_name description provider_icon_url provider_name title title_url")
        | words("thumbnail_url video_url"),
        words("alt_text title thumbnail_url video_url"),
    ),
    "rich_text": ({"elements"}, {"elements"}),
    "markdown": ({"text"}, {"text"}),
    "table": ({"rows", "column_settings"}, {"rows"}),
}

_SELECT_KEYS = words(
    "placeholder initial_option initial_options initial_user initial_users initial_conversation "
    "initial_conversations initial_channel initial_channels options option_groups min_query_length "
    "max_selected_items filter default_to_current_conversation response_url_enabled confirm focus_on_load"
)
_INPUT_KEYS = words(
    "placeholder initial_value multiline min_length max_length dispatch_action_config focus_on_load "
    "is_decimal_allowed min_value max_value"
)
SELECTS = {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
# element type -> allowed keys besides type/action_id
ELEMENTS: dict[str, set[str]] = {
    "button": {"text", "url", "value", "style", "confirm", "accessibility_label"},
    "workflow_button": {"text", "workflow", "style", "accessibility_label"},
    "overflow": {"options", "confirm"},
    "checkboxes": {"options", "initial_options", "confirm", "focus_on_load"},
    "radio_buttons": {"options", "initial_option", "confirm", "focus_on_load"},
    "datepicker": {"initial_date", "confirm", "focus_on_load", "placeholder"},
    "timepicker": {"initial_time", "confirm", "focus_on_load", "placeholder", "timezone"},
    "datetimepicker": {"initial_date_time", "confirm", "focus_on_load"},
    "plain_text_input": _INPUT_KEYS,
    "email_text_input": _INPUT_KEYS,
    "url_text_input": _INPUT_KEYS,
    "number_input": _INPUT_KEYS,
    "rich_text_input": _INPUT_KEYS,
    "file_input": {"filetypes", "max_files"},
    "image": {"image_url", "slack_file", "alt_text"},
    **{name: _SELECT_KEYS for name in SELECTS},
    **{f"multi_{name}": _SELECT_KEYS for name in SELECTS},
}
INTERACTIVE = {
    "button",
    "workflow_button",
    "overflow",
    "checkboxes",
    "radio_buttons",
    "datepicker",
    "timepicker",
    "datetimepicker",
    *SELECTS,
    *(f"multi_{s}" for s in SELECTS),
}
INPUT_ELEMENTS = {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "checkboxes",
    "radio_buttons",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "file_input",
    *SELECTS,
    *(f"multi_{s}" for s in SELECTS),
}
ACCESSORIES = (INTERACTIVE - {"datetimepicker"}) | {"image"}


class BlockChecker:
    """Collects every problem in one message's or view's blocks (ids are unique across the whole surface)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._block_ids: set[str] = set()
        self._action_ids: set[str] = set()

    def error(self, pointer: str, problem: str) -> None:
        self.errors.append(f"[ERROR] {problem} [json-pointer:{pointer}]")

    def check_blocks(self, blocks: Any, pointer: str, max_blocks: int) -> None:
        if not isinstance(blocks, list):
            self.error(pointer, "must provide an array")
            return
        if len(blocks) > max_blocks:
            self.error(pointer, f"no more than {max_blocks} items allowed")
        for index, block in enumerate(blocks):
            self.check_block(block, f"{pointer}/{index}")

    def check_block(self, block: Any, at: str) -> None:
        if not isinstance(block, dict):
            self.error(at, "must provide an object")
            return
        kind = block.get("type")
        if kind not in BLOCKS:
            self.error(f"{at}/type", f"unsupported type: {kind!r}")
            return
        allowed, required = BLOCKS[kind]
        self.unknown_keys(block, allowed | {"type", "block_id"}, at)
        for key in sorted(required - block.keys()):
            self.error(f"{at}/{key}", "missing required field")
        if "block_id" in block:
            self._unique_id(block["block_id"], self._block_ids, f"{at}/block_id", "block_id")
        getattr(self, f"_block_{kind}", lambda b, a: None)(block, at)

    # ---- blocks ------------------------------------------------------------------------------

    def _block_section(self, block: dict, at: str) -> None:
        if "text" not in block and "fields" not in block:
            self.error(at, "must provide either text or fields")
        if "text" in block:
            self.text(block["text"], f"{at}/text", max_length=3000)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                self.error(f"{at}/fields", "must provide an array of 1 to 10 text objects")
            else:
                for i, item in enumerate(fields):
                    self.text(item, f"{at}/fields/{i}", max_length=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{at}/accessory", ACCESSORIES)

    def _block_header(self, block: dict, at: str) -> None:
        self.text(block.get("text"), f"{at}/text", max_length=150, plain_only=True)

    def _block_image(self, block: dict, at: str) -> None:
        if "image_url" not in block and "slack_file" not in block:
            self.error(at, "must provide either image_url or slack_file")
        self.length(block.get("image_url"), 3000, f"{at}/image_url")
        self.length(block.get("alt_text"), 2000, f"{at}/alt_text")
        if "title" in block:
            self.text(block["title"], f"{at}/title", max_length=2000, plain_only=True)

    def _block_actions(self, block: dict, at: str) -> None:
        self._elements(block.get("elements"), f"{at}/elements", 25, INTERACTIVE)

    def _block_context(self, block: dict, at: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            self.error(f"{at}/elements", "must provide an array of 1 to 10 items")
            return
        for i, item in enumerate(elements):
            if isinstance(item, dict) and item.get("type") == "image":
                self.element(item, f"{at}/elements/{i}", {"image"})
            else:
                self.text(item, f"{at}/elements/{i}", max_length=3000)

    def _block_input(self, block: dict, at: str) -> None:
        self.text(block.get("label"), f"{at}/label", max_length=2000, plain_only=True)
        if "hint" in block:
            self.text(block["hint"], f"{at}/hint", max_length=2000, plain_only=True)
        if "element" in block:
            self.element(block["element"], f"{at}/element", INPUT_ELEMENTS)

    def _block_markdown(self, block: dict, at: str) -> None:
        self.length(block.get("text"), 12000, f"{at}/text", minimum=1)

    # ---- elements ----------------------------------------------------------------------------

    def _elements(self, elements: Any, at: str, maximum: int, allowed: set[str]) -> None:
        if not isinstance(elements, list) or not 1 <= len(elements) <= maximum:
            self.error(at, f"must provide an array of 1 to {maximum} items")
            return
        for i, item in enumerate(elements):
            self.element(item, f"{at}/{i}", allowed)

    def element(self, element: Any, at: str, allowed: set[str]) -> None:
        if not isinstance(element, dict):
            self.error(at, "must provide an object")
            return
        kind = element.get("type")
        if kind not in ELEMENTS or kind not in allowed:
            self.error(f"{at}/type", f"unsupported type: {kind!r}")
            return
        self.unknown_keys(element, ELEMENTS[kind] | {"type", "action_id"}, at)
        if "action_id" in element:
            self._unique_id(element["action_id"], self._action_ids, f"{at}/action_id", "action_id")
        if kind == "button":
            self.text(element.get("text"), f"{at}/text", max_length=75, plain_only=True)
            self.length(element.get("url"), 3000, f"{at}/url")
            self.length(element.get("value"), 2000, f"{at}/value")
            if element.get("style") not in (None, "primary", "danger"):
                self.error(f"{at}/style", "must be one of primary, danger")
        elif kind == "image":
            if "alt_text" not in element:
                self.error(f"{at}/alt_text", "missing required field")
        if "placeholder" in element:
            self.text(element["placeholder"], f"{at}/placeholder", max_length=150, plain_only=True)
        if kind in {"static_select", "multi_static_select"}:
            if "options" not in element and "option_groups" not in element:
                self.error(at, "must provide either options or option_groups")
            self._options(element.get("options"), f"{at}/options", 100)
        elif kind == "overflow":
            self._options(element.get("options"), f"{at}/options", 5, required=True)
        elif kind in {"checkboxes", "radio_buttons"}:
            self._options(element.get("options"), f"{at}/options", 10, required=True, mrkdwn=True)

    def _options(
        self, options: Any, at: str, maximum: int, *, required: bool = False, mrkdwn: bool = False
    ) -> None:
        if options is None and not required:
            return
        if not isinstance(options, list) or not 1 <= len(options) <= maximum:
            self.error(at, f"must provide an array of 1 to {maximum} options")
            return
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                self.error(f"{at}/{i}", "must provide an object")
                continue
            self.text(option.get("text"), f"{at}/{i}/text", max_length=75, plain_only=not mrkdwn)
            self.length(option.get("value"), 150, f"{at}/{i}/value", minimum=1)

    # ---- composition objects -----------------------------------------------------------------

    def text(self, obj: Any, at: str, *, max_length: int, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.error(at, "must provide an object")
            return
        kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.error(f"{at}/type", f"must be one of {', '.join(kinds)}")
        self.unknown_keys(obj, {"type", "text", "emoji", "verbatim"}, at)
        if "text" not in obj:
            self.error(f"{at}/text", "missing required field")
        else:
            self.length(obj["text"], max_length, f"{at}/text", minimum=1)

    def length(self, value: Any, maximum: int, at: str, minimum: int = 0) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.error(at, "must be a string")
        elif len(value) > maximum:
            self.error(at, f"must be less than {maximum + 1} characters")
        elif len(value) < minimum:
            self.error(at, f"must be more than {minimum - 1} characters")

    def _unique_id(self, value: Any, seen: set[str], at: str, what: str) -> None:
        self.length(value, 255, at, minimum=1)
        if isinstance(value, str):
            if value in seen:
                self.error(at, f"{what} must be unique: {value!r} is already used")
            seen.add(value)

    def unknown_keys(self, obj: dict, allowed: set[str], at: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.error(f"{at}/{key}", "unsupported property")


def block_errors(blocks: Any, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Every problem in a blocks array (empty when valid)."""
    checker = BlockChecker()
    checker.check_blocks(blocks, pointer, max_blocks)
    return checker.errors


# The fields a view argument may carry (docs.slack.dev/reference/views). Slack rejects the extra ones a view
# object in a payload has (id, hash, state, ...): passing ``body["view"]`` back is a classic bug.
VIEW_KEYS = set(
    "type blocks title submit close private_metadata callback_id clear_on_close notify_on_close external_id "
    "submit_disabled".split()
)


def view_errors(view: dict[str, Any]) -> list[str]:
    """Every problem in a modal or Home tab view (docs.slack.dev/reference/views/modal-views)."""
    checker = BlockChecker()
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.error("/view/type", "must be one of modal, home")
    checker.check_blocks(view.get("blocks"), "/view/blocks", 100)
    for key, limit in (("title", 24), ("submit", 24), ("close", 24)):
        if key in view and view[key] is not None:
            checker.text(view[key], f"/view/{key}", max_length=limit, plain_only=True)
    if kind == "modal":
        if "title" not in view:
            checker.error("/view/title", "missing required field")
        raw_blocks = view.get("blocks")
        blocks = raw_blocks if isinstance(raw_blocks, list) else []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            checker.error("/view/submit", "must provide submit when the view has input blocks")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.length(view.get("callback_id"), 255, "/view/callback_id")
    checker.length(view.get("external_id"), 255, "/view/external_id")
    checker.unknown_keys(view, VIEW_KEYS, "/view")
    return checker.errors
