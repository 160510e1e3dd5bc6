"""X-Hub-Signature-256: HMAC-SHA256 of the raw body with the app secret, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
from unittest import mock

import pytest

from whatsapp import signature
from whatsapp.signature import sign, verify_signature

SECRET = "app-secret-5f0e0c1d9a"
# Meta signs the bytes it sends: escaped unicode, exactly as received (reference 3.2).
BODY = (b'{"object":"whatsapp_business_account","entry":[{"id":"419561257915477","changes":[{"value":'
        b'{"messages":[{"type":"text","text":{"body":"caf\\u00e9"}}]},"field":"messages"}]}]}')


def expected_header(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_sign_produces_metas_header_value():
    header = sign(BODY, SECRET)

    assert header == expected_header(BODY, SECRET)
    assert header.startswith("sha256=")
    assert len(header) == len("sha256=") + 64


def test_a_signed_body_verifies():
    assert verify_signature(BODY, sign(BODY, SECRET), SECRET) is True


def test_upper_case_hex_is_accepted():
    header = sign(BODY, SECRET)

    assert verify_signature(BODY, "sha256=" + header.removeprefix("sha256=").upper(), SECRET) is True


def test_one_changed_byte_fails():
    header = sign(BODY, SECRET)

    assert verify_signature(BODY.replace(b"caf", b"cag"), header, SECRET) is False


def test_re_serialized_json_fails():
    header = sign(BODY, SECRET)

    assert verify_signature(BODY.replace(b"\\u00e9", "é".encode()), header, SECRET) is False


def test_another_secret_fails():
    assert verify_signature(BODY, sign(BODY, "someone-elses-secret"), SECRET) is False


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha256", "sha1=" + "0" * 40, "md5=" + "0" * 32,
    "sha256=" + "0" * 63, "sha256=" + "0" * 65, "sha256=" + "g" * 64, "sha256=" + " " * 64,
    "=" + "0" * 64, "0" * 64,
])
def test_malformed_headers_fail(header):
    assert verify_signature(BODY, header, SECRET) is False


def test_the_bare_digest_without_prefix_fails():
    digest = sign(BODY, SECRET).removeprefix("sha256=")

    assert verify_signature(BODY, digest, SECRET) is False


def test_an_empty_secret_never_verifies():
    assert verify_signature(BODY, sign(BODY, ""), "") is False


def test_an_empty_body_can_be_signed_and_verified():
    assert verify_signature(b"", sign(b"", SECRET), SECRET) is True


def test_the_comparison_is_constant_time():
    header = sign(BODY, SECRET)
    with mock.patch.object(signature.hmac, "compare_digest", wraps=hmac.compare_digest) as compare:
        assert verify_signature(BODY, header, SECRET) is True

    compare.assert_called_once_with(header.removeprefix("sha256="), header.removeprefix("sha256="))
