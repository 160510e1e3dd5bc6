"""Meta's error object -> typed exceptions, the retry policy, sends that must not be repeated, no leaks."""

from __future__ import annotations

import json
import logging
import traceback

import httpx
import pytest
import respx

from tests.whatsapp.conftest import APP_ID, APP_SECRET, PNID, ROOT, SYSTEM_TOKEN, TOKEN, WABA, make_client
from whatsapp.errors import (
    ERROR_CLASSES,
    GraphError,
    InvalidRequestError,
    MediaTooLargeError,
    NetworkError,
    OutcomeUnknownError,
    PairRateLimitError,
    PaymentRequiredError,
    PermissionDeniedError,
    RecipientError,
    RegistrationLimitError,
    TemplateError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
    WindowClosedError,
    error_from_response,
    retry_after_from_headers,
)

SEND_OK = {"messaging_product": "whatsapp", "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
           "messages": [{"id": "wamid.OK"}]}


def meta_error(code: int | None, *, status: int = 400, message: str = "Something is wrong",
               details: str | None = None, is_transient: bool | None = None, headers: dict | None = None,
               **extra) -> httpx.Response:
    """Meta's synchronous error object (reference 4.4)."""
    error: dict = {"message": message, "type": "OAuthException", "fbtrace_id": "A4O5a8RAgePwbcGSu", **extra}
    if code is not None:
        error["code"] = code
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if is_transient is not None:
        error["is_transient"] = is_transient
    return httpx.Response(status, json={"error": error}, headers=headers)


def usage_header(minutes: float) -> dict[str, str]:
    usage = {WABA: [{"type": "whatsapp_business_management", "call_count": 100, "total_cputime": 1,
                     "total_time": 1, "estimated_time_to_regain_access": minutes}]}
    return {"X-Business-Use-Case-Usage": json.dumps(usage)}


# -- the dispatch table ---------------------------------------------------------------------------

PERMANENT = [
    (190, TokenInvalidError), (0, TokenInvalidError),
    (10, PermissionDeniedError), (200, PermissionDeniedError), (230, PermissionDeniedError),
    (299, PermissionDeniedError), (3, PermissionDeniedError), (131005, PermissionDeniedError),
    (100, InvalidRequestError), (131008, InvalidRequestError), (131009, InvalidRequestError),
    (131021, InvalidRequestError),
    (131047, WindowClosedError),
    (132000, TemplateError), (132001, TemplateError), (132015, TemplateError), (132999, TemplateError),
    (133016, RegistrationLimitError),
    (131042, PaymentRequiredError),
    (131026, RecipientError), (131030, RecipientError), (131050, RecipientError), (131062, RecipientError),
    (368, GraphError), (99999, GraphError), (300, GraphError), (133000, GraphError),
]
RETRIED = [
    (4, ThrottledError), (17, ThrottledError), (613, ThrottledError), (80007, ThrottledError),
    (130429, ThrottledError), (131048, ThrottledError), (131057, ThrottledError),
    (131056, PairRateLimitError),
    (1, TransientError), (2, TransientError), (131000, TransientError), (131016, TransientError),
]


@pytest.mark.parametrize(("code", "expected"), PERMANENT)
async def test_permanent_codes_raise_their_class_without_retry(client, meta, sleeps, code, expected):
    route = meta.get(f"{ROOT}/{PNID}").mock(return_value=meta_error(code))

    with pytest.raises(GraphError) as caught:
        await client.get_phone_number(PNID, TOKEN)

    assert type(caught.value) is expected
    assert caught.value.code == code
    assert caught.value.retryable is False
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(("code", "expected"), RETRIED)
async def test_retryable_codes_are_retried_up_to_max_attempts(client, meta, sleeps, code, expected):
    route = meta.get(f"{ROOT}/{PNID}").mock(return_value=meta_error(code))

    with pytest.raises(GraphError) as caught:
        await client.get_phone_number(PNID, TOKEN)

    assert type(caught.value) is expected
    assert caught.value.retryable is True
    assert route.call_count == 4
    assert len(sleeps) == 3


@pytest.mark.parametrize(("code", "expected"), RETRIED[:8])
async def test_a_throttled_send_was_refused_so_it_is_retried(client, meta, code, expected):
    route = meta.post(f"{ROOT}/{PNID}/messages").mock(
        side_effect=[meta_error(code), httpx.Response(200, json=SEND_OK)])

    sent = await client.send_text(PNID, TOKEN, "16505551234", "hi")

    assert issubclass(expected, ThrottledError)
    assert sent.wamid == "wamid.OK"
    assert route.call_count == 2


