"""Serve recorded answers of real services at their real paths, for replaying them to real client libraries.

A recording is one JSON file (fixtures/recorded/<source>/*.json): the request it answers and the response
the real service gave. The request part only says how to recognise the request (method, path, query
parameters, a GraphQL operation and variables, or an AWS operation); the response part is what the service
sent back, verbatim: status, the headers that matter to a client, and the body (JSON ``body``, raw
``text``, or, for AWS, the operation's ``aws_output`` encoded in the operation's wire protocol).

A request no recording answers gets a 404 naming it, so a replay test sees exactly which call it did not
expect. ``fault`` lets a test answer chosen requests itself (401, 429 with Retry-After, ...) before the
recordings are consulted; ``upstream`` forwards unrecorded requests to another server (a stand-in), so
faults can be put in front of any service.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assay.sandbox.loopback import LoopbackServer

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""

    @property
    def graphql(self) -> dict[str, Any] | None:
        if self.method != "POST" or not self.path.endswith("graphql"):
            return None
        try:
            doc = json.loads(self.body or b"{}")
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None


Fault = Callable[[Request], Answer | None]


@dataclass
class Recording:
    """One recorded exchange: how to recognise the request, and the response the real service gave."""

    name: str
    request: dict[str, Any]
    response: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Recording:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(path.stem, doc["request"], doc["response"])

    def score(self, req: Request) -> int | None:
        """How specifically this recording matches ``req`` (None: it does not)."""
        want = self.request
        if "aws" in want:
            score = _aws_score(want["aws"], req)  # a verbatim wire answer beats an encoded example
            return None if score is None else score + ("text" in self.response)
        if want.get("method", "GET") != req.method:
            return None
        if "path_template" in want:
            if not _template(want["path_template"]).fullmatch(req.path):
                return None
            score = 1
        elif want.get("path") == req.path:
            score = 2
        else:
            return None
        for key, value in (want.get("query") or {}).items():
            values = value if isinstance(value, list) else [value]
            if req.query.get(key) != [str(v) for v in values]:
                return None
            score += 1
        if "json" in want:
            try:
                doc = json.loads(req.body or b"{}")
            except ValueError:
                return None
            for key, value in want["json"].items():
                if not isinstance(doc, dict) or doc.get(key) != value:
                    return None
                score += 1
        if "graphql" in want:
            doc = req.graphql or {}
            text = str(doc.get("query") or "")
            gql = want["graphql"]
            if gql.get("operation") and f"query {gql['operation']}" not in text:
                return None
            variables = doc.get("variables") or {}
            for key, value in (gql.get("variables") or {}).items():
                if variables.get(key) != value:
                    return None
                score += 1
            for snippet in gql.get("contains") or []:
                if snippet not in text:
                    return None
                score += 1
        return score

    def answer(self, req: Request) -> Answer:
        resp = self.response
        headers = dict(resp.get("headers") or {})
        if "aws_output" in resp:
            from assay.sandbox.replay_aws import encode_output

            return encode_output(req, resp["aws_output"], int(resp.get("status", 200)))
        if "text" in resp:
            data = str(resp["text"]).encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            body = resp.get("body")
            if isinstance(body, list) and self.request.get("filter"):
                body = _filtered(body, self.request["filter"], req.query)
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return int(resp.get("status", 200)), headers, data


def _template(path: str) -> re.Pattern[str]:
    """``/orgs/{org}/repos`` as a pattern matching any one segment for each ``{name}``."""
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)))


def _filtered(items: list[Any], filters: dict[str, str], query: dict[str, list[str]]) -> list[Any]:
    """The recorded list as the service filters it: for each filter parameter the request sets
    (comma-separated values, as GitHub's list endpoints take them), keep the items whose field is one of
    them. Items are selected, never changed; without the parameter the recorded list is served whole."""
    kept = items
    for param, dotted in filters.items():
        if param not in query:
            continue
        wanted = {v for value in query[param] for v in value.split(",") if v}
        kept = [item for item in kept if str(_field(item, dotted)) in wanted]
    return kept


def _field(item: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        item = item.get(part) if isinstance(item, dict) else None
    return item


def _aws_score(want: dict[str, Any], req: Request) -> int | None:
    from assay.sandbox.replay_aws import call_of, matches, request_input

    call = call_of(req)
    if call is None or call.service != want["service"] or call.operation != want["operation"]:
        return None
    if not matches(want.get("input"), request_input(req, call)):
        return None
    return 1 + len(want.get("input") or {})


def _raw(req: Request) -> str:
    return req.path + ("?" + req.raw_query if req.raw_query else "")


def load_recordings(*folders: Path, pattern: str = "*.json") -> list[Recording]:
    """Every recording (``pattern``, default ``*.json``) in the folders, in name order."""
    return [Recording.load(p) for folder in folders for p in sorted(folder.glob(pattern))]


@dataclass
class ReplayServer:
    """A loopback server answering from recordings (faults first, then recordings, then ``upstream``)."""

    recordings: Iterable[Recording] = ()
    fault: Fault | None = None
    upstream: str | None = None
    upstream_ca: str | None = None
    tls: tuple[str, str] | None = None  # (certificate, key) to serve HTTPS
    aws_unrecorded: bool = False  # answer unrecorded AWS calls with an AWS error (code NoRecording)
    seen: list[Request] = field(default_factory=list)
    forwarded: list[tuple[Request, Answer]] = field(default_factory=list)  # what ``upstream`` answered

    def __post_init__(self) -> None:
        self.recordings = list(self.recordings)
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    def start(self) -> ReplayServer:
        replay = self

        class Handler(_Handler):
            server_ref = replay

        context = None
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls)
        self._server = LoopbackServer(Handler, "replay-server", tls=context).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return self._server.base_url

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self.seen)

    def handle(self, req: Request) -> Answer:
        with self._lock:
            self.seen.append(req)
        if self.fault is not None:
            answer = self.fault(req)
            if answer is not None:
                return answer
        best: tuple[int, Recording] | None = None
        for rec in self.recordings:
            score = rec.score(req)
            if score is not None and (best is None or score > best[0]):
                best = (score, rec)
        if best is not None:
            return best[1].answer(req)
        if self.aws_unrecorded:
            from assay.sandbox import aws_wire
            from assay.sandbox.replay_aws import call_of

            call = call_of(req)
            if call is not None and call.operation:
                return aws_wire.error(
                    call, "NoRecording", f"no recording answers {call.service}:{call.operation}", 400
                )
        if self.upstream:
            answer = self._forward(req)
            with self._lock:
                self.forwarded.append((req, answer))
            return answer
        body = json.dumps({"message": f"no recording answers {req.method} {_raw(req)}"}).encode()
        return 404, {"Content-Type": "application/json"}, body

    def _forward(self, req: Request) -> Answer:
        parts = urlsplit(self.upstream or "")
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=self.upstream_ca)
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, context=context, timeout=30
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        skip = {"host", "content-length", "connection", "accept-encoding"}
        headers = {k: v for k, v in req.headers.items() if k.lower() not in skip}
        try:
            conn.request(req.method, _raw(req), body=req.body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            hop = {"transfer-encoding", "connection", "content-length", "content-encoding", "date", "server"}
            out = {k: v for k, v in resp.getheaders() if k.lower() not in hop}
            return resp.status, out, data
        finally:
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    server_ref: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = Request(
            self.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            dict(self.headers.items()),
            body,
            parts.query,
        )
        status, headers, data = self.server_ref.handle(req)
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    """A JSON answer for a fault function."""
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()
