"""A local GitHub: the REST and GraphQL endpoints the GitHub collector uses, served from a fixture estate.

GraphQL runs on graphql-core against GitHub's published schema (npm ``@octokit/graphql-schema``) with
GitHub's cost formula and pagination limits; REST bodies follow GitHub's OpenAPI description (the tests
check them against npm ``@octokit/openapi``). Rate-limit headers, Link and cursor pagination,
Retry-After, secondary limits, 403s for missing scopes and 5xx bursts are all real HTTP, so PyGithub
meets them exactly as it would meet GitHub.

>>> with GithubStandIn({"acme": org}) as gh:
...     token = gh.add_token()
...     gh.inject(path="/graphql", status=502, times=2)
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from assay.sandbox.github_standin.limits import FULL_PERMISSIONS, Fault, Grant, RateWindow
from assay.sandbox.github_standin.model import Org
from assay.sandbox.github_standin.schema import preload_schema
from assay.sandbox.github_standin.server import GRAPHQL_PATH, REST_PREFIX, App, StandInState, serve

__all__ = ["FULL_PERMISSIONS", "GithubStandIn", "Grant", "RateWindow"]


class GithubStandIn:
    """Serve ``orgs`` on 127.0.0.1 until ``stop()`` (or the end of a ``with`` block), holding every
    request ``latency`` seconds first."""

    def __init__(self, orgs: dict[str, Org], latency: float = 0.0) -> None:
        self.state = StandInState(orgs={k.lower(): v for k, v in orgs.items()}, latency=latency)
        self._server: Any = None
        self._thread: Any = None

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> GithubStandIn:
        """Start serving; GitHub's schema loads meanwhile (fails clearly now without node_modules)."""
        preload_schema()
        self._server, self._thread = serve(self.state)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GithubStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the collector is pointed at -------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.state.base

    @property
    def base_url(self) -> str:
        """The REST base URL PyGithub takes (GitHub Enterprise Server style)."""
        return self.state.base + REST_PREFIX

    def add_token(
        self,
        token: str | None = None,
        *,
        scopes: set[str] | None = None,
        permissions: dict[str, str] | None = None,
        core: RateWindow | None = None,
        graphql: RateWindow | None = None,
    ) -> str:
        """Issue a token: classic with ``scopes`` (default: everything assay needs) or fine-grained with
        ``permissions``; ``core``/``graphql`` override its rate-limit windows."""
        token = token or "ghp_" + secrets.token_hex(18)
        if permissions is not None:
            grant = Grant(kind="fine_grained", scopes=frozenset(), permissions=dict(permissions))
        else:
            grant = Grant(scopes=frozenset(scopes)) if scopes is not None else Grant()
        if core is not None:
            grant.core = core
        if graphql is not None:
            grant.graphql = graphql
        self.state.tokens[token] = grant
        return token

    def register_app(
        self,
        app_id: int,
        public_key_pem: str,
        installation_id: int,
        permissions: dict[str, str] | None = None,
    ) -> None:
        """Register a GitHub App whose JWTs (signed by the matching private key) mint installation tokens."""
        self.state.apps[app_id] = App(
            app_id, public_key_pem, {installation_id: permissions or FULL_PERMISSIONS}
        )

    # -- misbehaviour and observation -----------------------------------------------------------------

    def inject(
        self,
        *,
        path: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        secondary: bool = False,
        message: str = "Server Error",
    ) -> None:
        """Answer the next ``times`` requests whose path matches the regex ``path`` with ``status``."""
        self.state.faults.add(Fault(path, status, times, retry_after, message, secondary))

    def requests(self) -> list[Any]:
        """Every request served so far (method, path, status, GraphQL points, when it was read and
        answered, a GraphQL request's variables)."""
        with self.state.lock:
            return list(self.state.log)

    def summary(self) -> dict[str, Any]:
        """Requests by kind and total GraphQL points, for benchmarks and assertions."""
        log = self.requests()
        kinds = Counter("graphql" if r.path == GRAPHQL_PATH else "rest" for r in log)
        return {
            "requests": len(log),
            "graphql_requests": kinds["graphql"],
            "rest_requests": kinds["rest"],
            "graphql_points": sum(r.points for r in log),
            "errors": sum(1 for r in log if r.status >= 400),
        }