def test_dispatch_table_covers_the_documented_ranges():
    assert all(ERROR_CLASSES[c] is PermissionDeniedError for c in range(200, 300))
    assert all(ERROR_CLASSES[c] is TemplateError for c in range(132000, 133000))
    assert ERROR_CLASSES[131056] is PairRateLimitError
    assert issubclass(PairRateLimitError, ThrottledError)
    assert issubclass(NetworkError, TransientError)
    assert not issubclass(OutcomeUnknownError, TransientError)


@pytest.mark.parametrize(("response", "expected", "calls"), [
    (meta_error(None, status=500, message="Internal"), TransientError, 4),
    (httpx.Response(502, text="<html>Bad gateway</html>"), TransientError, 4),
    (httpx.Response(503), TransientError, 4),
    (httpx.Response(429), ThrottledError, 4),
    (meta_error(987654, is_transient=True), ThrottledError, 4),
    (meta_error(987654, status=500), TransientError, 4),
    (httpx.Response(400, text="not json"), GraphError, 1),
    (httpx.Response(404, json={"unexpected": True}), GraphError, 1),
    (meta_error(100, status=500), InvalidRequestError, 1),
])
async def test_errors_without_a_known_code(client, meta, response, expected, calls):
    route = meta.get(f"{ROOT}/{PNID}").mock(return_value=response)

    with pytest.raises(GraphError) as caught:
        await client.get_phone_number(PNID, TOKEN)

    assert type(caught.value) is expected
    assert caught.value.http_status == response.status_code
    assert route.call_count == calls


def test_error_object_fields_and_message():
    response = meta_error(131047, message="Re-engagement message", details="More than 24 hours have passed",
                          error_subcode=2494010, is_transient=False, error_user_title="Window closed",
                          error_user_msg="Send a template")

    error = error_from_response(400, response.content, response.headers)

    assert isinstance(error, WindowClosedError)
    assert (error.code, error.subcode, error.http_status) == (131047, 2494010, 400)
    assert error.message == "Re-engagement message"
    assert error.details == "More than 24 hours have passed"
    assert error.fbtrace_id == "A4O5a8RAgePwbcGSu"
    assert error.is_transient is False
    assert (error.error_type, error.user_title, error.user_msg) == ("OAuthException", "Window closed",
                                                                   "Send a template")
    text = str(error)
    for part in ("WindowClosedError", "131047", "Re-engagement message", "More than 24 hours have passed",
                 "http 400", "A4O5a8RAgePwbcGSu"):
        assert part in text


def test_retry_after_comes_from_the_business_use_case_header_in_minutes():
    response = meta_error(80007, headers=usage_header(2))

    error = error_from_response(400, response.content, response.headers)

    assert isinstance(error, ThrottledError)
    assert error.retry_after == 120.0
    assert "retry after 120s" in str(error)


@pytest.mark.parametrize("header", [None, "not json", "[]", json.dumps({WABA: [{"type": "whatsapp"}]}),
                                    json.dumps({WABA: [{"estimated_time_to_regain_access": 0}]})])
def test_retry_after_is_none_without_a_usable_estimate(header):
    assert retry_after_from_headers({} if header is None else {"x-business-use-case-usage": header}) is None


def test_retry_after_takes_the_longest_estimate():
    header = json.dumps({"1": [{"estimated_time_to_regain_access": 1}],
                         "2": [{"estimated_time_to_regain_access": 3},
                               {"estimated_time_to_regain_access": 0}]})
    assert retry_after_from_headers(httpx.Headers({"X-Business-Use-Case-Usage": header})) == 180.0


# -- backoff --------------------------------------------------------------------------------------

async def test_backoff_doubles_with_jitter_until_success(client, meta, sleeps):
    route = meta.get(f"{ROOT}/{PNID}").mock(side_effect=[
        httpx.Response(500), httpx.Response(503), meta_error(131016), httpx.Response(200, json={"id": PNID})])

    number = await client.get_phone_number(PNID, TOKEN)

    assert number.id == PNID
    assert route.call_count == 4
    # base 1 s, factor 2; jitter keeps each sleep in [delay/2, delay]: random()=0.5 gives 3/4 of it.
    assert sleeps == [0.75, 1.5, 3.0]


