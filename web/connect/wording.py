"""Every sentence the person on the connect page reads: page copy, link problems, claim problems, warnings,
Embedded Signup step names and the browser-side states. Kept together so tone stays consistent.

Text here is plain (never HTML); pages.py escapes it and connect.js only ever sets ``textContent``.
"""

from __future__ import annotations

from relay.onboarding.claim_types import ClaimProblem, ClaimWarning
from relay.onboarding.links import LinkProblem

PRODUCT = "waslack"
PAGE_TITLE = "Connect WhatsApp to Slack"
SLACK_CONNECT_BUTTON = "Connect WhatsApp Business"  # the Home tab's button (bot.wording.CONNECT_BUTTON)
SLACK_RESTART = f"Go back to waslack's Home tab in Slack and click {SLACK_CONNECT_BUTTON} to get a new link."
WHATSAPP_MANAGER_URL = "https://business.facebook.com/wa/manage/home/"

# ---- the connect page, state by state ---------------------------------------------------------------

PAGE = {
    # who the link is for, above everything else: "Connecting to <workspace> for <person>"
    "audience_prefix": "Connecting to",
    "audience_for": "for",
    "audience_workspace_unknown": "Slack workspace {team_id}",
    "audience_user_unknown": "Slack user {user_id}",
    "audience_hint": (
        "Not your workspace, or not you? Don't continue: close this page and get your own link from "
        "waslack's Home tab in Slack."
    ),
    "idle_heading": "Connect your WhatsApp Business number",
    "idle_intro": (
        "Facebook opens a window where you choose (or create) the WhatsApp Business account and phone "
        "number your team will use. It takes about five minutes."
    ),
    "idle_outro": (
        "Afterwards, candidates' WhatsApp messages arrive in Slack and your replies go back to them."
    ),
    "idle_needs_heading": "Before you start, have ready:",
    "idle_need_admin": "A Facebook account with admin access to your company's Meta business portfolio",
    "idle_need_phone": "The phone number you want to use, able to receive a text or a call for verification",
    "coexistence_label": "I already use this number in the WhatsApp Business app",
    "coexistence_hint": (
        "Tick this to keep using the app on your phone. Messages will show up both in the app and in Slack."
    ),
    "connect_button": "Continue with Facebook",
    "loading_sdk": "Loading Facebook sign-in…",
    "redirect_link": "Pop-up not opening? Continue in this tab instead",
    "pending_heading": "Finish in the Facebook window",
    "pending_text": (
        "Follow the steps in the window Facebook opened. Can't see it? It may be hidden behind this window."
    ),
    "checking_heading": "Connecting your number…",
    "checking_text": "Checking everything with Meta. This takes a few seconds; please keep this tab open.",
    "polling_heading": "Waiting for Meta to confirm…",
    "polling_text": (
        "We didn't hear back from the Facebook window, so we're checking with Meta directly. "
        "This can take up to two minutes."
    ),
    "stop_waiting": "Stop waiting",
    "choose_heading": "Choose the number to connect",
    "choose_text": (
        "This WhatsApp Business account has more than one phone number. Pick the one your team will use "
        "with Slack."
    ),
    "choose_button": "Connect this number",
    "success_heading": "Your WhatsApp number is connected",
    "success_text": (
        "Candidates' messages will now appear in Slack. You can close this tab and go back to Slack."
    ),
    "success_numbers": "Connected:",
    "success_channel": "Conversations go to",
    "success_channel_unnamed": "its Slack channel",
    "open_in_slack": "Open in Slack",
    "open_in_browser": "Open in the browser",
    "payment_heading": "Payment method missing — messages can't be sent",
    "payment_before_link": (
        "Meta says this WhatsApp Business account has no payment method yet, so no message can be sent "
        "from this number. Add one in"
    ),
    "payment_link": "WhatsApp Manager",
    "payment_after_link": (
        "(Overview, then Add payment method), then press Check again on waslack's Home tab in Slack."
    ),
    "error_heading": "We couldn't connect your number",
    "retry_button": "Try again",
    "support_prefix": "If you contact support, include this reference:",
    "quote_label": "Facebook's message",
    "noscript": (
        "This page needs JavaScript to open Facebook's sign-in window. "
        "You can continue in this tab instead:"
    ),
    "noscript_link": "Continue with Facebook in this tab",
}

