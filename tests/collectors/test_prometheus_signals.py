"""Prometheus signals over hand-built evidence, including the join with MLflow and SageMaker production
models: pure, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.collectors.derive import EvidenceView
from assay.collectors.mlflow import MlflowCollector
from assay.collectors.prometheus import PrometheusCollector
from assay.collectors.prometheus.signals import (
    ALERT_HISTORY,
    GPU,
    METRICS,
    RULE_GROUP,
    SCRAPE_POOL,
    SERIES,
    SERVER,
    signals,
)
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason

OBSERVED = datetime(2021, 6, 30, 12, 0, tzinfo=UTC)
STEP = 3600


def iso(days_ago: float) -> str:
    return (OBSERVED - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def ev(kind: str, data: dict[str, Any], subject: str = "http://prom", source: str = "prometheus") -> Evidence:
    return Evidence.make(
        source=source, kind=kind, subject=subject, endpoint="t", observed_at=OBSERVED, data=data
    )


def pool(job: str, up: int, down: int = 0, unknown: int = 0) -> Evidence:
    return ev(SCRAPE_POOL, {"targets": up + down + unknown, "up": up, "down": down, "unknown": unknown}, job)


def series(*rows: tuple[str, str, str | None]) -> Evidence:
    return ev(
        SERIES, {"rows": [{"job": j, "metric": m, "model": md} for j, m, md in rows], "truncated": False}
    )


def metrics(*names: str) -> Evidence:
    return ev(METRICS, {"total": len(names) + 100, "names": sorted(names)})


def alerting(name: str, expr: str, alerts: list[dict[str, Any]] = (), labels: dict | None = None) -> dict:
    return {
        "type": "alerting",
        "name": name,
        "expr": expr,
        "labels": labels or {},
        "health": "ok",
        "state": "firing" if alerts else "inactive",
        "duration_s": 0.0,
        "annotation_keys": [],
        "alerts": list(alerts),
    }


def recording(name: str) -> dict:
    return {"type": "recording", "name": name, "expr": "sum(x)", "labels": {}, "health": "ok"}


def group(*rules: dict, name: str = "g") -> Evidence:
    return ev(RULE_GROUP, {"file": "r.yml", "name": name, "rules": list(rules)}, f"r.yml:{name}")


def history(fired: list[dict[str, str]] = (), runs: list[dict[str, Any]] = ()) -> Evidence:
    return ev(
        ALERT_HISTORY,
        {
            "window_days": 30,
            "step_s": STEP,
            "start": iso(30),
            "end": iso(0),
            "fired": list(fired),
            "runs": list(runs),
        },
        "ALERTS",
    )


def mlflow_model(name: str, prod: bool = True, created_days_ago: float = 3) -> Evidence:
    versions = [{"version": "1", "current_stage": "None", "creation_timestamp": iso(created_days_ago)}]
    return Evidence.make(
        source="mlflow",
        kind="mlflow.registered_model",
        subject=name,
        endpoint="t",
        observed_at=OBSERVED,
        data={"aliases": {"champion": "1"} if prod else {}, "versions": versions},
    )


def endpoint(
    name: str,
    status: str = "InService",
    capture: bool = False,
    tags: dict | None = None,
    variant_model: str | None = None,
) -> Evidence:
    return Evidence.make(
        source="aws",
        kind="aws.sagemaker.endpoint",
        subject=f"arn:aws:sagemaker:eu-west-1:1:endpoint/{name}",
        endpoint="t",
        observed_at=OBSERVED,
        data={
            "name": name,
            "status": status,
            "region": "eu-west-1",
            "account": "1",
            "data_capture": capture,
            "tags": tags or {},
            "variants": [{"name": "v", "model_name": variant_model or f"{name}-m", "weight": 1}],
        },
    )


def derive(*evidence: Evidence, runs: dict[str, str] | None = None) -> dict[str, Any]:
    status = {"prometheus": "ok", **(runs or {})}
    view = EvidenceView(evidence, {n: CollectorRun(name=n, status=s) for n, s in status.items()})
    return {
        s.name: s.value if s.status is SignalStatus.OK else s.reason
        for s in [*PrometheusCollector().derive(view), *cross_source.derive(view)]
    }


def messages(*evidence: Evidence, runs: dict[str, str] | None = None) -> dict[str, str | None]:
    status = {"prometheus": "ok", **(runs or {})}
    view = EvidenceView(evidence, {n: CollectorRun(name=n, status=s) for n, s in status.items()})
    return {s.name: s.message for s in [*PrometheusCollector().derive(view), *cross_source.derive(view)]}


SERVING = series(
    ("api", "http_request_duration_seconds_bucket", None),
    ("api", "http_request_errors_total", None),
    ("api", "model_drift_score", "fraud-detector"),
    ("api", "model_predictions_total", "fraud-detector"),
    ("api", "model_predictions_total", "Recommender"),
    ("batch", "model_inference_duration_seconds_bucket", "demand_forecaster"),
    ("node", "node_cpu_seconds_total", None),
)


def test_catalog_declarations() -> None:
    names = [s.name for s in signals.specs]
    assert len(names) == len(set(names)) == 15  # + 5 joined with the registries, in assay.crosssource
    assert all(n.startswith("monitoring.") for n in names)
    for a in names:
        assert not any(b.startswith(a + ".") for b in names)


def test_targets_and_service_metrics() -> None:
    v = derive(pool("node", 5, 1), pool("api", 3, 0, unknown=2), SERVING, metrics())
    assert v["monitoring.targets.up_ratio"] == round(8 / 9, 4)  # not-yet-scraped targets are left out
    assert v["monitoring.service.instrumented_jobs"] == 1  # batch has latency but no error counter
    assert (
        derive(pool("node", 0, 0, unknown=3))["monitoring.targets.up_ratio"] is UnknownReason.NOT_APPLICABLE
    )


def test_model_metrics_and_label_values() -> None:
    v = derive(
        SERVING,
        metrics(
            "model_drift_score",
            "model_inference_duration_seconds_bucket",
            "model_inference_duration_seconds_count",
            "http_request_errors_total",
        ),
    )
    assert v["monitoring.model.metric_names"] == ["model_drift_score", "model_inference_duration_seconds"]
    assert v["monitoring.model.label_values"] == ["Recommender", "demand_forecaster", "fraud-detector"]


def test_coverage_needs_a_production_model_list() -> None:
    v = derive(SERVING, group(alerting("Drift", "max by (model) (model_drift_score) > 0.3")))
    for name in ("coverage", "alerted_coverage", "drift_coverage"):
        assert v[f"monitoring.model.{name}"] is UnknownReason.NOT_CONFIGURED
    assert "none of mlflow, aws, azure was collected" in messages(SERVING)["monitoring.model.coverage"]


def test_coverage_joins_mlflow_production_models() -> None:
    rules = group(alerting("Drift", "max by (model) (model_drift_score) > 0.3"))
    models = [
        mlflow_model("fraud-detector"),
        mlflow_model("recommender"),
        mlflow_model("demand-forecaster"),
        mlflow_model("churn"),
        mlflow_model("candidate", prod=False),
    ]
    v = derive(SERVING, rules, *models, runs={"mlflow": "ok"})
    # Recommender and demand_forecaster match recommender and demand-forecaster: case and _/- are alike.
    assert v["monitoring.model.coverage"] == 0.75
    assert v["monitoring.model.alerted_coverage"] == 0.25  # the drift rule watches fraud-detector only
    assert v["monitoring.model.drift_coverage"] == 0.25
    assert v["monitoring.rules.model_alerts"] == 1


def test_coverage_joins_sagemaker_endpoints_and_merges_twins() -> None:
    eps = [
        endpoint("fraud-detector", capture=True),  # the same model as MLflow's fraud-detector
        endpoint("pricing", variant_model="Recommender"),  # known to Prometheus by its variant's model name
        endpoint("ltv", status="Creating"),  # not serving
        endpoint("fraud-detector-staging"),  # not production, by name
        endpoint("scoring", tags={"Environment": "dev"}),  # not production, by tag
        endpoint("legacy"),
    ]
    v = derive(SERVING, mlflow_model("fraud-detector"), *eps, runs={"mlflow": "ok", "aws": "ok"})
    assert v["monitoring.model.coverage"] == round(2 / 3, 4)  # fraud-detector, pricing; not legacy
    v = derive(SERVING, *eps, runs={"aws": "ok"})
    assert v["monitoring.model.coverage"] == round(2 / 3, 4)


def test_no_production_models_is_not_applicable() -> None:
    v = derive(SERVING, mlflow_model("x", prod=False), runs={"mlflow": "ok"})
    assert v["monitoring.model.coverage"] is UnknownReason.NOT_APPLICABLE


def test_mlflow_registry_gap_makes_coverage_unknown() -> None:
    gap = Evidence.make(
        source="mlflow",
        kind="mlflow.gap",
        subject="registry",
        endpoint="t",
        observed_at=OBSERVED,
        data={"reason": "denied", "message": "registry denied"},
    )
    v = derive(SERVING, gap, runs={"mlflow": "partial"})
    assert v["monitoring.model.coverage"] is UnknownReason.DENIED


def test_drift_models_merge_prometheus_and_data_capture() -> None:
    v = derive(
        SERVING,
        endpoint("pricing", capture=True),
        endpoint("x", capture=True, status="Failed"),
        runs={"aws": "ok"},
    )
    assert v["monitoring.model.drift_models"] == 2  # fraud-detector (drift metric) + pricing (capture)
    # Nothing found and AWS not collected: it may be there, so unknown.
    assert derive(series(("api", "model_predictions_total", "a")))["monitoring.model.drift_models"] is (
        UnknownReason.NOT_CONFIGURED
    )
    # Prometheus not collected but SageMaker captures traffic: decided from AWS alone.
    view = EvidenceView([endpoint("pricing", capture=True)], {"aws": CollectorRun(name="aws", status="ok")})
    by_name = {s.name: s for s in [*PrometheusCollector().derive(view), *cross_source.derive(view)]}
    assert by_name["monitoring.model.drift_models"].value == 1
    assert by_name["monitoring.targets.up_ratio"].reason is UnknownReason.NOT_CONFIGURED


def test_rules_and_alert_activity() -> None:
    firing_long = {
        "state": "firing",
        "active_at": iso(9) + "",
        "labels": {"alertname": "Disk", "job": "node"},
    }
    firing_new = {
        "state": "firing",
        "active_at": "2021-06-30T06:00:00.123456789Z",
        "labels": {"alertname": "Drift", "model": "a"},
    }
    rules = group(
        alerting("Disk", "min by (job) (node_filesystem_avail_bytes) < 1", [firing_long]),
        alerting("Drift", "max by (model) (model_drift_score) > 0.3", [firing_new]),
        alerting("Latency", "sli:model_inference_latency_seconds:p99 > 0.5"),
        recording("sli:model_inference_latency_seconds:p99"),
        recording("job:http_request_errors:ratio_rate5m"),
        recording("instance:node_cpu:rate5m"),
    )
    hist = history(
        fired=[
            {"alertname": "Disk", "job": "node"},
            {"alertname": "Drift", "model": "a"},
            {"alertname": "Latency", "model": "b"},
        ],
        runs=[
            {
                "labels": {"alertname": "Latency", "model": "b"},
                "runs": [[iso(20), iso(12)]],
            },  # 8 days, resolved
            {
                "labels": {"alertname": "Drift", "model": "a"},
                "runs": [[iso(3), iso(2.5)], [iso(0.25), iso(0)]],
            },
        ],
    )
    v = derive(rules, hist, SERVING)
    assert v["monitoring.rules.model_alerts"] == 2
    assert v["monitoring.rules.sli_recording"] == 2
    assert v["monitoring.alerts.firing"] == 2
    # Disk is active since 9 days; Latency fired 8 days in a row before it resolved.
    assert v["monitoring.alerts.long_firing"] == 2
    # Latency is not firing now; Drift's first stretch ended long before the window's end.
    assert v["monitoring.alerts.resolved_30d"] == 2
    assert v["monitoring.retraining.alert_triggered"] is False


def test_alert_signals_unknown_without_history() -> None:
    gap = ev("prometheus.gap", {"reason": "error", "message": "query_range failed"}, "alerts")
    v = derive(group(alerting("A", "up == 0")), gap)
    assert v["monitoring.alerts.long_firing"] is UnknownReason.ERROR
    assert v["monitoring.alerts.resolved_30d"] is UnknownReason.ERROR
    assert v["monitoring.alerts.firing"] == 0  # the rules were read


def test_triggered_retraining() -> None:
    rule = alerting("DriftRetrain", "max by (model) (model_drift_score) > 0.3", labels={"action": "retrain"})
    assert derive(group(rule), SERVING)["monitoring.retraining.alert_triggered"] is True
    service_rule = alerting("Retrain", "up == 0", labels={"action": "retrain"})  # not about a model
    assert derive(group(service_rule), SERVING)["monitoring.retraining.alert_triggered"] is False


def test_alertmanagers_receivers_and_gpus() -> None:
    server = ev(SERVER, {"queries": 7, "alertmanagers": 2})
    gpu = ev(GPU, {"devices": 4, "avg_utilisation_pct": 63.0})
    v = derive(server, metrics("DCGM_FI_DEV_GPU_UTIL"), gpu)
    assert v["monitoring.alerts.alertmanagers"] == 2
    assert v["monitoring.alerts.receivers"] is UnknownReason.NOT_CONFIGURED
    assert v["monitoring.gpu.devices"] == 4
    assert v["monitoring.gpu.utilization"] == 0.63
    v = derive(server, metrics("model_drift_score"))
    assert v["monitoring.gpu.devices"] == 0
    assert v["monitoring.gpu.utilization"] is UnknownReason.NOT_APPLICABLE


def test_recovery_trend_needs_history() -> None:
    assert derive(SERVING)["monitoring.recovery.improving"] is UnknownReason.UNSUPPORTED


@pytest.mark.parametrize(("days", "expected"), [(3, 3.0), (120, 120.0)])
def test_staleness_from_mlflow(days: float, expected: float) -> None:
    models = [
        mlflow_model("a", created_days_ago=1),
        mlflow_model("b", created_days_ago=days),
        mlflow_model("c", prod=False, created_days_ago=400),
    ]
    view = EvidenceView(models, {"mlflow": CollectorRun(name="mlflow", status="ok")})
    by_name = {s.name: s for s in MlflowCollector().derive(view)}  # MLflow declares it: one source
    assert by_name["monitoring.staleness.max_age_days"].value == expected