@pytest.mark.parametrize(("jitter", "expected"), [(0.0, [0.5, 1.0, 2.0]), (1.0, [1.0, 2.0, 4.0])])
async def test_jitter_bounds(meta, jitter, expected):
    sleeps: list[float] = []
    meta.get(f"{ROOT}/{PNID}").mock(return_value=httpx.Response(500))

    async with make_client(sleeps, random=lambda: jitter) as graph:
        with pytest.raises(TransientError):
            await graph.get_phone_number(PNID, TOKEN)

    assert sleeps == expected


async def test_backoff_is_capped_at_60_seconds_and_bounded_by_max_attempts(meta):
    sleeps: list[float] = []
    route = meta.get(f"{ROOT}/{PNID}").mock(return_value=httpx.Response(500))

    async with make_client(sleeps, max_attempts=10, random=lambda: 1.0) as graph:
        with pytest.raises(TransientError):
            await graph.get_phone_number(PNID, TOKEN)

    assert route.call_count == 10
    assert sleeps == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_max_attempts_one_means_no_retry(meta):
    sleeps: list[float] = []
    route = meta.get(f"{ROOT}/{PNID}").mock(return_value=meta_error(130429))

    async with make_client(sleeps, max_attempts=1) as graph:
        with pytest.raises(ThrottledError):
            await graph.get_phone_number(PNID, TOKEN)

    assert (route.call_count, sleeps) == (1, [])


async def test_pair_rate_limit_waits_4_to_the_x_seconds(client, meta, sleeps):
    route = meta.post(f"{ROOT}/{PNID}/messages").mock(return_value=meta_error(131056))

    with pytest.raises(PairRateLimitError):
        await client.send_text(PNID, TOKEN, "16505551234", "hi")

    assert route.call_count == 4
    assert sleeps == [1.0, 4.0, 16.0]


async def test_pair_rate_limit_wait_is_capped(meta):
    sleeps: list[float] = []
    meta.post(f"{ROOT}/{PNID}/messages").mock(return_value=meta_error(131056))

    async with make_client(sleeps, max_attempts=5) as graph:
        with pytest.raises(PairRateLimitError):
            await graph.send_text(PNID, TOKEN, "16505551234", "hi")

    assert sleeps == [1.0, 4.0, 16.0, 60.0]


async def test_throttle_waits_the_time_meta_gives(client, meta, sleeps):
    route = meta.get(f"{ROOT}/{WABA}/phone_numbers").mock(side_effect=[
        meta_error(80007, headers=usage_header(1)), httpx.Response(200, json={"data": []})])

    assert await client.list_phone_numbers(WABA, TOKEN) == []

    assert route.call_count == 2
    assert sleeps == [60.0]


async def test_throttle_longer_than_the_cap_is_left_to_the_caller(client, meta, sleeps):
    route = meta.get(f"{ROOT}/{WABA}/phone_numbers").mock(return_value=meta_error(4, headers=usage_header(5)))

    with pytest.raises(ThrottledError) as caught:
        await client.list_phone_numbers(WABA, TOKEN)

    assert caught.value.retry_after == 300.0
    assert route.call_count == 1
    assert sleeps == []


async def test_throttle_without_an_estimate_uses_backoff(client, meta, sleeps):
    meta.get(f"{ROOT}/{PNID}").mock(side_effect=[
        meta_error(130429, headers=usage_header(0)), httpx.Response(200, json={"id": PNID})])

    await client.get_phone_number(PNID, TOKEN)

    assert sleeps == [0.75]


# -- network failures and sends whose outcome is unknown ------------------------------------------

async def test_connect_errors_on_a_get_are_retried_then_raised(client, meta, sleeps):
    route = meta.get(f"{ROOT}/{PNID}").mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(NetworkError) as caught:
        await client.get_phone_number(PNID, TOKEN)

    assert caught.value.retryable is True
    assert "ConnectError" in str(caught.value)
    assert route.call_count == 4
    assert sleeps == [0.75, 1.5, 3.0]