# Sentences connect.js shows for things only the browser sees (seed 000, section 10.1).
# ``{step}``, ``{message}``, ``{session_id}`` and ``{error_code}`` are filled in by the script.
BROWSER = {
    "popup_blocked_heading": "Your browser blocked the Facebook window",
    "popup_blocked": (
        "Allow pop-ups for this page (click the blocked pop-up icon at the right of the address bar), then "
        "click Try again. If you can't change that setting, continue in this tab instead."
    ),
    "popup_blocked_phone": (
        "Phones and tablets often block it. Continue in this tab instead: Facebook opens here and sends you "
        "back to this page when you're done."
    ),
    "redirect_link": "Continue in this tab instead",
    "popup_closed": "You closed the Facebook window before finishing, so nothing was connected. "
                    "Click Continue with Facebook when you're ready to try again.",
    "cancelled": "You closed the Facebook window while {step}, so nothing was connected. "
                 "Click Continue with Facebook when you're ready to start again.",
    "cancelled_unknown_step": "You closed the Facebook window before finishing, so nothing was connected. "
                              "Click Continue with Facebook when you're ready to try again.",
    "meta_error_heading": "Facebook reported a problem",
    "meta_error": "Facebook stopped the sign-up with this message:",
    "meta_error_next": "Click Try again. If the same message comes back, contact support and include the "
                       "reference below.",
    "meta_error_no_message": "Facebook stopped the sign-up without saying why. Click Try again; if it "
                             "happens again, contact support.",
    "meta_error_support": "Facebook session ID {session_id} (error code {error_code})",
    "meta_error_support_no_code": "Facebook session ID {session_id}",
    "network": "We couldn't reach waslack. Check your internet connection, then click Try again.",
    "server": "Something went wrong on our side. Click Try again in a minute; if it keeps happening, "
              "contact support.",
    "sdk_failed_heading": "Facebook sign-in didn't load",
    "sdk_failed": "A browser extension or privacy setting may be blocking it. Continue in this tab instead, "
                  "or reload the page.",
    "poll_timeout": "We didn't get a confirmation from Meta. If you closed the Facebook window before the "
                    "last step, nothing was connected: click Continue with Facebook to try again.",
    "choose_missing": "Pick one of the numbers first.",
    "number_label": "{number} · {name}",
}

# Embedded Signup's CANCEL ``current_step`` values (reference 1.4), as "while …" phrases.
STEPS = {
    "BUSINESS_ACCOUNT_SELECTION": "choosing your business portfolio",
    "WABA_PHONE_PROFILE_PICKER": "choosing a WhatsApp Business account and phone number",
    "WHATSAPP_BUSINESS_PROFILE_SETUP": "setting up your WhatsApp Business profile",
    "PHONE_NUMBER_SETUP": "adding your phone number",
    "PHONE_NUMBER_VERIFICATION": "verifying your phone number",
    "PERMISSIONS": "reviewing the permissions for waslack",
}

# ---- connect links (GET /connect and the redirect callback) ---------------------------------------------

LINK_HEADINGS = {
    LinkProblem.FORGED: "This link doesn't work",
    LinkProblem.EXPIRED: "This link has expired",
    LinkProblem.USED: "This link has already been used",
}

LINK_TEXT = {
    LinkProblem.FORGED: "It may have been copied incompletely or changed. " + SLACK_RESTART,
    LinkProblem.EXPIRED: "For your security, connect links work for 15 minutes. " + SLACK_RESTART,
    LinkProblem.USED: (
        "Each connect link works once. If you just connected a number, you're done: check Slack. "
        f"To connect another number, go back to waslack's Home tab in Slack and click {SLACK_CONNECT_BUTTON} "
        "again."
    ),
}

USED_AFTER_FAILURE = "Its attempt didn't connect a number, and each connect link works once. " + SLACK_RESTART

MISSING_TOKEN_HEADING = "This link is incomplete"
MISSING_TOKEN = "The link has no security token. " + SLACK_RESTART

