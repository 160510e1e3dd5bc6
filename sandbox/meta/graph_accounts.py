"""Graph routes for onboarding and account management: OAuth, debug_token, WABAs, numbers, templates."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from . import registration
from .errors import MetaError, invalid_parameter, unsupported
from .graph import access_token, authenticate, json_body, ok
from .media import media_info
from .onboarding import debug_token_data, exchange_code
from .paging import paginate, pick, requested_fields
from .state import MetaWorld, PhoneNumber, Template, Waba
from .templates import TEMPLATE_STATUSES

NUMBER_FIELDS = (
    "id", "display_phone_number", "verified_name", "status", "quality_rating", "code_verification_status",
    "name_status", "new_name_status", "platform_type", "is_on_biz_app", "throughput", "webhook_configuration",
    "country_code", "country_dial_code", "account_mode", "host_platform", "is_official_business_account",
    "messaging_limit_tier", "whatsapp_business_manager_messaging_limit", "last_onboarded_time",
    "unified_cert_status", "is_pin_enabled", "search_visibility", "health_status",
)  # fmt: skip
NUMBER_LIST_DEFAULT = (
    "verified_name", "code_verification_status", "display_phone_number", "quality_rating", "platform_type",
    "throughput", "webhook_configuration", "id",
)  # fmt: skip
NUMBER_NODE_DEFAULT = ("id", "display_phone_number", "verified_name", "quality_rating")
TEMPLATE_FIELDS = (
    "id", "name", "language", "status", "category", "parameter_format", "components", "rejected_reason",
    "previous_category", "sub_category", "quality_score",
)  # fmt: skip
TEMPLATE_DEFAULT = ("name", "parameter_format", "components", "language", "status", "category", "id")
WABA_FIELDS = (
    "id", "name", "currency", "timezone_id", "message_template_namespace", "account_review_status",
    "business_verification_status", "country", "ownership_type", "on_behalf_of_business_info",
    "owner_business_info",
)  # fmt: skip
WABA_DEFAULT = ("id", "name", "currency", "timezone_id", "message_template_namespace")


# Health status API: a WABA without a payment method is BLOCKED with this error (Meta's OpenAPI example).
PAYMENT_METHOD_ERROR = {
    "error_code": 141006,
    "error_description": "There is an error with the payment method. This will block business initiated "
    "conversations.",
    "possible_solution": "There was an error with your payment method. Please add a new payment method to the "
    "account.",
}
CAN_SEND_ORDER = ("AVAILABLE", "LIMITED", "BLOCKED")


def health_values(world: MetaWorld, number: PhoneNumber) -> dict:
    """``health_status`` of a number: its own, its WABA's, business's and app's; overall the worst of them."""
    waba = world.wabas[number.waba_id]
    waba_entity: dict = {"entity_type": "WABA", "id": waba.id, "can_send_message": "AVAILABLE"}
    if not waba.payment_method:
        waba_entity.update(can_send_message="BLOCKED", errors=[dict(PAYMENT_METHOD_ERROR)])
    entities = [
        {"entity_type": "PHONE_NUMBER", "id": number.id, "can_send_message": "AVAILABLE"},
        waba_entity,
        {"entity_type": "BUSINESS", "id": waba.business_id, "can_send_message": "AVAILABLE"},
        {"entity_type": "APP", "id": world.config.app_id, "can_send_message": "AVAILABLE"},
    ]
    overall = max((e["can_send_message"] for e in entities), key=CAN_SEND_ORDER.index)
    return {"can_send_message": overall, "entities": entities}


def number_values(world: MetaWorld, number: PhoneNumber) -> dict:
    """Every field Graph can return for a business phone number."""
    return {
        "id": number.id,
        "display_phone_number": number.display_phone_number,
        "verified_name": number.verified_name,
        "status": number.status,
        "quality_rating": number.quality_rating,
        "code_verification_status": number.code_verification_status,
        "name_status": number.name_status,
        "new_name_status": "NONE",
        "platform_type": number.platform_type,
        "is_on_biz_app": number.is_on_biz_app,
        "throughput": {"level": "COEXISTENCE" if number.is_on_biz_app else "STANDARD"},
        "webhook_configuration": {"application": world.config.webhook_url}
        if world.config.webhook_url
        else None,
        "country_code": "US",
        "country_dial_code": "1",
        "account_mode": "LIVE",
        "host_platform": "CLOUD_API",
        "is_official_business_account": False,
        "messaging_limit_tier": "TIER_250",
        "whatsapp_business_manager_messaging_limit": "TIER_250",
        "last_onboarded_time": world.now_iso(number.created_at),
        "unified_cert_status": "APPROVED",
        "is_pin_enabled": number.pin is not None,
        "search_visibility": "VISIBLE",
        "health_status": health_values(world, number),
    }


def template_values(template: Template) -> dict:
    return {
        "id": template.id,
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "components": template.components,
        "rejected_reason": template.rejected_reason or "NONE",
        "previous_category": None,
        "sub_category": None,
        "quality_score": {"score": "UNKNOWN"},
    }


def waba_values(world: MetaWorld, waba: Waba) -> dict:
    """Every field Graph can return for a WABA; the client business that onboarded it owns it."""
    owner = {"id": waba.business_id, "name": world.businesses[waba.business_id].name}
    return {
        "id": waba.id,
        "name": waba.name,
        "currency": waba.currency,
        "timezone_id": waba.timezone_id,
        "message_template_namespace": waba.namespace,
        "account_review_status": "APPROVED",
        "business_verification_status": "verified",
        "country": "US",
        "ownership_type": "CLIENT_OWNED",
        "on_behalf_of_business_info": owner,
        "owner_business_info": owner,
    }


