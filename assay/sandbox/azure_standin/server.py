"""A local Azure Resource Manager over HTTPS, with the token endpoint of a Microsoft Entra authority.

It serves the paths azure-mgmt-resource's clients call, pages lists with ``nextLink``, answers refusals
with ARM's error bodies (403 AuthorizationFailed, 404 ResourceNotFound / SubscriptionNotFound) and can
throttle a family of requests with 429 (or 503) and ``Retry-After``. Tokens are issued by a real OAuth2
client-credentials exchange, so azure-identity's ClientSecretCredential authenticates as it would in Azure.
"""

from __future__ import annotations

import json
import re
import secrets
import ssl
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from assay.sandbox.azure_standin.estate import ArmEstate
from assay.sandbox.azure_standin.tls import TlsFiles

PAGE_SIZE = 3
ACTIONS = {
    "subscriptions": "Microsoft.Resources/subscriptions/read",
    "resources": "Microsoft.Resources/subscriptions/resources/read",
    "deployments": "Microsoft.Resources/deployments/read",
    "policy": "Microsoft.Authorization/policyAssignments/read",
    "ml": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
    "monitor": "Microsoft.Insights/metricAlerts/read",
    "budgets": "Microsoft.Consumption/budgets/read",
    "defender": "Microsoft.Security/pricings/read",
}


