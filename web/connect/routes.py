"""HTTP edge of the connect page: the page itself, the endpoints its script calls, the redirect-fallback
callback and the static files. Each handler reads the request, calls the onboarding core, and answers."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from relay.onboarding.claim import (
    ClaimOutcome,
    ClaimWarning,
    SessionInfo,
    choose_number,
    claim_whatsapp_account,
)
from relay.onboarding.claim_types import number_view
from relay.onboarding.health import Sending, sending_of
from relay.onboarding.links import LinkError, LinkProblem
from relay.services import Services
from storage.models import AccountStatus, utcnow
from storage.repositories import AccountRepository
from web.connect import wording
from web.connect.destination import ChannelLink, channel_links, link_audience
from web.connect.launch import callback_url, page_config, redirect_url
from web.connect.outcomes import (
    RETRYABLE,
    chain_ended,
    http_status,
    number_json,
    outcome_json,
    outcome_view,
    request_problem_json,
)
from web.connect.pages import NumberChoice, PageView, connect_page, notice_page
from web.connect.request_body import BodyRefused, read_json_object, required_strings
from web.connect.security import apply_headers, origin_of, security_headers
from web.rate_limits import SharedRateLimit, retry_after_header

log = logging.getLogger("waslack.web.connect")

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {"connect.js": "text/javascript; charset=utf-8", "connect.css": "text/css; charset=utf-8"}
LINK_STATUS = {LinkProblem.FORGED: 400, LinkProblem.EXPIRED: 410, LinkProblem.USED: 410}
ERROR_CODE = re.compile(r"[0-9]{1,6}")  # Facebook's numeric error_code: the only part of an error URL we repeat

Handler = Callable[[Request], Awaitable[Response]]


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


class ConnectEndpoints:
    """The handlers behind connect_routes, sharing the services, the headers and the rate limiters."""

    def __init__(self, services: Services):
        self.services = services
        self.settings = settings = services.settings
        self.headers = security_headers(settings)
        self.callback_url = callback_url(settings)
        self.public_origin = origin_of(settings.PUBLIC_BASE_URL)
        # /complete, /choose and /callback each spend a Meta code or a link: a handful a minute is plenty.
        self.claim_limiter = SharedRateLimit(services.database, "connect-claim", limit=10)
        # /status is polled every 3 s for 2 minutes by each open page.
        self.status_limiter = SharedRateLimit(services.database, "connect-status", limit=60)

    # ---- shared pieces ------------------------------------------------------------------------------

    def secured(self, handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            return apply_headers(await handler(request), self.headers)

        return endpoint

    async def render(self, token: str, view: PageView, status: int = 200) -> HTMLResponse:
        """The connect page for ``token``, saying whom the link is for."""
        if view.audience is None:
            view = replace(view, audience=await link_audience(self.services, token))
        html = connect_page(page_config(self.settings, token, view.state), view,
                            redirect_url(self.settings, token))
        return HTMLResponse(html, status_code=status)

    def reload_url(self, token: str, *, used: bool) -> str:
        """Where the address bar should point once a page is shown: never at a spent ``?code=``. A used link
        reloads through the callback (which shows its result again), an unused one as the connect page."""
        if used:
            return f"{self.callback_url}?state={token}"
        return f"{self.settings.PUBLIC_BASE_URL}/connect?token={token}"

    @staticmethod
    def link_problem_page(problem: LinkProblem) -> HTMLResponse:
        html = notice_page(wording.LINK_HEADINGS[problem], [wording.LINK_TEXT[problem]])
        return HTMLResponse(html, status_code=LINK_STATUS[problem])

    @staticmethod
    def refused(status: int, problem: str, message: str,
                headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(request_problem_json(problem, message), status_code=status, headers=headers)

    async def guard(self, request: Request, limiter: SharedRateLimit) -> JSONResponse | None:
        """Refuse over-eager clients and (for POSTs) requests a browser sent from another site."""
        wait = await limiter.take(_client_key(request))
        if wait:
            log.warning("rate-limited %s %s from %s", request.method, request.url.path, _client_key(request))
            return self.refused(429, "too_many_requests", wording.REQUEST_PROBLEMS["too_many_requests"],
                                retry_after_header(wait))
        origin = request.headers.get("origin")
        if request.method == "POST" and origin is not None and origin != self.public_origin:
            log.warning("refused %s from origin %r", request.url.path, origin[:100])
            return self.refused(403, "cross_origin", wording.REQUEST_PROBLEMS["cross_origin"])
        return None

    async def with_retry(self, token: str, outcome: ClaimOutcome) -> tuple[ClaimOutcome, str | None]:
        """The outcome and, when Try again can help, a retry link in the same chain for the same workspace and
        user. The old link was just used up by this very request (a replay fails as ``link_used`` and gets
        nothing). Once the chain has ended, the outcome becomes ``link_expired``: start again from Slack."""
        if outcome.ok or outcome.problem not in RETRYABLE:
            return outcome, None
        try:
            return outcome, _token_of(await self.services.links.renew(token))
        except LinkError:
            return chain_ended(outcome), None

    async def answer(self, token: str, outcome: ClaimOutcome) -> JSONResponse:
        outcome, retry = await self.with_retry(token, outcome)
        channels = await self.channels_of(token, outcome)
        return JSONResponse(outcome_json(outcome, retry, channels), status_code=http_status(outcome))

    async def channels_of(self, token: str, outcome: ClaimOutcome) -> dict[str, ChannelLink]:
        """Links to the Slack channels of the numbers a successful claim connected."""
        if outcome.status != "connected":
            return {}
        return await channel_links(self.services, token, (n.channel_id for n in outcome.numbers if n.enabled))

    # ---- GET /connect -------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        token = request.query_params.get("token")
        if not token:
            html = notice_page(wording.MISSING_TOKEN_HEADING, [wording.MISSING_TOKEN])
            return HTMLResponse(html, status_code=400)
        try:
            await self.services.links.open(token)
        except LinkError as exc:
            return self.link_problem_page(exc.problem)
        return await self.render(token, PageView())

    # ---- POST /connect/complete {token, code, session_info} -----------------------------------------

    async def complete(self, request: Request) -> Response:
        if refusal := await self.guard(request, self.claim_limiter):
            return refusal
        try:
            data = await read_json_object(request)
            token, code = required_strings(data, "token", "code", max_length=2048)
        except BodyRefused as exc:
            return self.refused(exc.status, exc.problem, exc.message)
        raw_session = data.get("session_info")
        if raw_session is not None and not isinstance(raw_session, dict):
            return self.refused(400, "bad_session_info", wording.REQUEST_PROBLEMS["bad_session_info"])
        session_info = SessionInfo.from_payload(raw_session)
        outcome = await claim_whatsapp_account(self.services, token=token, code=code,
                                               session_info=session_info)
        return await self.answer(token, outcome)

    # ---- POST /connect/choose {token, phone_number_id} ----------------------------------------------

    async def choose(self, request: Request) -> Response:
        if refusal := await self.guard(request, self.claim_limiter):
            return refusal
        try:
            token, phone_number_id = required_strings(
                await read_json_object(request), "token", "phone_number_id", max_length=2048)
        except BodyRefused as exc:
            return self.refused(exc.status, exc.problem, exc.message)
        outcome = await choose_number(self.services, token=token, phone_number_id=phone_number_id)
        return await self.answer(token, outcome)

    # ---- GET /connect/status?token&after ------------------------------------------------------------

    async def status(self, request: Request) -> Response:
        """Seed 000 section 5.2: connected only if the workspace has an active account updated after
        ``after`` (when given). The link must be genuine and unexpired; once used, it answers for
        AFTER_USE more (relay/onboarding/links.py)."""
        if refusal := await self.guard(request, self.status_limiter):
            return refusal
        try:
            link = await self.services.links.inspect(request.query_params.get("token"), allow_used=True,
                                                     grace=True)
        except LinkError as exc:
            problem = f"link_{exc.problem.value}"
            return self.refused(LINK_STATUS[exc.problem], problem, wording.LINK_TEXT[exc.problem])
        after = None
        if raw_after := request.query_params.get("after"):
            try:
                after = datetime.fromisoformat(raw_after)
            except ValueError:
                return self.refused(400, "bad_after", wording.REQUEST_PROBLEMS["bad_after"])
            if after.tzinfo is None:
                after = after.replace(tzinfo=UTC)
        numbers = await self.numbers_connected_since(link.team_id, after)
        return JSONResponse({"connected": bool(numbers), "numbers": numbers})

    async def numbers_connected_since(self, team_id: str, after: datetime | None) -> list[dict[str, Any]]:
        async with self.services.database.session() as session:
            accounts = AccountRepository(session, self.services.cipher)
            fresh = [a for a in await accounts.list_for_team(team_id)
                     if a.status == AccountStatus.ACTIVE.value and (after is None or a.updated_at > after)]
            by_account = await accounts.numbers_for_accounts(fresh)
        return [
            number_json(NumberChoice(n.phone_number_id, wording.number_label(
                n.display_phone_number, n.verified_name, n.phone_number_id), n.enabled))
            for account in fresh for n in by_account.get(account.id or 0, []) if n.enabled
        ]

    # ---- GET /connect/callback?code&state (or ?error=..., or ?state alone on a reload) ---------------

    async def callback(self, request: Request) -> Response:
        if refusal := await self.guard(request, self.claim_limiter):
            return refusal
        params = request.query_params
        state, code = params.get("state"), params.get("code")
        if params.get("error") or params.get("error_code"):
            return await self.callback_error(state, params.get("error"), params.get("error_reason"),
                                             params.get("error_code"))
        if state and not code:
            return await self.callback_reload(state)
        if not state or not code:
            html = notice_page(wording.CALLBACK_MISSING_HEADING, [wording.CALLBACK_MISSING])
            return HTMLResponse(html, status_code=400)
        outcome = await claim_whatsapp_account(self.services, token=state, code=code, session_info=None,
                                               redirect_uri=self.callback_url)
        outcome, retry = await self.with_retry(state, outcome)
        link_problem = {f"link_{p.value}": p for p in LinkProblem}.get(str(outcome.problem))
        if link_problem is not None:
            return self.link_problem_page(link_problem)
        view = outcome_view(outcome, can_retry=retry is not None, channels=await self.channels_of(state, outcome))
        view = replace(view, reload_url=self.reload_url(retry or state, used=retry is None))
        return await self.render(retry or state, view, status=http_status(outcome))

    async def callback_reload(self, state: str) -> Response:
        """The address a shown result leaves behind (``?state`` without the spent code): show that result
        again while the link is fresh, instead of "already used"."""
        try:
            link = await self.services.links.inspect(state, allow_used=True)
        except LinkError as exc:
            return self.link_problem_page(exc.problem)
        if link.used_at is None:
            return await self.render(state, PageView(reload_url=self.reload_url(state, used=False)))
        fresh = utcnow() - link.used_at < self.services.links.ttl
        if not fresh:
            return self.link_problem_page(LinkProblem.USED)
        if link.outcome not in ("connected", "choose_number") or link.account_id is None:
            html = notice_page(wording.LINK_HEADINGS[LinkProblem.USED], [wording.USED_AFTER_FAILURE])
            return HTMLResponse(html, status_code=410)
        async with self.services.database.session() as session:
            accounts = AccountRepository(session, self.services.cipher)
            account = await accounts.get(link.account_id)
            numbers = await accounts.numbers(account) if account else []
        payment = any(n.enabled and sending_of(n) == Sending.PAYMENT_MISSING for n in numbers)
        outcome = ClaimOutcome(status=link.outcome, waba_id=account.waba_id if account else None,
                               account_id=link.account_id, numbers=tuple(number_view(n) for n in numbers),
                               warnings=(ClaimWarning.PAYMENT_MISSING,) if payment else ())
        view = outcome_view(outcome, can_retry=False, channels=await self.channels_of(state, outcome))
        return await self.render(state, replace(view, reload_url=self.reload_url(state, used=True)))

    async def callback_error(self, state: str | None, error: str | None, reason: str | None,
                             error_code: str | None) -> Response:
        """Meta sent the person back with ``?error=``: nothing ran, so the same link can start again.

        Only our own words are shown: the address is anyone's to write, so ``error_description`` and the
        like never reach the page (a known ``error`` and a numeric ``error_code`` pick our sentence)."""
        try:
            await self.services.links.inspect(state)
        except LinkError as exc:
            html = notice_page(wording.CALLBACK_ERROR_HEADING,
                               [wording.CALLBACK_ERROR_NO_MESSAGE, wording.LINK_TEXT[exc.problem]])
            return HTMLResponse(html, status_code=400)
        assert state is not None
        code = error_code if error_code and ERROR_CODE.fullmatch(error_code) else None
        reload = self.reload_url(state, used=False)
        if reason == "user_denied" or code in wording.CALLBACK_ERROR_CANCEL_CODES:
            return await self.render(state, PageView(notice=wording.CALLBACK_CANCELLED, reload_url=reload),
                                     status=400)
        known = error if error in wording.CALLBACK_ERRORS else None
        support = ", ".join(part for part in (
            wording.CALLBACK_ERROR_SUPPORT.format(error=known) if known else None,
            wording.CALLBACK_ERROR_SUPPORT_CODE.format(code=code) if code else None,
        ) if part)
        view = PageView(state="error", heading=wording.CALLBACK_ERROR_HEADING,
                        message=wording.CALLBACK_ERRORS[known] if known else wording.CALLBACK_ERROR_NO_MESSAGE,
                        next_step=wording.CALLBACK_ERROR_NEXT, support=support or None, reload_url=reload)
        return await self.render(state, view, status=400)

    # ---- GET /connect/static/{name} -----------------------------------------------------------------

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return Response("Not found", status_code=404, media_type="text/plain")
        response = FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name])
        response.headers["Cache-Control"] = "no-cache"  # no build step, no hashed names: always revalidate
        return response


def connect_routes(services: Services) -> list[BaseRoute]:
    """The connect page and everything it calls, with security headers on every response."""
    e = ConnectEndpoints(services)
    return [
        Route("/connect", e.secured(e.page), methods=["GET"], name="connect_page"),
        Route("/connect/complete", e.secured(e.complete), methods=["POST"], name="connect_complete"),
        Route("/connect/choose", e.secured(e.choose), methods=["POST"], name="connect_choose"),
        Route("/connect/status", e.secured(e.status), methods=["GET"], name="connect_status"),
        Route("/connect/callback", e.secured(e.callback), methods=["GET"], name="connect_callback"),
        Route("/connect/static/{name}", e.secured(e.static), methods=["GET"], name="connect_static"),
    ]
