"""How many requests and GraphQL points the GitHub collector spends on a 1,000-repository organisation.

Builds a synthetic organisation on the local GitHub stand-in (GraphQL executed against GitHub's published
schema and priced with GitHub's documented cost formula), audits it with the real collector through
PyGithub, and prints requests made, requests per repository, GraphQL points per repository and wall time.
Budget (issue 3): at most 0.1 requests and 1 point per repository; the exit code is 1 when it is exceeded.

    .venv/bin/python benchmarks/github_requests.py [--repos 1000] [--page-size 50] [--latency-ms 100]
                                                   [--timeline]

With ``--latency-ms`` a proxy in front of the stand-in holds every request that long (GitHub's own
latency) and the organisation is collected twice, with the same ``now``:

1. the warm-up collection goes through to the stand-in, and the proxy records every answer, keyed by
   method, path with query and body (the bodies repeat exactly: the same ``now`` gives the same GraphQL
   ``since``, and REST paging's ``Link`` URLs point at the same proxy); its wall time includes the
   stand-in's own CPU (graphql-core executing and pricing every query), which on GitHub is part of the
   latency;
2. the timed collection is answered from that record after exactly the configured latency. A request
   the record does not hold is forwarded to the stand-in and counted as a miss (printed; 0 expected), and
   the two bundles' evidence is compared (printed; identical expected). The stand-in's objects are frozen
   out of the garbage collector first (``gc.freeze``): they would not be in the collector's process.

The script prints both wall times and ``critical-path ratio X`` from the replayed one: wall time ÷
(requests × latency ÷ concurrency), 1.0 when the collector keeps ``concurrency`` requests in flight all
the time (target: at most 1.2), with the most requests it had in flight at once. ``--timeline`` also
prints every replayed request's start and end.

Needs the npm packages of package.json (`npm ci`). For comparison: OpenSSF Scorecard spends about 70 API
calls (66 REST + 4 GraphQL) on one repository.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import multiprocessing
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from assay.collectors.base import CollectorRegistry
from assay.collectors.github import GithubCollector, GithubConfig
from assay.collectors.runner import collect_bundle
from assay.evidence import Bundle
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


Answer = tuple[int, list[tuple[str, str]], bytes]
Record = dict[tuple[str, str, bytes], Answer]


@dataclass
class Span:
    """One request as the proxy saw it: when it arrived and when its answer was written."""

    start: float
    end: float
    label: str


class LatencyProxy:
    """A loopback HTTP proxy that holds every request ``latency`` seconds, then answers it.

    Without ``record`` it forwards to the stand-in and records every answer under (method, path with
    query, body); with one (a previous proxy's, made at ``origin``) it answers from it, forwarding a miss
    to the stand-in and counting it. Absolute URLs in the answers (REST paging's `Link` headers) point at
    the proxy, as a client behind a real gateway would see them; PyGithub refuses to follow a page on
    another host or port.
    """

    def __init__(self, target: str, latency: float, record: Record | None = None, origin: str = "") -> None:
        parts = urlsplit(target)
        self.host, self.port, self.latency = parts.hostname or "127.0.0.1", parts.port, latency
        self.replaying = record is not None
        self.misses: list[str] = []  # what the record did not hold, when replaying
        self.spans: list[Span] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.base_url = self.origin + parts.path
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.record: Record = {k: _moved(a, origin, self.origin) for k, a in (record or {}).items()}
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        """The recorded answer when replaying, else the stand-in's (recorded unless replaying)."""
        key = (method, path, body)
        if self.replaying:
            with self.lock:
                found = self.record.get(key)
                if found is None:
                    self.misses.append(_label(path, body))
            if found is not None:
                return found
        answer = self._forward(method, path, headers, body)
        if not self.replaying:
            with self.lock:
                self.record[key] = answer
        return answer

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
        conn.request(method, path, body=body or None, headers=sent)
        answer = conn.getresponse()
        kept = [
            (key, value)
            for key, value in answer.getheaders()
            if key.lower() not in ("transfer-encoding", "connection", "content-length")
        ]
        forwarded = (answer.status, kept, answer.read())
        conn.close()
        return _moved(forwarded, self.upstream, self.origin)

    def close(self) -> None:
        self.server.shutdown()


def _handler(proxy: LatencyProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The status line and headers go out in one write, the body in another: with Nagle's algorithm
        # on, a body smaller than a segment would wait for the client's delayed ACK (40 ms on Linux), a
        # stall GitHub's front end does not have.
        disable_nagle_algorithm = True

        def _answer(self) -> None:
            start = time.perf_counter()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(proxy.latency)
            status, headers, data = proxy.answer(self.command, self.path, dict(self.headers), body)
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            with proxy.lock:
                proxy.spans.append(Span(start, time.perf_counter(), _label(self.path, body)))

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _moved(answer: Answer, old: str, new: str) -> Answer:
    """An answer whose absolute URLs at ``old`` point at ``new`` instead."""
    status, headers, data = answer
    if not old:
        return answer
    return status, [(k, v.replace(old, new)) for k, v in headers], data.replace(old.encode(), new.encode())


def _replay_server(target: str, latency: float, record: Record, origin: str, pipe: Connection) -> None:
    """The replaying proxy, in a process of its own (GitHub's servers are not in the collector's): sends
    its base URL, then on each "take" the spans and misses since the last one, until "stop"."""
    proxy = LatencyProxy(target, latency, record, origin)
    pipe.send(proxy.base_url)
    while pipe.recv() == "take":
        with proxy.lock:
            spans, misses, proxy.spans, proxy.misses = proxy.spans, proxy.misses, [], []
        pipe.send(([(s.start, s.end, s.label) for s in spans], misses))
    proxy.close()


class Replay:
    """The recording proxy's answers served by a child process, with the same latency."""

    def __init__(self, target: str, recorded: LatencyProxy) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        args = (target, recorded.latency, recorded.record, recorded.origin, child)
        self.process = context.Process(target=_replay_server, args=args, daemon=True)
        self.process.start()
        self.base_url: str = self.pipe.recv()

    def take(self) -> tuple[list[Span], list[str]]:
        """The requests answered (and the misses) since the last call."""
        self.pipe.send("take")
        spans, misses = self.pipe.recv()
        return [Span(*s) for s in spans], misses

    def close(self) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=10)


@dataclass
class Replayed:
    """One timed collection answered from the record."""

    bundle: Bundle
    wall: float  # collect_bundle: the collection, then deriving the signals and sealing the bundle
    spans: list[Span]
    misses: list[str]

    @property
    def collection(self) -> float:
        return self.bundle.collectors[0].duration_s or 0.0


def replay_collections(config: GithubConfig, now: datetime, replay: Replay, times: int) -> list[Replayed]:
    """Collect ``times`` times from the record. The stand-in's objects stay in this process (a miss is
    forwarded to it), but on GitHub they would not be in the collector's: they are kept out of its
    garbage collections, each of which would otherwise walk them (a third of a second at a time)."""
    runs = []
    for _ in range(times):
        gc.collect()
        gc.freeze()
        bundle, wall = collect(config.model_copy(update={"base_url": replay.base_url}), now)
        runs.append(Replayed(bundle, wall, *replay.take()))
    return runs


def _label(path: str, body: bytes) -> str:
    """What a request was, for the timeline: the GraphQL operation (with its page or its first repository
    and how many) or the REST path."""
    if not body:
        return "GET " + path.split("/api/v3", 1)[-1]
    try:
        payload = json.loads(body)
    except ValueError:
        return "POST " + path
    query = payload.get("query") or ""
    match = re.search(r"query\s+(\w+)", query)
    label = f"GraphQL {match.group(1) if match else '?'}"
    variables = payload.get("variables") or {}
    page = [f"{k} {variables[k]}" for k in ("first", "after", "last", "before") if variables.get(k)]
    names = re.findall(r'repository\(owner: "[^"]*", name: "([^"]*)"\)', query)
    if names:
        page = [f"{names[0]} and {len(names) - 1} more"]
    return f"{label} {', '.join(page)}".rstrip()


def in_flight(spans: list[Span]) -> int:
    """The most requests that were in flight at the same instant."""
    events = sorted([(s.start, 1) for s in spans] + [(s.end, -1) for s in spans])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def print_timeline(spans: list[Span]) -> None:
    origin = min(s.start for s in spans)
    for s in sorted(spans, key=lambda s: s.start):
        print(f"  {s.start - origin:7.3f} → {s.end - origin:7.3f}  {s.label}")


def collect(config: GithubConfig, now: datetime) -> tuple[Bundle, float]:
    registry = CollectorRegistry({"github": GithubCollector})
    started = time.perf_counter()
    bundle = collect_bundle({"github": config}, registry, now=now)
    return bundle, time.perf_counter() - started


def observed(bundle: Bundle) -> list[tuple[str, str, str]]:
    """The evidence as comparable values (ids and observation times aside)."""
    return sorted(
        (e.kind, e.subject, json.dumps(e.data, sort_keys=True, default=str)) for e in bundle.evidence
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="hold every request this long")
    parser.add_argument("--replays", type=int, default=3, help="timed collections; the median is reported")
    parser.add_argument("--timeline", action="store_true", help="print the median replay's requests")
    args = parser.parse_args()

    started = time.perf_counter()
    now = datetime.now(UTC)
    org = build_org(synthetic_org(args.repos), now)
    built = time.perf_counter() - started
    with GithubStandIn({"bench": org}) as standin:
        os.environ["ASSAY_BENCH_GITHUB_TOKEN"] = standin.add_token()
        proxy = LatencyProxy(standin.base_url, args.latency_ms / 1000) if args.latency_ms else None
        config = GithubConfig(
            orgs=["bench"],
            base_url=proxy.base_url if proxy else standin.base_url,
            token_env="ASSAY_BENCH_GITHUB_TOKEN",
            page_size=args.page_size,
        )
        bundle, wall = collect(config, now)
        served = standin.summary()
        if proxy:
            proxy.close()
            replay = Replay(standin.base_url, proxy)
            replayed = replay_collections(config, now, replay, args.replays)
            replay.close()
    run = bundle.collectors[0]
    repos = sum(1 for e in bundle.evidence if e.kind == "github.repo")
    if not repos:
        print(f"collector status      {run.status}: {run.errors}")
        return 1
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
    where = f"through the proxy, {args.latency_ms:g} ms latency" if proxy else "no latency"
    print(f"wall time             {wall:.2f} s (stand-in included: collection against the stand-in, {where})")
    ok = run.status == "ok" and per_repo <= MAX_REQUESTS_PER_REPO and points <= MAX_POINTS_PER_REPO
    if proxy:
        ok = report_replay(replayed, config, args, bundle) and ok
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


def report_replay(
    replayed: list[Replayed], config: GithubConfig, args: argparse.Namespace, bundle: Bundle
) -> bool:
    """The replayed collections' figures (the median one's in detail); False when any was not a faithful
    replay of the first collection."""
    runs = sorted(replayed, key=lambda r: r.collection)
    median = runs[len(runs) // 2]
    same = all(observed(bundle) == observed(r.bundle) for r in runs)
    misses = [m for r in runs for m in r.misses]
    spans = median.spans
    print(
        f"replayed wall time    {median.wall:.2f} s = collection {median.collection:.2f} s + signals and "
        f"sealing {median.wall - median.collection:.2f} s (median of {len(runs)}; {len(spans)} requests "
        f"answered from the record after {args.latency_ms:g} ms each)"
    )
    print(
        f"replayed collections  {', '.join(f'{r.collection:.2f}' for r in runs)} s; misses {len(misses)}; "
        f"evidence identical to the first collection: {'yes' if same else 'NO'}"
    )
    print(f"in flight             at most {in_flight(spans)} requests (concurrency {config.concurrency})")
    if args.timeline:
        print_timeline(spans)
    ideal = len(spans) * args.latency_ms / 1000 / config.concurrency
    taken = median.collection
    print(
        f"critical-path ratio {taken / ideal:.2f}  (replayed collection {taken:.2f} s ÷ {len(spans)} "
        f"requests × {args.latency_ms:g} ms ÷ concurrency {config.concurrency} = {ideal:.2f} s; target 1.2)"
    )
    print(
        f"  with signals and sealing {median.wall / ideal:.2f}  "
        f"(replayed wall {median.wall:.2f} s ÷ {ideal:.2f} s)"
    )
    for miss in misses:
        print(f"  miss: {miss}")
    for run in runs:
        print_differences(bundle, run.bundle)
    return same and not misses


def print_differences(first: Bundle, replayed: Bundle) -> None:
    """What a replayed collection saw differently (its errors and retries, and the evidence that differs)."""
    run = replayed.collectors[0]
    for error in run.errors:
        print(f"  replay error: {error.endpoint}: {error.message[:200]}")
    if run.details.get("retries"):
        print(f"  replay retries: {run.details['retries']}")
    before, after = set(observed(first)), set(observed(replayed))
    for kind, subject, data in sorted(before ^ after)[:6]:
        side = "first only" if (kind, subject, data) in before else "replay only"
        print(f"  {side}: {kind} {subject} {data[:160]}")


if __name__ == "__main__":
    sys.exit(main())
