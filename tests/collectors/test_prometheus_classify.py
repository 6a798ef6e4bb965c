"""What metric names and rules are about, firing runs from a range query, and the redacted summaries."""

from __future__ import annotations

import re

import pytest

from assay.collectors.prometheus import queries
from assay.collectors.prometheus.classify import (
    base_name,
    is_drift_metric,
    is_error_counter,
    is_gpu_metric,
    is_interesting,
    is_latency_histogram,
    is_model_metric,
    is_sli_record,
    model_matchers,
    references_model_metrics,
)
from assay.collectors.prometheus.history import firing_runs
from assay.collectors.prometheus.summaries import receivers_of, rule_summary, series_rows


@pytest.mark.parametrize(
    ("name", "model", "drift"),
    [
        ("model_predictions_total", True, False),
        ("model_drift_score", True, True),
        ("feature_drift_psi", True, True),
        ("inference_latency_seconds_bucket", True, False),
        ("nv_inference_request_success", True, False),
        ("seldon_api_executor_server_requests_seconds_count", True, False),
        ("bentoml_service_request_total", True, False),
        ("predictions_total", True, False),
        ("http_request_duration_seconds_bucket", False, False),
        ("node_cpu_seconds_total", False, False),
        ("modelling_jobs_total", False, False),  # a word containing "model" is not the word
        ("sli:model_inference_latency_seconds:p99", False, False),  # recording rules are not raw metrics
        ("prometheus_http_request_duration_seconds_bucket", False, False),
    ],
)
def test_model_metrics(name: str, model: bool, drift: bool) -> None:
    assert is_model_metric(name) is model
    assert is_drift_metric(name) is drift


def test_service_and_gpu_metrics() -> None:
    assert is_latency_histogram("http_request_duration_seconds_bucket")
    assert is_latency_histogram("grpc_server_latency_bucket")
    assert not is_latency_histogram("http_request_duration_seconds_sum")
    assert not is_latency_histogram("scrape_duration_seconds")
    assert not is_latency_histogram("prometheus_http_request_duration_seconds_bucket")
    assert is_error_counter("http_request_errors_total")
    assert is_error_counter("batch_job_failures_total")
    assert not is_error_counter("http_requests_total")
    assert not is_error_counter("node_network_receive_errs_total")
    assert is_gpu_metric("DCGM_FI_DEV_GPU_UTIL") and is_interesting("DCGM_FI_DEV_GPU_UTIL")
    assert not is_interesting("up") and not is_interesting("go_goroutines")
    assert base_name("x_seconds_bucket") == "x_seconds" and base_name("x_total") == "x_total"


def test_the_series_query_selects_what_the_classifier_keeps() -> None:
    pattern = re.compile(queries.INTERESTING_NAMES)
    for name in (
        "model_drift_score",
        "http_request_duration_seconds_bucket",
        "http_request_errors_total",
        "nv_inference_count",
        "DCGM_FI_DEV_GPU_UTIL",
        "batch_job_failures_total",
    ):
        assert is_interesting(name) and pattern.fullmatch(name), name
    assert queries.SERIES.startswith("group by (job, __name__, model, model_name) (")


def test_rule_references() -> None:
    expr = 'max by (model) (model_drift_score{model="fraud"}) > 0.3 and on() vector(1)'
    assert references_model_metrics(expr) == {"model_drift_score"}
    assert model_matchers(expr) == {"fraud"}
    assert references_model_metrics("sli:model_inference_latency_seconds:p99 > 0.5") == {
        "sli:model_inference_latency_seconds:p99"
    }
    assert references_model_metrics("rate(http_requests_total[5m]) > 1") == set()
    # A `model` label in a grouping clause or a matcher is not a model metric.
    assert references_model_metrics('sum by (model) (rate(http_requests_total{model="x"}[5m])) > 1') == set()
    assert references_model_metrics("rate(scores_total[5m]) > 1", known={"scores_total"}) == {"scores_total"}
    assert is_sli_record("sli:model_inference_latency_seconds:p99")
    assert is_sli_record("job:http_request_errors:ratio_rate5m")
    assert not is_sli_record("instance:node_cpu:rate5m")


def test_firing_runs_split_on_gaps() -> None:
    step = 3600
    values = [[t, "1"] for t in (0, 3600, 7200, 18000, 21600)]  # a gap between 7200 and 18000
    runs = firing_runs(
        [{"metric": {"__name__": "ALERTS", "alertstate": "firing", "alertname": "A"}, "values": values}], step
    )
    assert runs == [
        {
            "labels": {"alertname": "A"},
            "runs": [
                ["1970-01-01T00:00:00Z", "1970-01-01T02:00:00Z"],
                ["1970-01-01T05:00:00Z", "1970-01-01T06:00:00Z"],
            ],
        }
    ]


def test_series_rows_keep_instrumentation_only() -> None:
    result = [
        {"metric": {"__name__": "model_drift_score", "job": "api", "model": "a"}},
        {"metric": {"__name__": "model_drift_score", "job": "api", "model_name": "b"}},
        {"metric": {"__name__": "scrape_duration_seconds", "job": "api"}},
        {"metric": {"__name__": "sli:model_x:p99", "job": "api", "model": "a"}},
        {"metric": {"__name__": "http_request_errors_total", "job": "api"}},
    ]
    rows, truncated = series_rows(result, cap=10)
    assert rows == [
        {"job": "api", "metric": "http_request_errors_total", "model": None},
        {"job": "api", "metric": "model_drift_score", "model": "a"},
        {"job": "api", "metric": "model_drift_score", "model": "b"},
    ]
    assert not truncated
    assert series_rows(result, cap=2) == (rows[:2], True)


def test_rule_summary_drops_annotation_text() -> None:
    rule = {
        "type": "alerting",
        "name": "A",
        "query": "x > 1",
        "duration": 300,
        "labels": {"severity": "page"},
        "annotations": {"summary": "call Bob on +1 555 0100", "runbook": "https://wiki/internal"},
        "state": "firing",
        "health": "ok",
        "alerts": [
            {
                "labels": {"alertname": "A"},
                "state": "firing",
                "activeAt": "2021-01-01T00:00:00Z",
                "annotations": {"summary": "call Bob"},
                "value": "2",
            }
        ],
    }
    out = rule_summary(rule)
    assert out["annotation_keys"] == ["runbook", "summary"]
    assert "Bob" not in str(out) and "555" not in str(out)
    assert out["alerts"] == [
        {"state": "firing", "active_at": "2021-01-01T00:00:00Z", "labels": {"alertname": "A"}}
    ]


def test_receivers_keep_names_and_integration_types_only() -> None:
    config = """
route: {receiver: team}
receivers:
  - name: team
    slack_configs: [{api_url: "https://hooks.slack.com/services/T0/B0/SECRET", channel: "#ml"}]
    pagerduty_configs: [{routing_key: "abc123"}]
  - name: blackhole
"""
    out = receivers_of(config)
    assert out == [
        {"name": "team", "integrations": ["pagerduty", "slack"]},
        {"name": "blackhole", "integrations": []},
    ]
    assert "SECRET" not in str(out) and "abc123" not in str(out)
    assert receivers_of("{not: yaml: [") == []
