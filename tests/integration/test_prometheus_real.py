"""The Prometheus collector against the real Prometheus binary scraping a real prometheus_client exporter.

The server runs on 127.0.0.1 with a temporary config, storage and rule file (checked with promtool), 1 s
scrape and evaluation intervals and `for: 0s` alerts, in its own process group that is always killed.
Under CI=true a missing binary fails the tests; locally they skip with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.derive import EvidenceView
from assay.collectors.prometheus import PrometheusCollector, PrometheusConfig
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.sandbox.prometheus_fixture import Episode, Family, Job, Monitoring
from assay.sandbox.prometheus_real import RealPrometheus

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("prometheus-real")]

RULES = [
    {
        "name": "model-alerts",
        "rules": [
            {
                "alert": "ModelDriftHigh",
                "expr": "max by (model) (model_drift_score) > 0.3",
                "for": "0s",
                "labels": {"severity": "warning"},
                "annotations": {"summary": "drift on {{ $labels.model }}"},
            },
            {
                "record": "sli:model_inference_latency_seconds:p99",
                "expr": "histogram_quantile(0.99, sum by (le, model) "
                "(rate(model_inference_latency_seconds_bucket[1m])))",
            },
        ],
    }
]


def require_binary(name: str) -> str:
    """The binary's path; a failure under CI=true, a skip with the reason elsewhere."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (Debian/Ubuntu: apt-get install prometheus; .ci/run installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def families() -> list[Family]:
    models = {"model": ["fraud-detector", "recommender"]}
    return [
        Family("http_request_duration_seconds", "histogram", {"handler": ["/predict"]}, 0.05),
        Family("http_request_errors_total", "counter", {}, 3),
        Family("model_inference_latency_seconds", "histogram", models, 0.02),
        Family("model_predictions_total", "counter", models, 1000),
        Family("model_drift_score", "gauge", models, 0.1, {"fraud-detector": 0.42}),
    ]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealPrometheus]:
    require_binary("prometheus")
    require_binary("promtool")
    monitoring = Monitoring(
        jobs=[Job("model-server", 1, 0, families()), Job("retired-host", 1, 1, [])],
        groups=RULES,
        episodes=[Episode("ModelDriftHigh", {"model": "fraud-detector"}, 0.0, None)],
        alertmanagers=0,
        receivers=None,
    )
    real = RealPrometheus(monitoring, tmp_path_factory.mktemp("prometheus"))
    started = time.monotonic()
    real.start()
    print(f"\nreal Prometheus settled in {time.monotonic() - started:.1f} s")
    proc = real.proc
    try:
        yield real
    finally:
        real.stop()
        assert proc is not None and proc.poll() is not None
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)  # the whole process group is gone


def collect(url: str, **overrides: Any) -> tuple[list[Evidence], CollectContext]:
    ctx = CollectContext("prometheus")
    return list(PrometheusCollector().collect(PrometheusConfig(url=url, **overrides), ctx)), ctx


def mlflow_model(name: str) -> Evidence:
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Evidence.make(
        source="mlflow", kind="mlflow.registered_model", subject=name, endpoint="t",
        data={"aliases": {"champion": "2"}, "versions": [{"version": "2", "current_stage": "None",
                                                          "creation_timestamp": now}]},
    )  # fmt: skip


def values(evidence: list[Evidence], with_mlflow: bool = False) -> dict[str, Any]:
    runs = {"prometheus": CollectorRun(name="prometheus", status="ok")}
    if with_mlflow:
        runs["mlflow"] = CollectorRun(name="mlflow", status="ok")
        evidence = [*evidence, *(mlflow_model(n) for n in ("fraud-detector", "recommender", "churn"))]
    view = EvidenceView(evidence, runs)
    return {
        s.name: s.value if s.status is SignalStatus.OK else s.reason
        for s in [*PrometheusCollector().derive(view), *cross_source.derive(view)]
    }


def query(server: RealPrometheus, path: str, **params: str) -> Any:
    url = f"{server.url}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())["data"]


