import logging
from types import SimpleNamespace

import pytest

from bot.clients import SlackClients
from relay import activity
from relay.logging import RedactSecrets, configure_logging, show_activity


def test_known_secrets_and_token_shapes_are_masked(caplog):
    logger = logging.getLogger("waslack.test-redaction")
    redact = RedactSecrets(["super-secret-value"])
    logger.addFilter(redact)
    try:
        with caplog.at_level(logging.INFO, logger="waslack.test-redaction"):
            logger.info("token %s and %s and %s", "super-secret-value", "xoxb-123456-abcdef",
                        "EAAGm0PX4ZCpsBAKZCZA12345678")
            try:
                raise ValueError("failed with super-secret-value")
            except ValueError:
                logger.exception("boom")
    finally:
        logger.removeFilter(redact)
    text = caplog.text
    assert "super-secret-value" not in text and "xoxb-123456" not in text and "EAAGm0PX4" not in text
    assert text.count("***") >= 4 and "boom" in text


def test_credential_query_values_are_masked_and_other_parameters_kept():
    redact = RedactSecrets()
    line = redact.scrub('"GET /connect/callback?code=AQB-1_x&state=s.t&error_code=4201&hub.challenge=77 HTTP/1.1"')
    assert line == '"GET /connect/callback?code=***&state=***&error_code=4201&hub.challenge=77 HTTP/1.1"'
    assert redact.scrub("/webhooks/whatsapp?hub.verify_token=guess") == "/webhooks/whatsapp?hub.verify_token=***"
    nested = redact.scrub("dialog?redirect_uri=https%3A%2F%2Fr%2Fconnect%3Ftoken%3Dlink-123")
    assert "link-123" not in nested and nested.endswith("%3Ftoken%3D***")
    assert redact.scrub("the barcode=12 and ?mode=x") == "the barcode=12 and ?mode=x"


@pytest.fixture
def restored_logging():
    """configure_logging replaces the root handlers (pytest's included): put everything back afterwards."""
    root, activity_log = logging.getLogger(), logging.getLogger("waslack.activity")
    saved = (list(root.handlers), root.level, list(activity_log.handlers), activity_log.level, activity_log.propagate,
             activity_log.disabled)
    parent = logging.getLogger("waslack").level
    yield
    logging.getLogger("waslack").setLevel(parent)
    root.handlers[:], root.level = saved[0], saved[1]
    activity_log.handlers[:], activity_log.level, activity_log.propagate = saved[2], saved[3], saved[4]
    activity_log.disabled = saved[5]
    logging.getLogger().manager._clear_cache()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


WEBHOOK = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
    "metadata": {"display_phone_number": "15550100", "phone_number_id": "1"}, "messages": [{"id": "wamid.1"}]}}]}]}


@pytest.mark.parametrize("on", [False, True], ids=["LOG_ACTIVITY=off", "LOG_ACTIVITY=on"])
async def test_activity_lines_and_their_slack_trace_only_when_asked_for(restored_logging, on):
    # what other code may have left behind (CI met a run where the lines stayed off) changes nothing
    logging.getLogger("waslack").setLevel(logging.WARNING)
    logging.getLogger("waslack.activity").disabled = True
    configure_logging("INFO", activity=on)
    lines = Lines()
    logging.getLogger("waslack.activity").addHandler(lines)
    activity.webhook_received(WEBHOOK)
    clients = SlackClients(SimpleNamespace(settings=SimpleNamespace(SLACK_API_URL="https://slack.invalid/api/",
                                                                    SLACK_BOT_TOKEN=None)))
    try:
        traces = clients.session().trace_configs
    finally:
        await clients.aclose()
    assert activity.enabled() is on
    assert lines.lines == (["webhook  messages for 15550100: 1 message"] if on else [])
    assert len(traces) == (1 if on else 0)  # off, no Slack answer is read twice


def test_the_sandbox_shows_activity_whatever_the_setting(restored_logging):
    redact = configure_logging("WARNING", activity=False)
    show_activity(redact)
    assert activity.enabled()
