"""A local Jenkins stand-in: the read-only JSON/XML paths python-jenkins calls, built from a fixture estate.

Served over real HTTP on 127.0.0.1 (a thread in this process): basic auth with a user and API token,
the CSRF crumb issuer, ``/me/api/json``, the ``X-Jenkins`` version header, ``/api/json?tree=...`` for the
job tree (folders and multibranch projects included), job and build JSON, ``config.xml``, test reports,
Pipeline Stage View (``wfapi/describe``) and the plugin manager. 401 for bad credentials, 403 for paths
the fixture (or a test) denies, 404 for what does not exist, and any status a test injects.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from assay.sandbox.base import Materialized
from assay.sandbox.estate import Estate
from assay.sandbox.jenkins_fixture import Controller, Item, build_controller
from assay.sandbox.jenkins_render import Renderer, depth0
from assay.sandbox.jenkins_tree import apply_tree, parse_tree
from assay.sandbox.loopback import LoopbackServer

TOKEN_ENV = "ASSAY_SANDBOX_JENKINS_TOKEN"
USER = "assay-auditor"


class JenkinsStandin:
    """The stand-in server. ``faults`` maps a path regex to an HTTP status, for tests to inject failures."""

    def __init__(self, controller: Controller, user: str | None = USER, token: str | None = None) -> None:
        self.controller = controller
        self.user = user
        self.token = token or secrets.token_hex(16)
        self.faults: dict[str, int] = {}
        self.requests: Counter[str] = Counter()
        self.crumb = secrets.token_hex(8)
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the stand-in is not started"
        return self._server.base_url + "/"

    def start(self) -> JenkinsStandin:
        standin = self

        class Handler(_Handler):
            server_state = standin

        self._server = LoopbackServer(Handler, "jenkins-standin").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def count(self, pattern: str) -> int:
        """How many requests so far had a path matching ``pattern``."""
        with self._lock:
            return sum(n for path, n in self.requests.items() if re.search(pattern, path))

    @property
    def render(self) -> Renderer:
        return Renderer(self.controller, self.url)

    def item_json_url(self, item: Item) -> str:
        """The item's URL, each name quoted once as Jenkins writes it (``job/svc/job/feature%252Fx/``)."""
        return self.render.item_url(item)


class _Handler(BaseHTTPRequestHandler):
    server_state: JenkinsStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        return

    def do_POST(self) -> None:  # the sandbox is read-only, as the collector is
        self._send(405, {"message": "the Jenkins stand-in is read-only"})

    def do_GET(self) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        with state._lock:
            state.requests[path] += 1
        for pattern, status in list(state.faults.items()):
            if re.search(pattern, path):
                self._send(status, {"message": f"injected HTTP {status}"})
                return
        if not self._authorised():
            self._send(401, {"message": "Invalid password/token for user"}, auth_challenge=True)
            return
        try:
            self._route(path, parse_qs(parts.query))
        except _NotFound:
            self._send(404, {"message": "Not Found"})

    def _authorised(self) -> bool:
        state = self.server_state
        if state.user is None:
            return True
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, token = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, state.user) and secrets.compare_digest(token, state.token)

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        state, ctl = self.server_state, self.server_state.controller
        tree = query.get("tree", [None])[0]
        if path in ("", "/"):
            self._send(200, "<html><body>Jenkins</body></html>", content_type="text/html")
        elif path == "/crumbIssuer/api/json":
            body = {
                "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                "crumb": state.crumb,
                "crumbRequestField": "Jenkins-Crumb",
            }
            self._json(body, tree)
        elif path == "/me/api/json":
            user = state.user or "anonymous"
            me = {
                "_class": "hudson.model.User",
                "absoluteUrl": f"{state.url}user/{user}",
                "description": None,
                "fullName": user,
                "id": user,
                "property": [],
            }
            self._json(me, tree)
        elif path == "/pluginManager/api/json":
            self._json({"_class": "hudson.LocalPluginManager", "plugins": ctl.plugins}, tree)
        elif path == "/api/json":
            self._json(state.render.root(), tree)
        elif path.startswith("/job/"):
            self._job_path(path, tree)
        else:
            raise _NotFound

    def _job_path(self, path: str, tree: str | None) -> None:
        state, ctl = self.server_state, self.server_state.controller
        segments = path.strip("/").split("/")
        names: list[str] = []
        while len(segments) >= 2 and segments[0] == "job":
            names.append(segments[1])
            segments = segments[2:]
        item = ctl.items.get("/".join(names))
        if item is None:
            raise _NotFound
        rest = "/".join(segments)
        if rest == "api/json":
            self._json(state.render.item(item), tree)
        elif rest == "config.xml":
            self._send(200, item.config_xml, content_type="application/xml")
        elif match := re.fullmatch(r"(\d+)/(api/json|testReport/api/json|wfapi/describe)", rest):
            build = next((b for b in item.builds if b["number"] == int(match.group(1))), None)
            if build is None:
                raise _NotFound
            self._build_path(item, build, match.group(2), tree)
        else:
            raise _NotFound

    def _build_path(self, item: Item, build: dict[str, Any], what: str, tree: str | None) -> None:
        state = self.server_state
        if what == "api/json":
            self._json(state.render.build(item, build), tree)
        elif what == "testReport/api/json":
            tests = build.get("tests")
            if not tests:
                raise _NotFound
            total, failed = int(tests.get("total", 0)), int(tests.get("failed", 0))
            report = {
                "_class": "hudson.tasks.junit.TestResult",
                "duration": round(build["duration"] / 4000, 3),
                "empty": False,
                "failCount": failed,
                "passCount": total - failed,
                "skipCount": 0,
                "totalCount": total,
                "suites": [],
            }
            self._json(report, tree)
        else:
            if not item.stages:
                raise _NotFound
            self._json(state.render.stage_view(item, build), None)

    def _json(self, body: dict[str, Any], tree: str | None) -> None:
        if tree:
            try:
                body = apply_tree(body, parse_tree(tree))
            except ValueError as exc:
                self._send(400, {"message": str(exc)})
                return
        else:
            body = depth0(body)
        self._send(200, body)

    def _send(
        self, status: int, body: Any, content_type: str = "application/json", auth_challenge=False
    ) -> None:
        payload = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type};charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Jenkins", self.server_state.controller.version)
        if auth_challenge:
            self.send_header("WWW-Authenticate", 'Basic realm="Jenkins"')
        self.end_headers()
        self.wfile.write(payload)


class _NotFound(Exception):
    pass


class JenkinsMaterializer:
    """Serves an estate's ``jenkins.yaml`` with the stand-in; the collector reads it with its API token."""

    source = "jenkins"

    def __init__(self) -> None:
        self.standin: JenkinsStandin | None = None

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        """Build the controller from the fixture, start the server, hand back the collector's config."""
        controller = build_controller(fixture, f"{estate.path / 'jenkins.yaml'}")
        self.standin = JenkinsStandin(controller).start()
        for pattern, status in (fixture.get("faults") or {}).items():
            self.standin.faults[str(pattern)] = int(status)
        # One variable per sandbox, so that sandboxes of several estates can run side by side.
        env_name = f"{TOKEN_ENV}_{secrets.token_hex(4).upper()}"
        config = {"url": self.standin.url, "user": USER, "token_env": env_name}
        return Materialized(config=config, env={env_name: self.standin.token})

    def stop(self) -> None:
        standin, self.standin = self.standin, None
        if standin is not None:
            standin.stop()
