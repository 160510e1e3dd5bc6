"""Embedded Signup's browser side: the JS SDK stand-in, its popup page, the redirect dialog, a headless twin.

The popup and the dialog render the same choices (static/signup.html). Finishing calls
``POST /_sim/meta/signup/complete``: as JSON from the popup (it then posts the session info and the code to
its opener), or as a form from the redirect dialog (answered with a 303 to ``redirect_uri``).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .graph import unknown_version, world_of
from .onboarding import CANCEL_STEPS, Onboarding, cancel_session, error_session, onboard
from .state import DATA_ACCESS_TTL_SECONDS, MetaWorld

STATIC = Path(__file__).parent / "static"
COEXISTENCE = "whatsapp_business_app_onboarding"
ONLY_WABA = "only_waba_sharing"
FINISHES: dict[str, dict] = {
    "finish": {},
    "finish-two": {"numbers": 2},
    "finish-coexistence": {"coexistence": True},
    "finish-only-waba": {"numbers": 0},
}
FEATURE_OF = {"finish-coexistence": COEXISTENCE, "finish-only-waba": ONLY_WABA}
USER_ERROR = ("The phone number could not be verified. Please try again later.", 524126)


def _launch_error(
    world: MetaWorld, app_id: str | None, config_id: str | None, response_type: str | None
) -> str | None:
    """Why Meta would show its error screen for this launch, or None."""
    if app_id != world.config.app_id:
        return f"Invalid App ID: {app_id!r} is not a valid app ID."
    if config_id != world.config.config_id:
        return f"Invalid configuration: {config_id!r} is not a Login for Business configuration of this app."
    if response_type != "code":
        return "Embedded Signup needs response_type 'code' with override_default_response_type: true."
    return None


def _parse_extras(raw: str | None) -> dict | None:
    try:
        extras = json.loads(raw or "{}")
    except ValueError:
        return None
    return extras if isinstance(extras, dict) else None


def posts_session_info(extras: dict) -> bool:
    """v2 (featureType/features without version) only posts session info when sessionInfoVersion is set."""
    if "version" in extras or "sessionInfoVersion" in extras:
        return True
    return "featureType" not in extras and "features" not in extras


def _choices(feature_type: str | None, hidden: dict[str, str]) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in hidden.items()
    )
    extra = ""
    if feature_type == COEXISTENCE:
        extra += (
            '<button type="submit" name="action" value="finish-coexistence" id="finish-coexistence" '
            'data-testid="finish-coexistence">Finish (WhatsApp Business app number)</button>'
        )
    if feature_type == ONLY_WABA:
        extra += (
            '<button type="submit" name="action" value="finish-only-waba" id="finish-only-waba" '
            'data-testid="finish-only-waba">Finish without a phone number</button>'
        )
    steps = "".join(f'<option value="{s}">{s}</option>' for s in CANCEL_STEPS)
    return f"""<h1>Connect your WhatsApp Business account</h1>
<p class="hint">Simulated Embedded Signup: choose how this signup ends.</p>
<form id="signup-form" method="post" action="/_sim/meta/signup/complete">{inputs}
<fieldset><legend>Finish</legend>
<label><input type="checkbox" id="payment-method" data-testid="payment-method" name="payment_method" value="on" checked>
 The WhatsApp Business account has a payment method</label><br>
<button type="submit" class="primary" name="action" value="finish" id="finish" data-testid="finish">Finish</button>
<button type="submit" name="action" value="finish-two" id="finish-two" data-testid="finish-two">Finish with two numbers</button>
{extra}</fieldset>
<fieldset><legend>Leave the flow</legend>
<label for="cancel-step">Cancel at</label>
<select id="cancel-step" data-testid="cancel-step" name="cancel_step">{steps}</select>
<button type="submit" name="action" value="cancel" id="cancel" data-testid="cancel">Cancel</button>
<button type="submit" name="action" value="error" id="error" data-testid="error">Report an error</button>
</fieldset></form>"""  # noqa: E501


def _error_screen(message: str) -> str:
    return f"""<div class="error-screen" id="error-screen" data-testid="error-screen">
<h1>Something went wrong</h1><p>{html.escape(message)}</p>
<button type="button" id="close" data-testid="close">Close</button></div>"""


def _page(content: str, config: dict) -> HTMLResponse:
    template = (STATIC / "signup.html").read_text(encoding="utf-8")
    config_json = json.dumps(config).replace("<", "\\u003c")
    return HTMLResponse(template.replace("__CONTENT__", content).replace("__CONFIG_JSON__", config_json))


async def sdk_js(request: Request) -> Response:
    """``/sdk.js``: the FB SDK stand-in, bound to this simulator's origin."""
    source = (STATIC / "sdk.js").read_text(encoding="utf-8")
    origin = world_of(request).config.origin
    # Meta's snippet loads the SDK with crossorigin="anonymous": serve it with CORS like the real one.
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
    return Response(
        source.replace("__SIM_ORIGIN__", origin), media_type="application/javascript", headers=headers
    )


