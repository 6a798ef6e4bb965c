"""A real HTTP front in front of moto's server: it answers, in AWS's wire format, the few operations moto
does not implement (from fixture data), enforces the audit role's IAM policy, can throttle or drop an
operation on purpose, and records every operation it sees. Everything else is forwarded to moto as is.

boto3 talks to the front exactly as it talks to AWS: it signs, sends HTTP, and parses a real response.
"""

from __future__ import annotations

import http.client
import importlib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assay.sandbox import aws_wire as wire
from assay.sandbox.aws_answers import ANSWERS

DEFAULT_ACCOUNT = "123456789012"  # moto's account for credentials it did not issue
HOP_HEADERS = frozenset({"transfer-encoding", "connection", "keep-alive", "content-length", "server", "date"})
_ASSUMED_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")

# Every operation any front in this process saw, with who called it: the permissions test reads this.
OPERATION_LOG: list[tuple[str, str, str]] = []  # (principal kind, service, operation)
_log_lock = threading.Lock()


@dataclass
class Principal:
    kind: str  # "collector" | "seeder" | "other"
    account: str
    arn: str
    role: str | None = None


@dataclass
class FrontState:
    """What the front knows beyond moto: fixture answers, the audit role's policy, injected faults."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # "account/region" or account -> data
    collector_keys: set[str] = field(default_factory=set)
    seeder_keys: set[str] = field(default_factory=set)
    audit_role: str | None = None
    allowed_actions: frozenset[str] = frozenset()
    action_of: dict[tuple[str, str], str] = field(default_factory=dict)  # (service, op) -> IAM action
    throttle: Counter[str] = field(default_factory=Counter)  # "service:Operation" -> failures left
    unsupported: set[str] = field(default_factory=set)  # "service:Operation"


class Front:
    """The front server. ``url`` is what boto3's ``endpoint_url`` points at."""

    def __init__(self, moto_port: int, state: FrontState) -> None:
        self.moto_port = moto_port
        self.state = state
        self.log: list[tuple[str, str, str]] = []
        self._assumed: dict[str, Principal] = {}
        self._lock = threading.Lock()
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def log_message(self, *args: Any) -> None:  # quiet: tests and the demo read no access log
                pass

            def _handle(self) -> None:
                body = _read_body(self)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out_headers, payload = front.handle(self.command, self.path, headers, body)
                self.send_response(status)
                for key, value in out_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="assay-aws-front",
            daemon=True,
        )

    def start(self) -> Front:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing --------------------------------------------------------------------------------------------

    def principal(self, access_key: str) -> Principal:
        with self._lock:
            assumed = self._assumed.get(access_key)
        if assumed:
            return assumed
        kind = (
            "collector"
            if access_key in self.state.collector_keys
            else ("seeder" if access_key in self.state.seeder_keys else "other")
        )
        return Principal(kind, DEFAULT_ACCOUNT, f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/{kind}")

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        call = wire.identify(method, path, headers, body)
        if call is None or not call.service:
            return self._forward(method, path, headers, body)
        who = self.principal(call.access_key)
        entry = (who.kind, call.service, call.operation)
        self.log.append(entry)
        with _log_lock:
            OPERATION_LOG.append(entry)
        key = f"{call.service}:{call.operation}"
        if who.role and who.role == self.state.audit_role:
            action = self.state.action_of.get((call.service, call.operation)) or key
            if action not in self.state.allowed_actions:
                return wire.access_denied(call, action, who.arn)
        with self._lock:
            if self.state.throttle.get(key, 0) > 0:
                self.state.throttle[key] -= 1
                return wire.throttled(call)
        if key in self.state.unsupported:
            return wire.unknown_operation(call)
        answer = ANSWERS.get(key)
        if answer is not None:
            request = json.loads(body or b"{}") if call.protocol in ("json", "rest-json") else {}
            payload = answer(self.state.answers, who.account, call.region, request)
            return wire.ok(call, payload)
        if (
            call.protocol in ("json", "query")
            and call.operation
            and not moto_implements(call.service, call.operation)
        ):
            return wire.unknown_operation(call)
        status, out_headers, payload = self._forward(method, path, headers, body)
        if call.operation == "AssumeRole" and status == 200:
            self._learn(body, payload, who)
        if (
            status == 404
            and call.protocol.startswith("rest")
            and payload.lstrip().startswith(b"<!doctype html")
        ):
            return wire.unknown_operation(call)
        return status, out_headers, payload

    def _learn(self, request: bytes, response: bytes, caller: Principal) -> None:
        """Remember which account and role the credentials AssumeRole just issued belong to."""
        from urllib.parse import parse_qs

        arn = (parse_qs(request.decode()).get("RoleArn") or [""])[0]
        found = _ASSUMED_KEY.search(response)
        if not arn or not found:
            return
        account, role = arn.split(":")[4], arn.rsplit("/", 1)[-1]
        with self._lock:
            self._assumed[found.group(1).decode()] = Principal(caller.kind, account, arn, role)

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.moto_port, timeout=60)
        try:
            send = {
                k: v
                for k, v in headers.items()
                if k not in ("transfer-encoding", "connection", "content-length")
            }
            send["content-length"] = str(len(body))
            conn.request(method, path, body=body, headers=send)
            resp = conn.getresponse()
            payload = resp.read()
            out = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS}
            return resp.status, out, payload
        finally:
            conn.close()


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


@cache
def moto_implements(service: str, operation: str) -> bool:
    """Whether moto's server has a handler for a JSON or query operation (it answers 500 when not)."""
    from botocore import xform_name

    try:
        module = importlib.import_module(f"moto.{service}.responses")
    except ImportError:
        return False
    method = xform_name(operation)
    return any(isinstance(obj, type) and hasattr(obj, method) for obj in vars(module).values())