async def test_read_timeout_on_a_get_is_retried(client, meta, sleeps):
    route = meta.get(f"{ROOT}/{PNID}").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(200, json={"id": PNID})])

    assert (await client.get_phone_number(PNID, TOKEN)).id == PNID
    assert route.call_count == 2
    assert sleeps == [0.75]


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("timed out"), httpx.WriteTimeout("timed out"),
                                     httpx.RemoteProtocolError("Server disconnected"),
                                     httpx.ReadError("connection reset")])
async def test_a_send_that_may_have_reached_meta_is_not_sent_again(client, meta, sleeps, failure):
    route = meta.post(f"{ROOT}/{PNID}/messages").mock(side_effect=failure)

    with pytest.raises(OutcomeUnknownError) as caught:
        await client.send_text(PNID, TOKEN, "16505551234", "hi", biz_opaque_callback_data="outbox:9")

    assert route.call_count == 1
    assert sleeps == []
    assert caught.value.retryable is False
    assert isinstance(caught.value.cause, NetworkError)
    assert "/{phone_number_id}/messages" in str(caught.value)


@pytest.mark.parametrize("response", [httpx.Response(500), httpx.Response(502, text="<html/>"),
                                      meta_error(131000, message="Something went wrong"),
                                      meta_error(1, status=500, message="An unknown error occurred")])
async def test_a_send_answered_by_a_server_error_is_not_sent_again(client, meta, sleeps, response):
    route = meta.post(f"{ROOT}/{PNID}/messages").mock(return_value=response)

    with pytest.raises(OutcomeUnknownError) as caught:
        await client.send_template(PNID, TOKEN, "16505551234", "hello_world", "en_US")

    assert route.call_count == 1
    assert sleeps == []
    assert isinstance(caught.value.cause, TransientError)
    assert caught.value.http_status == response.status_code


async def test_a_send_that_never_connected_is_retried(client, meta, sleeps):
    route = meta.post(f"{ROOT}/{PNID}/messages").mock(side_effect=[
        httpx.ConnectError("connection refused"), httpx.ConnectTimeout("connect timed out"),
        httpx.Response(200, json=SEND_OK)])

    sent = await client.send_text(PNID, TOKEN, "16505551234", "hi")

    assert sent.wamid == "wamid.OK"
    assert route.call_count == 3
    assert sleeps == [0.75, 1.5]


async def test_a_send_rejected_permanently_is_raised_as_is(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/messages").mock(return_value=meta_error(131047))

    with pytest.raises(WindowClosedError):
        await client.send_text(PNID, TOKEN, "16505551234", "hi")

    assert route.call_count == 1


async def test_an_upload_that_may_have_reached_meta_is_not_repeated(client, meta):
    route = meta.post(f"{ROOT}/{PNID}/media").mock(side_effect=httpx.ReadTimeout("timed out"))

    with pytest.raises(OutcomeUnknownError):
        await client.upload_media(PNID, TOKEN, b"data", "image/png", "a.png")

    assert route.call_count == 1


async def test_a_code_exchange_is_not_repeated_once_meta_may_have_used_the_code(client, meta):
    route = meta.get(f"{ROOT}/oauth/access_token").mock(side_effect=httpx.ReadTimeout("timed out"))

    with pytest.raises(OutcomeUnknownError):
        await client.exchange_code("AQB-code")

    assert route.call_count == 1


@pytest.mark.parametrize(("method", "path", "call"), [
    ("POST", f"/{WABA}/subscribed_apps", lambda c: c.subscribe_app(WABA, TOKEN)),
    ("DELETE", f"/{WABA}/subscribed_apps", lambda c: c.unsubscribe_app(WABA, TOKEN)),
    ("POST", f"/{PNID}/register", lambda c: c.register_number(PNID, TOKEN, "123456")),
    ("POST", f"/{PNID}/deregister", lambda c: c.deregister_number(PNID, TOKEN)),
    ("POST", f"/{PNID}/messages", lambda c: c.mark_as_read(PNID, TOKEN, "wamid.IN")),
])
async def test_idempotent_management_calls_retry_after_a_read_timeout_or_5xx(client, meta, sleeps, method,
                                                                             path, call):
    route = meta.route(method=method, url=f"{ROOT}{path}").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(502), httpx.Response(200, json={"success": True})])

    await call(client)

    assert route.call_count == 3
    assert sleeps == [0.75, 1.5]


