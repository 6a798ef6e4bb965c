"""The GitHub collector against the stand-in, through PyGithub over real HTTP: a full audit, a token
without alert permissions, rate-limit waits, secondary limits, 5xx bursts, GitHub App auth."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_github_standin import require_npm_packages

from assay.collectors.base import CollectorRegistry
from assay.collectors.github import GithubCollector, GithubConfig
from assay.collectors.runner import collect_bundle
from assay.evidence import Bundle, SignalStatus, UnknownReason
from assay.sandbox.estate import estates_root
from assay.sandbox.github_estate import build_org
from assay.sandbox.github_standin import GithubStandIn, RateWindow

pytestmark = pytest.mark.integration

ALERT_SIGNALS = {
    "secops.alerts.critical_open_over_30d",
    "secops.alerts.critical_open_max_age_days",
    "secops.remediation.median_days",
}
NO_ALERTS = {  # a fine-grained token with everything but the three alert permissions
    "metadata": "read",
    "contents": "read",
    "pull_requests": "read",
    "issues": "read",
    "checks": "read",
    "statuses": "read",
    "deployments": "read",
    "administration": "read",
    "members": "read",
    "organization_projects": "read",
}


@pytest.fixture(scope="module")
def standin():  # type: ignore[no-untyped-def]
    require_npm_packages()
    doc = yaml.safe_load((estates_root() / "borealis-health" / "github.yaml").read_text())
    with GithubStandIn({"borealis-health": build_org(doc, datetime.now(UTC))}) as gh:
        yield gh


def audit(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch, token: str, **config: Any
) -> tuple[Bundle, list[str]]:
    monkeypatch.setenv("ASSAY_TEST_GITHUB_TOKEN", token)
    settings = {"orgs": ["borealis-health"], "base_url": standin.base_url, "retry_backoff_seconds": 0.01}
    if "app_id" not in config:
        settings["token_env"] = "ASSAY_TEST_GITHUB_TOKEN"
    section = GithubConfig(**{**settings, **config})
    messages: list[str] = []
    bundle = collect_bundle(
        {"github": section},
        CollectorRegistry({"github": GithubCollector}),
        on_progress=lambda source, message: messages.append(message),
    )
    return bundle, messages


def signal_map(bundle: Bundle) -> dict[str, Any]:
    return {s.name: s for s in bundle.signals}


def served(standin: GithubStandIn, before: int) -> list[Any]:
    return standin.requests()[before:]


def test_a_full_audit_in_a_handful_of_requests(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(standin.requests())
    bundle, _ = audit(standin, monkeypatch, standin.add_token())
    run = bundle.collectors[0]
    assert run.status == "ok", run.errors
    kinds = [e.kind for e in bundle.evidence]
    assert kinds.count("github.repo") == 15 and kinds.count("github.team") == 3
    assert kinds.count("github.alerts") == 3 and "github.security_settings" in kinds
    requests = served(standin, before)
    graphql = [r for r in requests if r.path == "/api/graphql"]
    # repositories (1 page) + workflow files (1) + teams (1) + projects (1); repos list + 2 x 3 alert lists
    assert (len(graphql), len(requests) - len(graphql)) == (4, 7)
    # GitHub prices the repository page by the 50 repositories asked for (43 points), the others 1 each
    assert run.details["graphql_points"] == sum(r.points for r in graphql) == 43 + 3
    assert run.details["rate_limit"]["graphql"]["remaining"] == 5000 - run.details["graphql_points"]
    unknown = {s.name for s in bundle.signals if s.status is SignalStatus.UNKNOWN}
    assert unknown == set(), unknown
    assert signal_map(bundle)["secops.alerts.critical_open_over_30d"].value == 1


def test_a_token_without_alert_permissions_leaves_exactly_the_alert_signals_unknown(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    full, _ = audit(standin, monkeypatch, standin.add_token())
    limited, _ = audit(standin, monkeypatch, standin.add_token(permissions=NO_ALERTS))
    run = limited.collectors[0]
    assert run.status == "partial"
    assert {e.endpoint for e in run.errors} == {
        "GET /orgs/{org}/dependabot/alerts",
        "GET /orgs/{org}/code-scanning/alerts",
        "GET /orgs/{org}/secret-scanning/alerts",
    }
    before, after = signal_map(full), signal_map(limited)

    def outcome(sig: Any) -> tuple:  # evidence ids differ between runs (observation times); outcomes must not
        return sig.status, sig.value, sig.reason

    changed = {name for name in before if outcome(before[name]) != outcome(after[name])}
    assert changed == ALERT_SIGNALS
    for name in ALERT_SIGNALS:
        assert after[name].reason is UnknownReason.DENIED
        assert "vulnerability_alerts=read" in (after[name].message or "")  # GitHub's header, relayed
        assert "Dependabot alerts: read" in (after[name].message or "")


def test_teams_need_read_org(standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle, _ = audit(
        standin, monkeypatch, standin.add_token(scopes={"repo", "security_events", "read:project"})
    )
    signals = signal_map(bundle)
    for name in ("people.ml_teams", "collab.review.cross_team_ratio", "collab.ownership.mixed_ratio"):
        assert signals[name].reason is UnknownReason.DENIED and "read:org" in (signals[name].message or "")
    assert signals["people.ml_contributors"].status is SignalStatus.OK


def test_waits_for_the_rest_rate_limit_to_reset(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = standin.add_token(core=RateWindow(limit=4, seconds=1))
    bundle, messages = audit(standin, monkeypatch, token, concurrency=1)
    run = bundle.collectors[0]
    assert run.status == "ok", run.errors
    assert run.details["rate_limit_waits"] >= 1
    assert any(m.startswith("rate limit (core)") and "waiting" in m for m in messages)
    assert [e.kind for e in bundle.evidence].count("github.alerts") == 3


def test_waits_for_graphql_points(standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    # pages of 10 repositories cost 9 points, the last page of 5 costs 4: the second page has to wait
    token = standin.add_token(graphql=RateWindow(limit=12, seconds=1))
    bundle, messages = audit(standin, monkeypatch, token, concurrency=1, page_size=10)
    run = bundle.collectors[0]
    assert run.status == "ok", run.errors
    assert any(m.startswith("rate limit (graphql)") for m in messages)
    assert [e.kind for e in bundle.evidence].count("github.repo") == 15


def test_secondary_rate_limit_is_waited_out_with_retry_after(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.inject(path="/dependabot/alerts$", status=403, times=1, retry_after=1, secondary=True)
    bundle, messages = audit(standin, monkeypatch, standin.add_token())
    assert bundle.collectors[0].status == "ok"
    assert any("secondary rate limit" in m and "waiting 1 s" in m for m in messages)


def test_a_5xx_burst_is_retried(standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    before = len(standin.requests())
    standin.inject(path="^/api/graphql$", status=502, times=2)
    bundle, messages = audit(standin, monkeypatch, standin.add_token(), concurrency=1)
    run = bundle.collectors[0]
    assert run.status == "ok" and run.details["retries"] == 2
    assert [r.status for r in served(standin, before)][:3] == [502, 502, 200]
    assert any("HTTP 502, retry 1/3" in m for m in messages)


def test_a_5xx_that_outlasts_the_retries_is_a_gap(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.inject(path="/code-scanning/alerts$", status=503, times=3)
    bundle, _ = audit(standin, monkeypatch, standin.add_token(), max_retries=2)
    try:
        signals = signal_map(bundle)
        assert bundle.collectors[0].status == "partial"
        for name in ALERT_SIGNALS:
            assert signals[name].reason is UnknownReason.ERROR
        assert signals["secops.branch_protection.ratio"].status is SignalStatus.OK
    finally:
        standin.state.faults.clear()


def test_graphql_timeouts_shrink_the_page(standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    before = len(standin.requests())
    standin.inject(path="^/api/graphql$", status=502, times=2)
    bundle, _ = audit(standin, monkeypatch, standin.add_token(), max_retries=1, concurrency=1, page_size=10)
    assert bundle.collectors[0].status == "ok"
    assert [e.kind for e in bundle.evidence].count("github.repo") == 15
    # three pages of 5 instead of two of 10, then workflow files, teams and projects
    assert len([r for r in served(standin, before) if r.path == "/api/graphql" and r.status == 200]) == 6


def test_bad_credentials_fail_the_source_with_the_variable_named(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle, _ = audit(standin, monkeypatch, "ghp_not-a-token")
    run = bundle.collectors[0]
    assert run.status == "failed"
    assert run.errors[-1].reason is UnknownReason.DENIED
    assert (
        "ASSAY_TEST_GITHUB_TOKEN" in run.errors[-1].message
        and "ghp_not-a-token" not in run.errors[-1].message
    )


def test_include_and_exclude_patterns(standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle, _ = audit(standin, monkeypatch, standin.add_token(), include=["*-*"], exclude=["claims-*"])
    names = sorted(e.subject for e in bundle.evidence if e.kind == "github.repo")
    assert names and all("-" in n.split("/")[1] and "/claims-" not in n for n in names)
    alerts = [a for e in bundle.evidence if e.kind == "github.alerts" for a in e.data["open_critical"]]
    assert alerts == []  # the only open critical alert is claims-ingest's


def test_an_unknown_organisation_is_a_gap_not_a_crash(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle, _ = audit(standin, monkeypatch, standin.add_token(), orgs=["no-such-org"], alerts=False)
    signals = signal_map(bundle)
    assert signals["repos.active"].reason is UnknownReason.DENIED
    assert "no-such-org" in (signals["repos.active"].message or "")


def test_github_app_authentication(
    standin: GithubStandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    standin.register_app(99, public, 1234)
    monkeypatch.setenv("ASSAY_TEST_APP_KEY", pem)
    bundle, _ = audit(
        standin, monkeypatch, "", app_id=99, private_key_env="ASSAY_TEST_APP_KEY", installation_id=1234
    )
    assert bundle.collectors[0].status == "ok", bundle.collectors[0].errors
    assert signal_map(bundle)["repos.active"].value == 12
    assert any(r.path.endswith("/app/installations/1234/access_tokens") for r in standin.requests())