async def popup_page(request: Request) -> Response:
    world = world_of(request)
    params = request.query_params
    extras = _parse_extras(params.get("extras"))
    error = _launch_error(world, params.get("app_id"), params.get("config_id"), params.get("response_type"))
    if error is None and params.get("override_default_response_type") != "true":
        error = "FB.login needs override_default_response_type: true for the code flow."
    if error is None and extras is None:
        error = "extras must be a JSON object."
    config = {
        "mode": "popup",
        "app_id": params.get("app_id"),
        "config_id": params.get("config_id"),
        "extras": extras or {},
        "opener_origin": params.get("origin") or "",
        "complete_url": f"{world.config.origin}/_sim/meta/signup/complete",
    }
    if error is not None:
        config["error_session_info"] = error_session(world, error, 100, event="ERROR")
        return _page(_error_screen(error), config)
    return _page(_choices((extras or {}).get("featureType"), {}), config)


def _redirect_uri_ok(uri: str | None) -> bool:
    parts = urlsplit(uri or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.fragment


async def dialog_page(request: Request) -> Response:
    """``GET /{v}/dialog/oauth``: the redirect fallback of Embedded Signup."""
    world = world_of(request)
    params = request.query_params
    if request.path_params["version"] != world.config.api_version:
        return unknown_version(request.path_params["version"], world.config.api_version).response()
    error = _launch_error(
        world, params.get("client_id"), params.get("config_id"), params.get("response_type")
    )
    if error is None and not _redirect_uri_ok(params.get("redirect_uri")):
        error = "redirect_uri must be an absolute http(s) URL without a fragment."
    extras = _parse_extras(params.get("extras"))
    if error is None and extras is None:
        error = "extras must be a JSON object."
    config = {"mode": "redirect"}
    if error is not None:
        return _page(_error_screen(error), config)
    hidden = {
        "client_id": params["client_id"],
        "config_id": params["config_id"],
        "redirect_uri": params["redirect_uri"],
        "state": params.get("state", ""),
        "extras": json.dumps(extras),
    }
    return _page(_choices((extras or {}).get("featureType"), hidden), config)


def _with_query(uri: str, values: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *values.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")) + "#_=_"  # Facebook appends #_=_


def _finish(
    world: MetaWorld, action: str, extras: dict, payment_method: bool, redirect_uri: str | None
) -> Onboarding:
    wanted = FEATURE_OF.get(action)
    if wanted is not None and extras.get("featureType") != wanted:
        raise ValueError(f"{action} is only offered when extras.featureType is {wanted!r}")
    return onboard(world, payment_method=payment_method, redirect_uri=redirect_uri, **FINISHES[action])


async def complete(request: Request) -> Response:
    """End the flow: JSON from the popup (answered in JSON), or a form from the dialog (answered by a 303)."""
    world = world_of(request)
    if request.headers.get("content-type", "").startswith("application/json"):
        return await _complete_popup(world, request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    error = _launch_error(world, form.get("client_id"), form.get("config_id"), "code")
    if error is None and not _redirect_uri_ok(form.get("redirect_uri")):
        error = "redirect_uri must be an absolute http(s) URL without a fragment."
    extras = _parse_extras(form.get("extras"))
    if error is not None or extras is None:
        return _page(_error_screen(error or "extras must be a JSON object."), {"mode": "redirect"})
    redirect_uri, action = form["redirect_uri"], form.get("action", "")
    state = {"state": form["state"]} if form.get("state") else {}
    if action in FINISHES:
        try:
            onboarding = _finish(world, action, extras, form.get("payment_method") == "on", redirect_uri)
        except ValueError as exc:
            return _page(_error_screen(str(exc)), {"mode": "redirect"})
        return RedirectResponse(
            _with_query(redirect_uri, {"code": onboarding.code, **state}), status_code=303
        )
    denied = {"error": "access_denied", "error_code": "200", "error_description": "Permissions error",
              "error_reason": "user_denied", **state}  # fmt: skip
    return RedirectResponse(_with_query(redirect_uri, denied), status_code=303)


async def _complete_popup(world: MetaWorld, request: Request) -> Response:
    try:
        body = json.loads(await request.body())
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        error = _launch_error(world, body.get("app_id"), body.get("config_id"), "code")
        if error is not None:
            raise ValueError(error)
        extras = body.get("extras") or {}
        action = body.get("action")
        result: dict = {"code": None, "post_session_info": posts_session_info(extras)}
        if action in FINISHES:
            onboarding = _finish(world, action, extras, bool(body.get("payment_method", True)), None)
            result.update(
                code=onboarding.code,
                session_info=onboarding.session_info,
                user_id=world.facebook_user_id,
                expires_in=int(world.config.code_ttl_seconds),
                data_access_expiration_time=int(world.clock() + DATA_ACCESS_TTL_SECONDS),
            )
        elif action == "cancel":
            result["session_info"] = cancel_session(str(body.get("cancel_step")))
        elif action == "error":
            result["session_info"] = error_session(world, *USER_ERROR)
        else:
            raise ValueError(f"unknown action {action!r}")
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(result)


async def headless(request: Request) -> Response:
    """``POST /_sim/meta/signup``: what the popup would produce, without a browser."""
    world = world_of(request)
    try:
        body = json.loads(await request.body() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        onboarding = onboard(
            world,
            numbers=int(body.get("numbers", 1)),
            coexistence=bool(body.get("coexistence", False)),
            payment_method=bool(body.get("payment_method", True)),
            business_id=body.get("business_id"),
            redirect_uri=body.get("redirect_uri"),
        )
    except (ValueError, TypeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(onboarding.as_json())
