"""Replay answers recorded from real Jenkins controllers over HTTP on 127.0.0.1, for the replay tests.

A scenario (``fixtures/recorded/jenkins/scenarios/*.yaml``) says which recorded answer stands for which
request path. The server behaves as Jenkins does where the recordings cannot speak for themselves:

- the request path is percent-decoded exactly once before it is matched, as Jenkins (Jetty + Stapler)
  does, so a name quoted twice (``Test%2520Free%2520Style``) does not match and is answered 404;
- ``tree=`` keeps only the fields it names (plus ``_class``), as the remote API does; a field the
  recording lacks stays absent;
- a job's ``builds[...]`` are the recorded answers of its builds (``/job/<name>/<n>/api/json``), the same
  exported objects Jenkins embeds when a tree asks for build fields;
- what has no recording is 404; ``faults`` answer a status (429 with ``Retry-After``, 403, 500...) a
  given number of times before the recording.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from assay.sandbox.jenkins_tree import apply_tree, parse_tree
from assay.sandbox.loopback import LoopbackServer

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "jenkins"
_BUILD_PATH = re.compile(r"^(?P<job>(?:/job/[^/]+)+)/(?P<number>\d+)/api/json$")


@dataclass
class Fault:
    """Answer ``status`` (with ``headers`` and ``body``) to requests whose path matches, ``times`` times."""

    path: str
    status: int
    times: int | None = None  # None: always
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Scenario:
    """Recorded answers by decoded request path, and the audit's reference time."""

    name: str
    now: datetime
    routes: dict[str, Path]
    version: str | None = None
    faults: list[Fault] = field(default_factory=list)


def load_scenario(name: str, root: Path = RECORDED) -> Scenario:
    """Read ``scenarios/<name>.yaml``; each route names a recording under ``root``."""
    spec = yaml.safe_load((root / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8"))
    routes = {_normal(str(p)): root / str(f) for p, f in (spec.get("routes") or {}).items()}
    for path, file in routes.items():
        if not file.is_file():
            raise FileNotFoundError(f"scenario {name}: route {path} names missing recording {file}")
    faults = [Fault(**f) for f in spec.get("faults") or []]
    now = datetime.fromisoformat(str(spec["now"]).replace("Z", "+00:00"))
    return Scenario(name, now, routes, spec.get("version"), faults)


def _normal(path: str) -> str:
    return "/" + path.strip("/") if path.strip("/") else "/"


class JenkinsReplay:
    """The replay server; ``requests`` counts decoded paths, ``faults`` may be added by a test."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.faults = list(scenario.faults)
        self.requests: Counter[str] = Counter()
        self.raw_paths: list[str] = []
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the replay server is not started"
        return self._server.base_url + "/"

    def start(self) -> JenkinsReplay:
        replay = self

        class Handler(_Handler):
            state = replay

        self._server = LoopbackServer(Handler, f"jenkins-replay-{self.scenario.name}").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def __enter__(self) -> JenkinsReplay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if re.search(fault.path, path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def answer(self, path: str) -> Any:
        """The recorded body for a decoded path (JSON parsed, XML as text), or None."""
        file = self.scenario.routes.get(path)
        if file is not None:
            text = file.read_text(encoding="utf-8")
            return json.loads(text) if file.suffix == ".json" else text
        if path.endswith("/api/json") and path.startswith("/job/"):
            builds = self._builds_of(path[: -len("/api/json")])
            if builds:
                return {"builds": builds}
        return None

    def _builds_of(self, job: str) -> list[dict[str, Any]]:
        """The job's recorded builds, newest first."""
        found = []
        for path in self.scenario.routes:
            m = _BUILD_PATH.match(path)
            if m and m.group("job") == job:
                found.append((int(m.group("number")), self.answer(path)))
        return [b for _, b in sorted(found, key=lambda nb: nb[0], reverse=True)]

    def with_builds(self, path: str, body: Any) -> Any:
        """Replace a recorded job's build references by the recorded builds, where there are some."""
        if not (isinstance(body, dict) and isinstance(body.get("builds"), list) and path.startswith("/job/")):
            return body
        job = path[: -len("/api/json")]
        recorded = {int(b.get("number", -1)): b for b in self._builds_of(job)}
        builds = [recorded.get(int(ref.get("number", -1)), ref) for ref in body["builds"]]
        return {**body, "builds": builds}


class _Handler(BaseHTTPRequestHandler):
    state: JenkinsReplay
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self._send(405, "the replay is read-only", "text/plain")

    def do_GET(self) -> None:
        state = self.state
        parts = urlsplit(self.path)
        path = _normal(unquote(parts.path))  # Jenkins decodes the path once
        with state._lock:
            state.requests[path] += 1
            state.raw_paths.append(parts.path)
        fault = state.fault_for(path)
        if fault is not None:
            self._send(fault.status, fault.body, "text/html", fault.headers)
            return
        if path == "/" and state.scenario.version:
            self._send(200, "<html><body>Jenkins</body></html>", "text/html")
            return
        body = state.answer(path)
        if body is None:
            self._send(404, "<html><body>Not Found</body></html>", "text/html")
            return
        if isinstance(body, str):
            self._send(200, body, "application/xml")
            return
        if path.endswith("/api/json"):
            body = state.with_builds(path, body)
        tree = parse_qs(parts.query).get("tree", [None])[0]
        if tree:
            body = apply_tree(body, parse_tree(tree))
        self._send(200, json.dumps(body), "application/json")

    def _send(self, status: int, body: str, content_type: str, headers: dict[str, str] | None = None) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type};charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if self.state.scenario.version:
            self.send_header("X-Jenkins", self.state.scenario.version)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(payload)