# ---- claim problems (seed 000, sections 10.2 and 10.3) ---------------------------------------------------

PROBLEMS = {
    ClaimProblem.LINK_FORGED: "This connect link isn't valid. " + SLACK_RESTART,
    ClaimProblem.LINK_EXPIRED: "This connect link has expired (links work for 15 minutes). " + SLACK_RESTART,
    ClaimProblem.LINK_USED: (
        "This connect link has already been used. If you just connected a number, you're done: check Slack. "
        f"To connect another number, go back to waslack's Home tab in Slack and click {SLACK_CONNECT_BUTTON} "
        "again."
    ),
    ClaimProblem.CODE_REJECTED: (
        "Meta didn't accept the sign-in: the code it hands over is valid for only 30 seconds and works once. "
        "Click Try again to go through the Facebook steps once more."
    ),
    ClaimProblem.TOKEN_INVALID: (  # Meta 190
        "Meta says the access it just granted is no longer valid, so the number couldn't be connected. "
        "Please reconnect: click Try again, or start again from Slack with " + SLACK_CONNECT_BUTTON + "."
    ),
    ClaimProblem.PERMISSIONS: (  # Meta 10 / 200
        "Meta didn't give waslack the permissions it needs. Click Try again and leave every permission "
        "switched on at the last step. If you aren't an admin of your company's business portfolio, ask "
        "an admin to connect the number."
    ),
    ClaimProblem.RATE_LIMITED: (  # Meta 4 / 80007
        "Meta is limiting requests for this account right now. Wait a few minutes, then click Try again."
    ),
    ClaimProblem.WRONG_APP: (
        "Facebook granted access to a different Meta app than this waslack installation uses. "
        "Ask whoever set up waslack to check its Meta app settings."
    ),
    ClaimProblem.NO_WABA_GRANTED: (
        "No WhatsApp Business account was shared with waslack. Click Try again and select (or create) "
        "an account when Facebook asks."
    ),
    ClaimProblem.WABA_MISMATCH: (
        "The WhatsApp Business account this page reported isn't one Meta shared with waslack, so nothing "
        "was connected. " + SLACK_RESTART
    ),
    ClaimProblem.NUMBER_MISMATCH: (
        "That phone number isn't part of the WhatsApp Business account you shared, so nothing was "
        "connected. Start again and pick a number from that account."
    ),
    ClaimProblem.NO_NUMBERS: (
        "The WhatsApp Business account you shared has no phone number yet. Click Try again and add a "
        "number when Facebook asks for one."
    ),
    ClaimProblem.NUMBER_TAKEN: (
        "This phone number is already connected to another Slack workspace. Disconnect it there first, "
        "then click Try again."
    ),
    ClaimProblem.REGISTRATION_FAILED: (
        "Meta wouldn't switch this number on for messaging. If two-step verification is turned on for the "
        "number, turn it off in WhatsApp Manager, then click Try again. If it still fails, contact support "
        "with the reference below."
    ),
    ClaimProblem.META_UNAVAILABLE: (
        "Meta isn't responding right now. Wait a minute, then click Try again."
    ),
    ClaimProblem.META_ERROR: (
        "Meta answered with an unexpected error. Click Try again; if it happens again, contact support "
        "with the reference below."
    ),
    ClaimProblem.INTERNAL: (
        "Something went wrong on our side. Click Try again in a minute; if it keeps happening, contact "
        "support."
    ),
}

WARNINGS = {
    ClaimWarning.SUBSCRIPTION_PENDING: (
        "Meta hasn't confirmed message delivery for this account yet. We'll keep trying in the background; "
        "the first messages may take a few minutes to reach Slack."
    ),
    ClaimWarning.REGISTRATION_WAIT: (
        "Meta has paused activating this number for up to 72 hours because it was registered too many "
        "times recently. We'll finish automatically when the wait is over; until then you can't message "
        "candidates from it."
    ),
    ClaimWarning.NO_CHANNEL: (
        "We couldn't create a Slack channel for this number. Pick a channel for it in waslack's Home tab "
        "in Slack."
    ),
    ClaimWarning.PAYMENT_MISSING: (
        "Payment method missing — messages can't be sent. Add one in WhatsApp Manager (Overview, then Add "
        "payment method)."
    ),
    ClaimWarning.MESSAGING_BLOCKED: (
        "Meta is blocking messages from this number. WhatsApp Manager says why; once it's fixed, press Check "
        "again on waslack's Home tab in Slack."
    ),
}

