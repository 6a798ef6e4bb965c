"""The Prometheus collector through prometheus-api-client against the fixture-backed stand-in (the demo's
Prometheus): request budget, bearer auth, denied and failing endpoints, Alertmanager receivers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.derive import EvidenceView
from assay.collectors.prometheus import PrometheusCollector, PrometheusConfig
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.sandbox.estate import load_estate
from assay.sandbox.prometheus_fixture import load_monitoring
from assay.sandbox.prometheus_standin import PrometheusStandin

pytestmark = pytest.mark.integration

TOKEN_ENV = "ASSAY_TEST_PROMETHEUS_TOKEN"


def standin_for(name: str, token: str | None = None) -> PrometheusStandin:
    estate = load_estate(name)
    return PrometheusStandin(
        load_monitoring(estate.source("prometheus") or {}, name), bearer_token=token
    ).start()


@pytest.fixture
def cygnus() -> Iterator[PrometheusStandin]:
    server = standin_for("cygnus-ai")
    try:
        yield server
    finally:
        server.stop()


def collect(server: PrometheusStandin, **overrides: Any) -> tuple[list[Evidence], CollectContext]:
    ctx = CollectContext("prometheus")
    cfg = PrometheusConfig(url=server.url, **overrides)
    return list(PrometheusCollector().collect(cfg, ctx)), ctx


def values(evidence: list[Evidence], status: str = "ok") -> dict[str, Any]:
    view = EvidenceView(evidence, {"prometheus": CollectorRun(name="prometheus", status=status)})
    return {
        s.name: s.value if s.status is SignalStatus.OK else s.reason
        for s in [*PrometheusCollector().derive(view), *cross_source.derive(view)]
    }


def test_everything_in_ten_requests(cygnus: PrometheusStandin) -> None:
    evidence, ctx = collect(cygnus, alertmanager_url=f"{cygnus.url}/alertmanager")
    assert not ctx.errors
    assert sum(ctx.api_calls.values()) == sum(cygnus.requests.values()) == 10
    server = next(e for e in evidence if e.kind == "prometheus.server")
    assert server.data["queries"] == 10 and server.data["alertmanagers"] == 2
    receivers = next(e for e in evidence if e.kind == "prometheus.alertmanager").data["receivers"]
    assert receivers == [
        {"name": "ml-oncall", "integrations": ["pagerduty", "slack"]},
        {"name": "platform-email", "integrations": ["email"]},
    ]
    v = values(evidence)
    assert v["monitoring.alerts.receivers"] == 2
    assert v["monitoring.gpu.devices"] == 4
    # Every endpoint the collector called is listed by `assay permissions prometheus`.
    text = PrometheusCollector.permissions()
    for path in cygnus.requests:
        assert path.removeprefix("/alertmanager") in text, path


def test_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    server = standin_for("borealis-health", token="s3cret-token")
    try:
        monkeypatch.setenv(TOKEN_ENV, "s3cret-token")
        evidence, _ = collect(server, bearer_token_env=TOKEN_ENV)
        assert values(evidence)["monitoring.targets.up_ratio"] == round(12 / 13, 4)
        assert "s3cret-token" not in json.dumps([e.data for e in evidence])
        monkeypatch.setenv(TOKEN_ENV, "wrong")
        with pytest.raises(SourceUnavailable) as err:
            collect(server, bearer_token_env=TOKEN_ENV)
        assert err.value.reason is UnknownReason.DENIED and "bearer_token_env" in err.value.message
        with pytest.raises(SourceUnavailable) as err:
            collect(server)  # no token at all
        assert err.value.reason is UnknownReason.DENIED
    finally:
        server.stop()


def test_denied_rules_leave_the_rest(cygnus: PrometheusStandin) -> None:
    cygnus.faults[r"^/api/v1/rules$"] = 403
    evidence, _ = collect(cygnus)
    gaps = {e.subject: e.data for e in evidence if e.kind == "prometheus.gap"}
    assert set(gaps) == {"rules"} and gaps["rules"]["reason"] == "denied"
    v = values(evidence, "partial")
    assert v["monitoring.rules.model_alerts"] is UnknownReason.DENIED
    assert v["monitoring.rules.sli_recording"] is UnknownReason.DENIED
    assert v["monitoring.alerts.long_firing"] is UnknownReason.DENIED  # needs what is firing now
    assert v["monitoring.targets.up_ratio"] == 1.0
    assert v["monitoring.model.label_values"] == ["demand-forecaster", "fraud-detector", "recommender"]


def test_server_errors_are_retried_then_a_gap(cygnus: PrometheusStandin) -> None:
    cygnus.faults[r"^/api/v1/query_range$"] = 503
    evidence, _ = collect(cygnus, max_retries=2)
    assert cygnus.requests["/api/v1/query_range"] == 3  # the first try and two retries
    gap = next(e for e in evidence if e.kind == "prometheus.gap")
    assert gap.subject == "alerts" and gap.data["reason"] == "error" and "503" in gap.data["message"]
    v = values(evidence, "partial")
    assert v["monitoring.alerts.resolved_30d"] is UnknownReason.ERROR
    assert v["monitoring.alerts.firing"] == 1


def test_the_standin_refuses_queries_it_cannot_run(cygnus: PrometheusStandin) -> None:
    url = f"{cygnus.url}/api/v1/query?" + urllib.parse.urlencode({"query": "sum(rate(up[5m]))"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=5)
    body = json.loads(err.value.read())
    assert err.value.code == 400 and body["errorType"] == "bad_data"


def test_series_rows_are_aggregated_by_the_server(cygnus: PrometheusStandin) -> None:
    evidence, _ = collect(cygnus)
    rows = next(e for e in evidence if e.kind == "prometheus.series").data["rows"]
    # 3 fraud-scoring-api targets x 7 buckets x 2 handlers collapse into one row per (job, metric, model).
    api_rows = [r for r in rows if r["job"] == "fraud-scoring-api"]
    assert len(api_rows) == len({(r["metric"], r["model"]) for r in api_rows}) == 7
    assert not any(re.search(r"^(scrape_|up$)", r["metric"]) for r in rows)