class ArmStandIn:
    """The server; ``url`` is both the ARM base URL and the authority host."""

    def __init__(
        self,
        estate: ArmEstate,
        tls: TlsFiles,
        client_id: str,
        client_secret: str,
        deny: list[str] | None = None,
        throttle: dict[str, int] | None = None,
        throttle_status: int = 429,
        retry_after: str = "1",
    ) -> None:
        self.estate = estate
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: dict[str, str] = {}  # access token -> the audience it was issued for
        self.deny = set(deny or [])
        self.throttle = Counter(throttle or {})
        self.throttle_status, self.retry_after = throttle_status, retry_after
        self.requests: list[tuple[str, str]] = []
        self.responses: list[tuple[str, str, int, Any]] = []  # (method, path, status, body) as sent
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = standin.handle(self.command, self.path, dict(self.headers), body)
                with standin._lock:
                    standin.responses.append((self.command, urlsplit(self.path).path, status, payload))
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("x-ms-request-id", secrets.token_hex(8))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.cert, tls.key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="assay-arm", daemon=True
        )

    def start(self) -> ArmStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing --------------------------------------------------------------------------------------------

    def handle(
        self, method: str, raw: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw)
        path = unquote(parts.path).rstrip(
            "/"
        )  # clients percent-encode names (spaces, non-ASCII) as ARM expects
        query = parse_qs(parts.query)
        lower = path.lower()
        with self._lock:
            self.requests.append((method, path))
        if lower.endswith("/v2.0/.well-known/openid-configuration"):
            return 200, {}, self._openid(path.split("/")[1])
        if lower.endswith("/oauth2/v2.0/token") and method == "POST":
            return self._token(body)
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        audience = self.tokens.get(auth.removeprefix("Bearer "))
        if audience is None:
            return (
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                _error("InvalidAuthenticationToken", "The access token is invalid."),
            )
        if audience.rstrip("/") != self.url:  # ARM accepts only tokens issued for itself
            return (
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                _error(
                    "InvalidAuthenticationTokenAudience",
                    f"The access token has been obtained for wrong audience or resource '{audience}'. It "
                    f"should exactly match with one of the allowed audiences '{self.url}/','{self.url}'.",
                ),
            )
        family = _family(lower)
        if family in self.deny:
            return (
                403,
                {},
                _error(
                    "AuthorizationFailed",
                    (
                        f"The client '{self.client_id}' with object id '{self.client_id}' does not have "
                        f"authorization to perform action '{ACTIONS[family]}' over scope '{path}' or the "
                        "scope is invalid."
                    ),
                ),
            )
        with self._lock:
            if self.throttle.get(family, 0) > 0:
                self.throttle[family] -= 1
                code = "TooManyRequests" if self.throttle_status == 429 else "ServiceUnavailable"
                body = _error(code, "The request was throttled; retry after the given interval.")
                return self.throttle_status, {"Retry-After": self.retry_after}, body
        return self._arm(lower, path, query)

    def _openid(self, tenant: str) -> dict[str, Any]:
        base = f"{self.url}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "issuer": f"{base}/v2.0",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "token"],
            "tenant_region_scope": "EU",
        }

    def _token(self, body: bytes) -> tuple[int, dict[str, str], Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return (
                401,
                {},
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
            )
        token = secrets.token_urlsafe(32)
        with self._lock:  # a v2.0 scope names the resource: `https://management.azure.com/.default`
            self.tokens[token] = form.get("scope", "").split(" ")[0].removesuffix(".default")
        return (
            200,
            {},
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token},
        )

    def _arm(self, lower: str, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        e = self.estate
        if lower == "/subscriptions":
            return self._page(path, query, e.subscriptions)
        m = re.fullmatch(r"/subscriptions/([^/]+)(/.*)?", lower)
        if m and m.group(1) not in e.resources and not lower.startswith("/providers"):
            return (
                404,
                {},
                _error("SubscriptionNotFound", f"The subscription '{m.group(1)}' could not be found."),
            )
        if m:
            sub, rest = m.group(1), m.group(2) or ""
            if rest == "/resources":
                return self._page(path, query, e.resources[sub])
            if rest == "/resourcegroups":
                return self._page(path, query, e.groups[sub])
            if rest == "/providers/microsoft.resources/deployments":
                return self._page(path, query, e.deployments.get((sub, ""), []))
            dm = re.fullmatch(r"/resourcegroups/([^/]+)/providers/microsoft.resources/deployments", rest)
            if dm:
                rg = next((g["name"] for g in e.groups[sub] if g["name"].lower() == dm.group(1)), dm.group(1))
                return self._page(path, query, e.deployments.get((sub, rg), []))
            if rest == "/providers/microsoft.authorization/policyassignments":
                return self._page(path, query, e.assignments.get(sub, []))
            if rest == "/providers/microsoft.consumption/budgets":  # the subscription's and its groups'
                found = [b for (s, _), items in sorted(e.budgets.items()) if s == sub for b in items]
                return self._page(path, query, found)
            bm = re.fullmatch(r"/resourcegroups/([^/]+)/providers/microsoft.consumption/budgets", rest)
            if bm:
                return self._page(path, query, e.budgets.get((sub, bm.group(1)), []))
            if rest == "/providers/microsoft.security/pricings":
                return 200, {}, e.pricings.get(sub, {"value": []})
        if "/providers/microsoft.authorization/policydefinitions/" in lower:
            found = e.definitions.get(lower)
            return (
                (200, {}, found)
                if found
                else (
                    404,
                    {},
                    _error("PolicyDefinitionNotFound", f"The policy definition '{path}' could not be found."),
                )
            )
        found = e.by_id.get(lower)
        if found:
            return 200, {}, found
        return 404, {}, _error("ResourceNotFound", f"The Resource '{path}' was not found.")

    def _page(
        self, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, str], Any]:
        start = int((query.get("$skiptoken") or ["0"])[0])
        page: dict[str, Any] = {"value": items[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(items):
            version = (query.get("api-version") or [""])[0]
            page["nextLink"] = f"{self.url}{path}?api-version={version}&$skiptoken={start + PAGE_SIZE}"
        return 200, {}, page


def _family(lower: str) -> str:
    if lower == "/subscriptions":
        return "subscriptions"
    if "policyassignments" in lower or "policydefinitions" in lower:
        return "policy"
    if "deployments" in lower or lower.endswith("/resourcegroups"):
        return "deployments"
    if "/onlineendpoints/" in lower:
        return "ml"
    if "microsoft.insights/" in lower:
        return "monitor"
    if "microsoft.consumption/budgets" in lower:
        return "budgets"
    if "microsoft.security/pricings" in lower:
        return "defender"
    if lower.endswith("/resources"):
        return "resources"
    return ""


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