async def test_download_media_retries_a_dropped_connection(client, meta):
    url = "https://lookaside.fbsbx.test/whatsapp_business/attachments/?mid=1"
    route = meta.get(url).mock(side_effect=[httpx.RemoteProtocolError("dropped"),
                                            httpx.Response(200, content=b"bytes")])

    assert await client.download_media(url, TOKEN, max_bytes=100) == b"bytes"
    assert route.call_count == 2


async def test_failed_calls_are_logged_as_warnings_with_the_code(client, meta, caplog):
    meta.get(f"{ROOT}/{PNID}").mock(side_effect=[meta_error(130429), httpx.Response(200, json={"id": PNID})])
    caplog.set_level(logging.INFO, logger="waslack.graph")

    await client.get_phone_number(PNID, TOKEN)

    records = [r for r in caplog.records if r.name == "waslack.graph"]
    assert [(r.levelno, r.graph_status, r.attempt) for r in records] == [
        (logging.WARNING, "400 code=130429", 1), (logging.INFO, "200", 2)]


# -- secrets never leak ---------------------------------------------------------------------------

def error_paths(echoed: str):
    """Every way a call can fail; Meta's messages echo ``echoed`` (what the call sent) and the app secret."""
    meta_failures = [meta_error(code, message=f"Malformed access token {echoed} / {APP_SECRET}",
                                details=f"token {echoed}", error_user_msg=f"app token {APP_ID}|{APP_SECRET}")
                     for code in (190, 0, 100, 10, 130429, 131056, 131047, 132001, 133016, 131042, 131026,
                                  131000, 99999)]
    transport_failures = [httpx.ConnectError("refused"), httpx.ReadTimeout("timed out"),
                          httpx.RemoteProtocolError("disconnected")]
    other = [httpx.Response(500), httpx.Response(502, text=f"<html>{echoed}</html>"),
             httpx.Response(200, text="not json")]
    return meta_failures + transport_failures + other


CODE = "AQB-secret-code"
PIN = "424242"
CALLS = [
    ("GET", "/oauth/access_token", CODE, lambda c: c.exchange_code(CODE)),
    ("GET", "/debug_token", TOKEN, lambda c: c.debug_token(TOKEN)),
    ("GET", f"/{PNID}", TOKEN, lambda c: c.get_phone_number(PNID, TOKEN)),
    ("POST", f"/{PNID}/messages", TOKEN, lambda c: c.send_text(PNID, TOKEN, "16505551234", "hi")),
    ("POST", f"/{PNID}/register", PIN, lambda c: c.register_number(PNID, TOKEN, PIN)),
    ("POST", f"/{PNID}/media", TOKEN, lambda c: c.upload_media(PNID, TOKEN, b"x", "image/png", "a.png")),
    ("GET", f"/{WABA}/message_templates", TOKEN, lambda c: c.list_templates(WABA, TOKEN)),
]


@pytest.mark.parametrize("system_user_token", [None, SYSTEM_TOKEN])
@pytest.mark.parametrize(("method", "path", "echoed", "call"), CALLS, ids=[c[1] for c in CALLS])
async def test_no_error_path_leaks_a_secret_into_logs_or_exceptions(caplog, method, path, echoed, call,
                                                                    system_user_token):
    caplog.set_level(logging.DEBUG)
    secrets = [APP_SECRET, TOKEN, CODE, PIN] + ([SYSTEM_TOKEN] if system_user_token else [])
    texts: list[str] = []
    for failure in error_paths(echoed):
        with respx.mock() as router:
            router.route(method=method, url=f"{ROOT}{path}").mock(side_effect=[failure] * 4)
            async with make_client([], system_user_token=system_user_token) as graph:
                with pytest.raises(GraphError) as caught:
                    await call(graph)
        error = caught.value
        texts += [str(error), repr(error), "".join(traceback.format_exception(error)), repr(vars(error))]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.__dict__) for record in caplog.records]

    assert len(caplog.records) > 0
    for text in texts:
        for secret in secrets:
            assert secret not in text, text
    assert any("[redacted]" in text for text in texts)


async def test_media_too_large_message_names_no_url_or_token(client, meta):
    url = "https://lookaside.fbsbx.test/a?mid=1&hash=zz"
    meta.get(url).respond(content=b"x" * 10)

    with pytest.raises(MediaTooLargeError) as caught:
        await client.download_media(url, TOKEN, max_bytes=5)

    assert TOKEN not in str(caught.value)
    assert "hash=zz" not in str(caught.value)
