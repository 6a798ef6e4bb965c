"""How many requests and GraphQL points the GitHub collector spends on a 1,000-repository organisation.

Builds a synthetic organisation on the local GitHub stand-in (GraphQL executed against GitHub's published
schema and priced with GitHub's documented cost formula), audits it with the real collector through
PyGithub, and prints requests made, requests per repository, GraphQL points per repository and wall time.
Budget (issue 3): at most 0.1 requests and 1 point per repository; the exit code is 1 when it is exceeded.

    .venv/bin/python benchmarks/github_requests.py [--repos 1000] [--page-size 50] [--latency-ms 100]

With ``--latency-ms`` a delay proxy in front of the stand-in holds every request that long (GitHub's own
latency), and the script prints ``critical-path ratio X``: wall time ÷ (requests × latency ÷ concurrency),
1.0 when the collector keeps ``concurrency`` requests in flight all the time (target: at most 1.2).

Needs the npm packages of package.json (`npm ci`). For comparison: OpenSSF Scorecard spends about 70 API
calls (66 REST + 4 GraphQL) on one repository.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from assay.collectors.base import CollectorRegistry
from assay.collectors.github import GithubCollector, GithubConfig
from assay.collectors.runner import collect_bundle
from assay.sandbox.github_estate import build_org
from assay.sandbox.github_standin import GithubStandIn

MAX_REQUESTS_PER_REPO = 0.1
MAX_POINTS_PER_REPO = 1.0

ML_FILES = {
    "README.md": "",
    "requirements.txt": "torch\nmlflow\n",
    "notebooks/eda.ipynb": "",
    ".github/workflows/ci.yml": "steps:\n  - run: pytest\n",
}
SERVICE_FILES = {
    "README.md": "",
    "Dockerfile": "",
    "go.mod": "",
    ".github/workflows/ci.yml": "steps:\n  - run: go test ./...\n",
}
DEPLOY = {
    ".github/workflows/deploy.yml": "jobs:\n  deploy:\n    environment: production\n",
    "infra/main.tf": "",
}
PRS = {"count": 12, "authors": ["a1", "a2", "a3"], "reviewers": ["r1", "a1"], "approved": 0.8, "linked": 0.5}


def synthetic_org(repos: int) -> dict[str, Any]:
    """A realistic mix: 10% archived, 5% forks, 15% stale, 70% active (30% of them ML); protected
    branches, workflows, deployments, alerts and teams in proportions seen in mid-size organisations."""
    specs: list[dict[str, Any]] = []
    for i in range(repos):
        name = f"repo-{i:04d}"
        bucket = i % 20
        if bucket < 2:
            specs.append({"name": name, "archived": True, "files": {"README.md": ""}, "pushed_days_ago": 500})
            continue
        if bucket == 2:
            specs.append({"name": name, "fork": True, "files": {"README.md": ""}, "pushed_days_ago": 30})
            continue
        if bucket < 6:
            specs.append({"name": name, "files": {"README.md": "", "main.py": ""}, "pushed_days_ago": 200})
            continue
        ml = bucket < 10
        files = dict(ML_FILES if ml else SERVICE_FILES)
        spec: dict[str, Any] = {
            "name": name,
            "files": files | (DEPLOY if bucket % 3 == 0 else {}) | ({"dvc.yaml": ""} if ml and i % 2 else {}),
            "pull_requests": PRS,
            "commits": {"count": 3, "authors": ["a1", "a4"]},
            "ci": {"success": 0.9} if bucket % 5 else None,
            "security": {"vulnerability_alerts": True, "secret_scanning": bucket % 2 == 0},
            "alerts": [
                {"kind": "dependabot", "severity": "critical" if i % 7 == 0 else "high", "days_ago": 12},
                {
                    "kind": "dependabot",
                    "severity": "high",
                    "state": "fixed",
                    "days_ago": 40,
                    "fixed_after_days": 6,
                },
            ],
        }
        if bucket % 4:
            spec["rules"] = [{"type": "PULL_REQUEST", "approvals": 1}, {"type": "REQUIRED_STATUS_CHECKS"}]
        if bucket % 3 == 0:
            spec["deployments"] = [
                {"environment": "production", "count": 6, "failed": 1},
                {"environment": "staging", "count": 10},
            ]
            spec["environments"] = [
                {"name": "staging"},
                {"name": "production", "protection": ["REQUIRED_REVIEWERS"]},
            ]
        if i % 5 == 0:
            spec["alerts"].append(
                {"kind": "code_scanning", "severity": "high", "state": "fixed", "days_ago": 30}
            )
        if i % 20 == 7:
            spec["alerts"].append({"kind": "secret_scanning", "state": "resolved", "days_ago": 20})
        specs.append(spec)
    names = [s["name"] for s in specs]
    teams = [
        {
            "slug": f"team-{t:02d}",
            "members": [f"u{t}-{m}" for m in range(8)],
            "repos": {n: "WRITE" for n in names[t::40]},
        }
        for t in range(40)
    ]
    return {"org": "bench", "teams": teams, "repos": specs, "projects": [{"title": "AI portfolio"}]}


class DelayProxy:
    """A loopback HTTP proxy that holds every request ``latency`` seconds, then forwards it.

    Absolute URLs in the answers (REST paging's `Link` headers) are rewritten to the proxy, as a client
    behind a real gateway would see them; PyGithub refuses to follow a page on another host or port.
    """

    def __init__(self, target: str, latency: float) -> None:
        parts = urlsplit(target)
        host, port, latency_s = parts.hostname, parts.port, latency
        rewrite: list[tuple[str, str]] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(latency_s)
                conn = http.client.HTTPConnection(host, port, timeout=300)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                (old, new), *_ = rewrite
                data = data.replace(old.encode(), new.encode())
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value.replace(old, new))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}{parts.path}"
        rewrite.append((f"{parts.scheme}://{parts.netloc}", f"http://127.0.0.1:{self.server.server_port}"))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="hold every request this long")
    args = parser.parse_args()

    started = time.perf_counter()
    org = build_org(synthetic_org(args.repos), datetime.now(UTC))
    built = time.perf_counter() - started
    with GithubStandIn({"bench": org}) as standin:
        os.environ["ASSAY_BENCH_GITHUB_TOKEN"] = standin.add_token()
        proxy = DelayProxy(standin.base_url, args.latency_ms / 1000) if args.latency_ms else None
        config = GithubConfig(
            orgs=["bench"],
            base_url=proxy.base_url if proxy else standin.base_url,
            token_env="ASSAY_BENCH_GITHUB_TOKEN",
            page_size=args.page_size,
        )
        registry = CollectorRegistry({"github": GithubCollector})
        t0 = time.perf_counter()
        bundle = collect_bundle({"github": config}, registry)
        wall = time.perf_counter() - t0
        served = standin.summary()
        if proxy:
            proxy.close()
    run = bundle.collectors[0]
    repos = sum(1 for e in bundle.evidence if e.kind == "github.repo")
    per_repo = served["requests"] / repos
    points = served["graphql_points"] / repos
    print(f"organisation          {repos} repositories ({len(org.teams)} teams), built in {built:.1f} s")
    print(f"collector status      {run.status}, {run.evidence_count} evidence, {len(bundle.signals)} signals")
    print(
        f"requests made         {served['requests']} ({served['graphql_requests']} GraphQL, "
        f"{served['rest_requests']} REST; retries {run.details.get('retries', 0)})"
    )
    print(f"requests / repository {per_repo:.3f}  (budget {MAX_REQUESTS_PER_REPO})")
    print(
        f"GraphQL points        {served['graphql_points']}  ->  {points:.3f} per repository "
        f"(budget {MAX_POINTS_PER_REPO})"
    )
    print(f"wall time             {wall:.1f} s (collection against the local stand-in)")
    if args.latency_ms:
        ideal = served["requests"] * args.latency_ms / 1000 / config.concurrency
        print(
            f"critical-path ratio {wall / ideal:.2f}  (wall {wall:.2f} s ÷ {served['requests']} requests × "
            f"{args.latency_ms:g} ms ÷ concurrency {config.concurrency} = {ideal:.2f} s; target 1.2)"
        )
    ok = run.status == "ok" and per_repo <= MAX_REQUESTS_PER_REPO and points <= MAX_POINTS_PER_REPO
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
