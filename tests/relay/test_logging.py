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