def wait_for(check: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_promtool_checks_rule_files(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(yaml.safe_dump({"groups": RULES}))
    bad.write_text(yaml.safe_dump({"groups": [{"name": "x", "rules": [{"alert": "A", "expr": "sum(("}]}]}))
    ok = subprocess.run([promtool, "check", "rules", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "SUCCESS: 2 rules found" in ok.stdout
    broken = subprocess.run([promtool, "check", "rules", str(bad)], capture_output=True, text=True)
    assert broken.returncode != 0


def test_collector_finds_model_metrics_rules_and_the_firing_alert(server: RealPrometheus) -> None:
    evidence, ctx = collect(server.url)
    v = values(evidence)
    assert v["monitoring.targets.up_ratio"] == 0.5  # the retired host is down
    assert v["monitoring.service.instrumented_jobs"] == 1
    assert v["monitoring.model.metric_names"] == [
        "model_drift_score", "model_inference_latency_seconds", "model_predictions_total"
    ]  # fmt: skip
    assert v["monitoring.model.label_values"] == ["fraud-detector", "recommender"]
    assert v["monitoring.rules.model_alerts"] == 1
    assert v["monitoring.rules.sli_recording"] == 1
    assert v["monitoring.alerts.firing"] == 1
    assert v["monitoring.alerts.long_firing"] == 0
    rule = next(
        r
        for e in evidence
        if e.kind == "prometheus.rule_group"
        for r in e.data["rules"]
        if r["name"] == "ModelDriftHigh"
    )
    assert rule["state"] == "firing" and rule["annotation_keys"] == ["summary"]
    assert [a["labels"] for a in rule["alerts"]] == [
        {"alertname": "ModelDriftHigh", "model": "fraud-detector", "severity": "warning"}
    ]
    fired = next(e for e in evidence if e.kind == "prometheus.alert_history").data["fired"]
    assert {"alertname": "ModelDriftHigh", "model": "fraud-detector", "severity": "warning"} in fired
    # Joined with the MLflow registry: churn is in production but exports nothing.
    joined = values(evidence, with_mlflow=True)
    assert joined["monitoring.model.coverage"] == round(2 / 3, 4)
    assert joined["monitoring.model.alerted_coverage"] == round(2 / 3, 4)
    assert joined["monitoring.model.drift_coverage"] == round(2 / 3, 4)
    # A fixed set of requests: targets, names, series, rules, alertmanagers, fired, history.
    assert sum(ctx.api_calls.values()) == 7
    assert next(e for e in evidence if e.kind == "prometheus.server").data["queries"] == 7
    assert not ctx.errors


def test_query_budget_is_independent_of_series_and_alerts_resolve(server: RealPrometheus) -> None:
    evidence, ctx = collect(server.url)
    before = sum(ctx.api_calls.values())
    rows_before = len(next(e for e in evidence if e.kind == "prometheus.series").data["rows"])
    shards = [str(i) for i in range(400)]
    server.monitoring.jobs[0].families.append(Family("model_feature_value", "gauge", {"shard": shards}, 1.0))
    wait_for(
        lambda: (
            (r := query(server, "/api/v1/query", query="count(model_feature_value)")["result"])
            and r[0]["value"][1] == "400"
        ),
        "400 new series to be scraped",
    )
    evidence, ctx = collect(server.url)
    assert sum(ctx.api_calls.values()) == before
    rows = next(e for e in evidence if e.kind == "prometheus.series").data["rows"]
    assert len(rows) == rows_before + 1  # one (job, metric) row for 400 series
    # The drift falls back: the alert resolves, and the 30-day activity shows it fired and resolved.
    server.monitoring.jobs[0].families[4].values.clear()
    wait_for(
        lambda: not query(server, "/api/v1/alerts")["alerts"],
        "the drift alert to resolve",
    )
    v = values(collect(server.url)[0])
    assert v["monitoring.alerts.firing"] == 0
    assert v["monitoring.alerts.resolved_30d"] == 1


def test_unreachable_server_is_an_error_not_a_failure_of_the_audit() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceUnavailable) as err:
        collect(f"http://127.0.0.1:{port}", max_retries=0, request_timeout=2)
    assert err.value.reason is UnknownReason.ERROR
    assert f"cannot reach Prometheus at http://127.0.0.1:{port}" in err.value.message


def test_a_nan_sample_is_no_figure_and_the_bundle_stays_strict_json(tmp_path: Path) -> None:
    """DCGM gauges that report NaN make the real Prometheus answer "NaN" for the utilisation query: the
    GPUs are counted, the utilisation is unknown (not NaN, not 0), and nothing non-JSON enters evidence."""
    require_binary("prometheus")
    require_binary("promtool")
    gpus = Family("DCGM_FI_DEV_GPU_UTIL", "gauge", {"gpu": ["0", "1"]}, float("nan"))
    monitoring = Monitoring(
        jobs=[Job("dcgm-exporter", 1, 0, [gpus])], groups=[], episodes=[], alertmanagers=0, receivers=None
    )
    real = RealPrometheus(monitoring, tmp_path)
    real.start()
    try:
        assert (
            query(real, "/api/v1/query", query="avg(avg_over_time(DCGM_FI_DEV_GPU_UTIL[30d]))")["result"][0][
                "value"
            ][1]
            == "NaN"
        )
        evidence, _ = collect(real.url)
    finally:
        real.stop()
    gpu = next(e for e in evidence if e.kind == "prometheus.gpu")
    assert gpu.data == {"devices": 2, "avg_utilisation_pct": None}
    assert values(evidence)["monitoring.gpu.utilization"] == UnknownReason.ERROR

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in evidence")

    for ev in evidence:
        json.loads(json.dumps(ev.model_dump(mode="json")), parse_constant=refuse)


def test_non_finite_numbers_never_enter_evidence() -> None:
    ev = Evidence.make(
        source="prometheus", kind="prometheus.x", subject="s", endpoint="e",
        data={"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -float("inf")}},
    )  # fmt: skip
    assert ev.data == {"a": "NaN", "b": ["Infinity", 1.5], "c": {"d": "-Infinity"}}
    assert ev.id == ev.compute_id()
