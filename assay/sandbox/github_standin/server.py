"""The stand-in's HTTP front: GitHub Enterprise Server style paths on 127.0.0.1, HTTP/1.1 keep-alive.

REST lives under ``/api/v3`` and GraphQL at ``/api/graphql`` (PyGithub derives the second from the first).
Every response carries GitHub's rate-limit headers for the resource it used; injected faults (5xx bursts,
secondary limits) are answered before any work is done.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from assay.sandbox.github_standin import payloads
from assay.sandbox.github_standin.graphql_api import run_graphql
from assay.sandbox.github_standin.limits import Fault, Faults, Grant
from assay.sandbox.github_standin.model import Org
from assay.sandbox.github_standin.rest import DOCS, RestResponse, handle_rest

log = logging.getLogger(__name__)

REST_PREFIX = "/api/v3"
GRAPHQL_PATH = "/api/graphql"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach "
    "out to GitHub Support for help, please include the request ID {rid}."
)


@dataclass
class App:
    """A registered GitHub App: its public key verifies the JWT that asks for an installation token."""

    app_id: int
    public_key: str
    installations: dict[int, dict[str, str]]  # installation id -> permissions


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int
    points: int = 0
    started: float = 0.0  # time.monotonic() when the request was read, and when its answer was written:
    ended: float = 0.0  # tests see which requests were in flight together
    variables: dict[str, Any] | None = None  # a GraphQL request's variables


@dataclass
class StandInState:
    orgs: dict[str, Org]
    tokens: dict[str, Grant] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    log: list[RequestRecord] = field(default_factory=list)
    base: str = ""
    latency: float = 0.0  # seconds every request is held before it is answered (GitHub's round trip)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, rec: RequestRecord) -> None:
        with self.lock:
            self.log.append(rec)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    # Headers and body are two writes: with Nagle's algorithm a small body would wait for the client's
    # delayed ACK (40 ms on Linux), a stall GitHub's front end does not have.
    disable_nagle_algorithm = True
    state: StandInState
    started: float = 0.0
    variables: dict[str, Any] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("github stand-in: " + format, *args)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        """Dispatch; a bug in the stand-in answers 500 with its cause instead of dropping the connection."""
        self.started, self.variables = time.monotonic(), None
        try:
            self._dispatch(method)
        except Exception as exc:
            log.warning("github stand-in failed on %s %s", method, self.path, exc_info=True)
            cause = (str(exc).splitlines() or [""])[0]
            body = {"message": f"stand-in error: {type(exc).__name__}: {cause}"}
            self._send(method, urlsplit(self.path).path, 500, body, {}, "STANDIN-ERROR")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.state.latency:
            time.sleep(self.state.latency)
        rid = secrets.token_hex(8).upper()
        fault = self.state.faults.take(path)
        if fault is not None:
            self._fault(method, path, fault, rid)
            return
        if method == "POST" and path.startswith(f"{REST_PREFIX}/app/installations/"):
            self._installation_token(path, rid)
            return
        grant = self._grant()
        if grant is None:
            body = payloads.basic_error("Bad credentials", DOCS, 401)
            self._send(method, path, 401, body, {}, rid)
            return
        if method == "POST" and path == GRAPHQL_PATH:
            self._graphql(raw, grant, rid)
            return
        if not path.startswith(REST_PREFIX + "/"):
            self._send(method, path, 404, payloads.basic_error("Not Found", DOCS, 404), {}, rid)
            return
        if not grant.core.charge(1):
            self._exhausted(method, path, grant, "core", rid)
            return
        resp: RestResponse = handle_rest(
            method, path[len(REST_PREFIX) :], query, self.state.orgs, grant, self.state.base + REST_PREFIX
        )
        headers = {**resp.headers, **_rate_headers(grant, "core")}
        self._send(method, path, resp.status, resp.body, headers, rid)

    # -- the parts -----------------------------------------------------------------------------------

    def _grant(self) -> Grant | None:
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.state.tokens.get(token.strip())

    def _graphql(self, raw: bytes, grant: Grant, rid: str) -> None:
        try:
            payload = json.loads(raw or b"null")
        except json.JSONDecodeError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("variables"), dict):
            self.variables = payload["variables"]
        result = run_graphql(payload, self.state.orgs, grant)
        headers = _rate_headers(grant, "graphql")
        self._send("POST", GRAPHQL_PATH, result.status, result.body, headers, rid, result.cost)

    def _exhausted(self, method: str, path: str, grant: Grant, resource: str, rid: str) -> None:
        body = payloads.basic_error(
            f"API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please "
            f"include the request ID {rid}.",
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            403,
        )
        self._send(method, path, 403, body, _rate_headers(grant, resource), rid)

    def _fault(self, method: str, path: str, fault: Fault, rid: str) -> None:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        message = SECONDARY_MESSAGE.format(rid=rid) if fault.secondary else fault.message
        docs = (
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" if fault.secondary else DOCS
        )
        self._send(
            method, path, fault.status, payloads.basic_error(message, docs, fault.status), headers, rid
        )

    def _installation_token(self, path: str, rid: str) -> None:
        import jwt

        auth = self.headers.get("Authorization", "")
        token = auth.partition(" ")[2].strip()
        try:
            installation = int(path.rstrip("/").split("/")[-2])
            claims = jwt.decode(token, options={"verify_signature": False})
            app = self.state.apps[int(claims["iss"])]
            jwt.decode(token, app.public_key, algorithms=["RS256"])
            permissions = app.installations[installation]
        except (KeyError, ValueError, jwt.PyJWTError):
            body = payloads.basic_error("A JSON web token could not be decoded", DOCS, 401)
            self._send("POST", path, 401, body, {}, rid)
            return
        minted = "ghs_" + secrets.token_hex(18)
        self.state.tokens[minted] = Grant(kind="app", permissions=dict(permissions))
        expires = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
        body = {
            "token": minted,
            "expires_at": expires.isoformat().replace("+00:00", "Z"),
            "permissions": dict(permissions),
            "repository_selection": "all",
        }
        self._send("POST", path, 201, body, {}, rid)

    def _send(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        headers: dict[str, str],
        rid: str,
        points: int = 0,
    ) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-GitHub-Request-Id", rid)
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        grant = self._grant()
        if grant is not None and grant.kind == "classic":
            self.send_header("X-OAuth-Scopes", ", ".join(sorted(grant.scopes)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        # logged before the answer is written: the span lies within the client's, and the log holds the
        # request by the time the client has its answer
        self.state.record(
            RequestRecord(method, path, status, points, self.started, time.monotonic(), self.variables)
        )
        self.wfile.write(data)


def _rate_headers(grant: Grant, resource: str) -> dict[str, str]:
    window = grant.core if resource == "core" else grant.graphql
    limit, remaining, used, reset = window.snapshot()
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Used": str(used),
        "X-RateLimit-Reset": str(reset),
        "X-RateLimit-Resource": resource,
    }


def serve(state: StandInState) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the server on a free port of 127.0.0.1 in a daemon thread."""
    handler = type("GithubStandInHandler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="github-standin", daemon=True)
    thread.start()
    return server, thread