CONNECTED = "Your WhatsApp number is connected."
CHOOSE_NUMBER = PAGE["choose_text"]

# ---- requests the page (or anyone) sent badly ------------------------------------------------------------

REQUEST_PROBLEMS = {
    "too_large": "The request was too large.",
    "unsupported_media_type": "The request must be JSON (Content-Type: application/json).",
    "bad_json": "The request body isn't valid JSON.",
    "missing_fields": "The request is missing {fields}.",
    "cross_origin": "This request didn't come from the connect page.",
    "too_many_requests": "Too many attempts from your network. Wait a minute, then try again.",
    "bad_after": "The 'after' time isn't an ISO 8601 date and time.",
    "bad_session_info": "'session_info' must be an object or null.",
}

# ---- the redirect fallback (GET /connect/callback) -------------------------------------------------------

CALLBACK_CANCELLED_HEADING = "Nothing was connected"
CALLBACK_CANCELLED = (
    "You cancelled on Facebook, so nothing was connected. Click Continue with Facebook when you're ready to "
    "start again."
)
CALLBACK_ERROR_HEADING = "Facebook didn't finish connecting"
CALLBACK_ERROR_NEXT = "Nothing was connected. Click Try again to go through the Facebook steps once more."
CALLBACK_ERROR_NO_MESSAGE = "Facebook sent us back without saying why."
# Our own words for the OAuth ``error`` Facebook sends back (RFC 6749 section 4.1.2.1 codes). Whatever
# else the address says (error_description, error_message) is never shown: anyone can write it.
CALLBACK_ERRORS = {
    "access_denied": "Facebook says waslack wasn't given access, so nothing was connected.",
    "server_error": "Facebook had a problem on its side, so nothing was connected.",
    "temporarily_unavailable": "Facebook is busy right now, so nothing was connected. Wait a minute first.",
    "invalid_request": (
        "Facebook refused the sign-in request; waslack's Meta app settings may be wrong. If it happens again, "
        "ask whoever set up waslack to check them."
    ),
    "invalid_scope": (
        "Facebook refused the permissions waslack asked for; waslack's Meta app settings may be wrong. If it "
        "happens again, ask whoever set up waslack to check them."
    ),
    "unauthorized_client": (
        "Facebook doesn't let this waslack installation use Embedded Signup yet. Ask whoever set up waslack "
        "to check its Meta app."
    ),
    "unsupported_response_type": (
        "Facebook refused the sign-in request; waslack's Meta app settings may be wrong. Ask whoever set up "
        "waslack to check them."
    ),
}
CALLBACK_ERROR_CANCEL_CODES = {"4201"}  # Facebook's "User canceled the Dialog flow"
CALLBACK_ERROR_SUPPORT = "Facebook error {error}"
CALLBACK_ERROR_SUPPORT_CODE = "code {code}"
CALLBACK_MISSING_HEADING = "This page is only for Facebook's sign-in"
CALLBACK_MISSING = (
    "It opens after the Facebook steps and needs the details Facebook adds to it. " + SLACK_RESTART
)


def problem_text(problem: ClaimProblem | None) -> str:
    """What the recruiter should read (and do) about ``problem``."""
    return PROBLEMS.get(problem, PROBLEMS[ClaimProblem.INTERNAL]) if problem else ""


def warning_text(warning: ClaimWarning) -> str:
    return WARNINGS.get(warning, "")


def number_label(display_phone_number: str | None, verified_name: str | None, phone_number_id: str) -> str:
    """How a phone number is shown: "+1 555-013-4567 · Acme Recruiting"."""
    number = display_phone_number or f"Number {phone_number_id}"
    return BROWSER["number_label"].format(number=number, name=verified_name) if verified_name else number


def browser_text() -> dict[str, object]:
    """The wording connect.js needs, rendered into the page's config block."""
    return {**BROWSER, "steps": STEPS, "page": PAGE}