async def oauth_access_token(request: Request, world: MetaWorld) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update({k: str(v) for k, v in (await request.form()).items()})
    return ok(
        exchange_code(
            world,
            client_id=params.get("client_id"),
            client_secret=params.get("client_secret"),
            code=params.get("code"),
            redirect_uri=params.get("redirect_uri"),
        )
    )


async def debug_token(request: Request, world: MetaWorld) -> Response:
    caller = access_token(request)
    config = world.config
    if caller != config.app_token:
        token = authenticate(request, world)
        if token.kind != "system":
            raise MetaError(
                100,
                "(#100) You must provide an app access token, or a user access token that is an owner or "
                "developer of the app",
                whatsapp=False,
            )
    input_token = request.query_params.get("input_token")
    if not input_token:
        raise MetaError(100, "(#100) The parameter input_token is required", whatsapp=False)
    return ok({"data": debug_token_data(world, input_token)})


def node_endpoint(request: Request, world: MetaWorld) -> str | None:
    """Fault name for ``/{node_id}``: it is a phone number or a media object (or a WABA, not faultable)."""
    node_id = request.path_params["node_id"]
    if node_id in world.numbers:
        return "phone_number"
    if node_id in world.media:
        return "media"
    return None


async def get_node(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    node_id = request.path_params["node_id"]
    fields = request.query_params.get("fields")
    if node_id in world.numbers:
        number = world.number_for(token, node_id, "GET")
        chosen = requested_fields(fields, NUMBER_FIELDS, NUMBER_NODE_DEFAULT, "WhatsAppBusinessPhoneNumber")
        return ok(pick(number_values(world, number), chosen))
    if node_id in world.media:
        media = world.media_for(token, node_id, "GET")
        number_filter = request.query_params.get("phone_number_id")
        if number_filter and number_filter != media.phone_number_id:
            raise unsupported("GET", node_id)
        return ok(media_info(world, media))
    waba = world.waba_for(token, node_id, "GET")
    chosen = requested_fields(fields, WABA_FIELDS, WABA_DEFAULT, "WhatsAppBusinessAccount")
    return ok(pick(waba_values(world, waba), chosen))


async def post_node(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    number = world.number_for(token, request.path_params["node_id"], "POST")
    return ok(registration.set_pin(number, await json_body(request)))


async def phone_numbers(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    waba = world.waba_for(token, request.path_params["node_id"], "GET")
    chosen = requested_fields(
        request.query_params.get("fields"), NUMBER_FIELDS, NUMBER_LIST_DEFAULT, "WhatsAppBusinessPhoneNumber"
    )
    page, paging = paginate(request, world.waba_numbers(waba.id), lambda n: n.id, world.config.origin)
    body: dict = {"data": [pick(number_values(world, n), chosen) for n in page]}
    if paging:
        body["paging"] = paging
    return ok(body)


async def subscribed_apps(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    waba = world.waba_for(token, request.path_params["node_id"], request.method)
    app_id = world.config.app_id
    if request.method == "GET":
        subscription = waba.subscriptions.get(app_id)
        if subscription is None:
            return ok({"data": []})
        entry: dict = {
            "whatsapp_business_api_data": {
                "id": app_id,
                "link": f"https://www.facebook.com/games/?app_id={app_id}",
                "name": f"Simulated app {app_id}",
            }
        }
        if subscription.get("override_callback_uri"):
            entry["override_callback_uri"] = subscription["override_callback_uri"]
        return ok({"data": [entry]})
    if request.method == "DELETE":
        waba.subscriptions.pop(app_id, None)
        return ok({"success": True})
    body = await json_body(request, empty={})
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    for key in body:
        if key not in ("override_callback_uri", "verify_token"):
            raise MetaError(100, f'(#100) Unexpected key "{key}" on param "".')
    uri = body.get("override_callback_uri")
    if uri is not None and (
        not str(uri).startswith("https://") or len(str(uri)) > 200 or not body.get("verify_token")
    ):
        raise invalid_parameter(
            "override_callback_uri must be an https URL (max 200 characters) with a verify_token."
        )
    waba.subscriptions[app_id] = {k: v for k, v in body.items() if v}  # an empty body removes an override
    return ok({"success": True})


async def register(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    number = world.number_for(token, request.path_params["node_id"], "POST")
    return ok(registration.register(world, number, await json_body(request)))


async def deregister(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    number = world.number_for(token, request.path_params["node_id"], "POST")
    return ok(registration.deregister(world, number, await json_body(request)))


async def message_templates(request: Request, world: MetaWorld) -> Response:
    token = authenticate(request, world)
    waba = world.waba_for(token, request.path_params["node_id"], "GET")
    params = request.query_params
    chosen = requested_fields(
        params.get("fields"), TEMPLATE_FIELDS, TEMPLATE_DEFAULT, "WhatsAppMessageTemplate"
    )
    templates = world.waba_templates(waba.id)
    if params.get("status"):
        wanted = {s.strip().upper() for s in params["status"].split(",")}
        if unknown := wanted - TEMPLATE_STATUSES:
            raise invalid_parameter(f"Param status has unknown values {sorted(unknown)}.")
        templates = [t for t in templates if t.status in wanted]
    if params.get("name"):
        templates = [t for t in templates if params["name"] in t.name]  # Graph matches names partially
    for key in ("language", "category"):
        if params.get(key):
            templates = [t for t in templates if getattr(t, key).upper() == params[key].upper()]
    page, paging = paginate(request, templates, lambda t: t.id, world.config.origin)
    body: dict = {"data": [pick(template_values(t), chosen) for t in page]}
    if paging:
        body["paging"] = paging
    return ok(body)
