"""A small stand-in for the Graph endpoints the claim calls, behind httpx.MockTransport.

Used by the HTTP-level tests until (and besides) the full Meta simulator: it knows single-use codes,
business tokens, WABAs with numbers, and can be told to fail one route with a Meta error code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx

APP_ID = "1234567890"


@dataclass
class FakeWaba:
    id: str
    numbers: list[dict] = field(default_factory=list)
    owner: dict = field(default_factory=lambda: {"id": "BIZ1", "name": "Acme Holdings"})


@dataclass
class FakeGraph:
    api_version: str = "v24.0"
    wabas: dict[str, FakeWaba] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code -> WABA id it grants
    tokens: dict[str, str] = field(default_factory=dict)  # business token -> WABA id
    failures: dict[str, tuple[int, int]] = field(default_factory=dict)  # route kind -> (HTTP status, code)
    calls: list[str] = field(default_factory=list)
    exchange_params: list[dict] = field(default_factory=list)

    def add_waba(self, waba_id: str, *numbers: tuple[str, str, str], on_biz_app: bool = False,
                 owner_business_id: str = "BIZ1") -> FakeWaba:
        waba = FakeWaba(waba_id, [
            {"id": pnid, "display_phone_number": display, "verified_name": name, "quality_rating": "GREEN",
             "is_on_biz_app": on_biz_app}
            for pnid, display, name in numbers
        ], owner={"id": owner_business_id, "name": f"Business {owner_business_id}"})
        self.wabas[waba_id] = waba
        return waba

    def issue_code(self, waba_id: str) -> str:
        code = f"code-{len(self.codes) + 1}-{waba_id}"
        self.codes[code] = waba_id
        return code

    def fail(self, kind: str, http_status: int, code: int) -> None:
        self.failures[kind] = (http_status, code)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _error(self, kind: str) -> httpx.Response | None:
        if kind not in self.failures:
            return None
        status, code = self.failures[kind]
        body = {"error": {"message": f"simulated {kind} failure", "type": "OAuthException", "code": code,
                          "fbtrace_id": "TRACE123"}}
        return httpx.Response(status, json=body)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(f"/{self.api_version}")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        params = dict(request.url.params)
        if path == "/oauth/access_token":
            kind = "exchange"
        elif path == "/debug_token":
            kind = "debug_token"
        elif re.fullmatch(r"/[^/]+/phone_numbers", path):
            kind = "phone_numbers"
        elif re.fullmatch(r"/[^/]+/subscribed_apps", path):
            kind = "subscribe"
        elif re.fullmatch(r"/[^/]+/register", path):
            kind = "register"
        elif path.strip("/") in self.wabas:
            kind = "waba"
        else:
            kind = "phone_number"
        self.calls.append(kind)
        if (error := self._error(kind)) is not None:
            return error
        if kind == "exchange":
            self.exchange_params.append(params)
            waba_id = self.codes.pop(params.get("code", ""), None)
            if waba_id is None:
                return httpx.Response(400, json={"error": {"message": "Invalid verification code format.",
                                                           "type": "OAuthException", "code": 100}})
            business_token = f"EAAB-{waba_id}-{len(self.tokens)}"
            self.tokens[business_token] = waba_id
            return httpx.Response(200, json={"access_token": business_token, "token_type": "bearer"})
        if kind == "debug_token":
            waba_id = self.tokens.get(params.get("input_token", ""))
            data = {"app_id": APP_ID, "is_valid": waba_id is not None, "expires_at": 0, "user_id": "77",
                    "type": "SYSTEM_USER",
                    "granular_scopes": [{"scope": "whatsapp_business_management",
                                         "target_ids": [waba_id] if waba_id else []}]}
            return httpx.Response(200, json={"data": data})
        if token not in self.tokens:
            return httpx.Response(401, json={"error": {"message": "Invalid OAuth access token.",
                                                       "type": "OAuthException", "code": 190}})
        if kind == "phone_numbers":
            waba = self.wabas[path.split("/")[1]]
            return httpx.Response(200, json={"data": [
                {k: v for k, v in n.items() if k != "is_on_biz_app"} for n in waba.numbers]})
        if kind in ("subscribe", "register"):
            if kind == "register":
                body = json.loads(request.content)
                assert re.fullmatch(r"\d{6}", body["pin"])
            return httpx.Response(200, json={"success": True})
        if kind == "waba":  # GET /{waba-id}?fields=id,name,owner_business_info
            waba = self.wabas[path.strip("/")]
            values = {"id": waba.id, "name": f"WABA {waba.id}", "owner_business_info": waba.owner}
            fields = params.get("fields", "id,name").split(",")
            return httpx.Response(200, json={k: v for k, v in values.items() if k in fields})
        pnid = path.strip("/")
        for waba in self.wabas.values():
            for number in waba.numbers:
                if number["id"] == pnid:
                    return httpx.Response(200, json=number)
        return httpx.Response(404, json={"error": {"message": "Unknown path", "code": 100}})
