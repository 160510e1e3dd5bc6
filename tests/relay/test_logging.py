import logging

from relay.logging import RedactSecrets


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
