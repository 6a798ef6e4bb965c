"""The GitHub collector's critical path, against a stand-in that holds every request 50 ms: the
repository list is paged from both ends at once, independent reads overlap, the concurrency limit holds,
and the evidence is the same as a one-request-at-a-time collection's. Overlap is read from the stand-in's
log (when each request was read and answered), never from wall time."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from test_github_standin import require_npm_packages

from assay.collectors.base import CollectContext, CollectorRegistry
from assay.collectors.github import GithubCollector, GithubConfig
from assay.collectors.github.client import GithubClient
from assay.collectors.runner import collect_bundle
from assay.evidence import Bundle
from assay.sandbox.github_estate import build_org
from assay.sandbox.github_standin import GithubStandIn

pytestmark = pytest.mark.integration

GRAPHQL = "/api/graphql"
ACTIVE = {
    "files": {"requirements.txt": "torch\n", ".github/workflows/ci.yml": "steps:\n  - run: pytest\n"},
    "commits": {"count": 2, "authors": ["ann"]},
    "pull_requests": {"count": 2, "authors": ["ann"], "reviewers": ["bo"]},
    "alerts": [{"kind": "dependabot", "severity": "critical", "days_ago": 3}],
}
ORG = {
    "org": "acme",
    "teams": [{"slug": "ds", "members": ["ann", "bo"], "repos": {"app-00": "WRITE"}}],
    "repos": [
        {"names": [f"app-{i:02d}" for i in range(14)], **ACTIVE},
        {"names": [f"old-{i:02d}" for i in range(9)], "files": {"README.md": ""}, "pushed_days_ago": 400},
    ],
}


@pytest.fixture(scope="module")
def standin() -> Iterator[GithubStandIn]:
    require_npm_packages()
    with GithubStandIn({"acme": build_org(ORG, datetime.now(UTC))}, latency=0.05) as gh:
        yield gh


def collect(standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch, **config: Any) -> tuple[Bundle, list]:
    monkeypatch.setenv("ASSAY_TEST_GITHUB_TOKEN", standin.add_token())
    before = len(standin.requests())
    section = GithubConfig(
        orgs=["acme"],
        base_url=standin.base_url,
        token_env="ASSAY_TEST_GITHUB_TOKEN",
        page_size=5,
        workflow_batch=4,
        **config,
    )
    bundle = collect_bundle({"github": section}, CollectorRegistry({"github": GithubCollector}))
    assert bundle.collectors[0].status == "ok", bundle.collectors[0].errors
    return bundle, standin.requests()[before:]


def pages(requests: list) -> list:
    return [r for r in requests if r.path == GRAPHQL and "since" in (r.variables or {})]


def overlap(a: Any, b: Any) -> bool:
    return a.started < b.ended and b.started < a.ended


def most_in_flight(requests: list) -> int:
    events = sorted([(r.started, 1) for r in requests] + [(r.ended, -1) for r in requests])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def evidence(bundle: Bundle) -> list[tuple[str, str, str]]:
    return sorted((e.kind, e.subject, json.dumps(e.data, sort_keys=True)) for e in bundle.evidence)


def test_the_repository_list_is_paged_from_both_ends_at_once(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, serial = collect(standin, monkeypatch, concurrency=1, alerts=False)
    _, parallel = collect(standin, monkeypatch, concurrency=4, alerts=False)
    forward = [r for r in pages(parallel) if "first" in r.variables]
    backward = [r for r in pages(parallel) if "last" in r.variables]
    # 23 repositories in pages of 5: the first page, then the 18 left shared out, the last half backwards
    # from the remainder page of 3; the pages asked for are those of the forward-only pass
    assert [r.variables["first"] for r in forward] == [5, 5, 5]
    assert [r.variables["last"] for r in backward] == [3, 5]
    assert [r.variables.get("first") for r in pages(serial)] == [5, 5, 5, 5, 3]
    assert sum(r.points for r in pages(parallel)) == sum(r.points for r in pages(serial))
    assert backward[0].variables["before"] is None and backward[1].variables["before"] is not None
    # the backward chain starts once the first page gave the total, then runs alongside the forward one
    assert forward[0].ended <= backward[0].started
    assert any(overlap(f, b) for f in forward[1:] for b in backward)


def test_independent_reads_overlap_and_the_limit_holds(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, requests = collect(standin, monkeypatch, concurrency=2)
    assert most_in_flight(requests) == 2
    _, requests = collect(standin, monkeypatch, concurrency=4)
    assert most_in_flight(requests) == 4
    # the organisation-wide REST lists are read alongside the repository pages
    rest = [r for r in requests if r.path != GRAPHQL]
    assert any(overlap(r, p) for r in rest for p in pages(requests))


def test_workflow_batches_are_read_while_the_pages_are(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, requests = collect(standin, monkeypatch, concurrency=4, alerts=False)
    workflows = [r for r in requests if r.path == GRAPHQL and r.variables == {}]
    assert len(workflows) == 4  # 14 active repositories in batches of 4
    # the first page's batch is read while the next pages are: it does not wait for the last page
    assert any(overlap(w, p) for w in workflows for p in pages(requests))
    assert min(w.started for w in workflows) < max(p.started for p in pages(requests))


def test_the_evidence_does_not_depend_on_the_concurrency(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _ = collect(standin, monkeypatch, concurrency=1)
    four, _ = collect(standin, monkeypatch, concurrency=4)
    assert evidence(one) == evidence(four)
    org = next(e for e in four.evidence if e.kind == "github.org")
    assert org.data["repos_total"] == org.data["repos_read"] == 23 and org.data["page_size"] == 3


def test_threads_never_read_each_others_answers(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PyGithub keeps a request on its connection object between sending it and reading the answer: threads
    # sharing one requester read each other's answers now and then (1 or 2 in 400 here, before each thread
    # had its own requester). A tiny switch interval makes threads interleave at every opportunity.
    monkeypatch.setenv("ASSAY_TEST_GITHUB_TOKEN", standin.add_token())
    config = GithubConfig(
        orgs=["acme"], base_url=standin.base_url, token_env="ASSAY_TEST_GITHUB_TOKEN", concurrency=8
    )
    client = GithubClient(config, CollectContext("github", now=datetime.now(UTC)))
    names = sorted([f"app-{i:02d}" for i in range(14)] + [f"old-{i:02d}" for i in range(9)])

    def name_on_page(page: int) -> str:
        params = {"per_page": 1, "page": page}
        _, items = client.request("GET", "/orgs/acme/repos", params=params, endpoint="test", resource="core")
        return items[0]["name"]

    pages = [1 + i % len(names) for i in range(400)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(name_on_page, pages))
    finally:
        sys.setswitchinterval(interval)
        client.close()
    assert answers == [names[page - 1] for page in pages]
