"""A real Prometheus (the Debian binary) scraping a real exporter with histograms and a rule file, as
fixtures/recorded/prometheus/record.py recorded it, replayed to prometheus-api-client running the
Prometheus collector; and the project's Prometheus stand-in checked against the recorded shapes."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from assay.collectors.prometheus import PrometheusCollector, PrometheusConfig
from assay.sandbox.estate import load_estate
from assay.sandbox.prometheus_fixture import load_monitoring
from assay.sandbox.prometheus_standin import PrometheusStandin
from assay.sandbox.replay import Recording, ReplayServer, load_recordings
from tests.replay.replaying import of_kind, recorded, run, run_of
from tests.replay.shapes import differences

RECORDINGS = load_recordings(recorded("prometheus"))


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


def test_targets_rules_and_firing_alerts(replay: ReplayServer) -> None:
    bundle = run(PrometheusCollector, PrometheusConfig(url=replay.base_url, max_retries=0))
    assert run_of(bundle, "prometheus").status == "ok"
    pools = {e.subject: e.data for e in of_kind(bundle, "prometheus.scrape_pool")}
    assert {p: (d["up"], d["down"]) for p, d in pools.items()} == {
        "prometheus": (1, 0),
        "model-serving": (1, 0),
        "feature-store": (0, 1),  # nothing listens there
    }
    groups = {e.data["name"]: e.data["rules"] for e in of_kind(bundle, "prometheus.rule_group")}
    assert [r["type"] for r in groups["model-serving.rules"]] == ["recording"]
    alerting = {r["name"]: r["state"] for r in groups["model-serving.alerts"]}
    assert alerting == {
        "ModelInferenceLatencyHigh": "inactive",
        "ModelPredictionErrors": "firing",
        "TargetDown": "firing",
    }
    history = of_kind(bundle, "prometheus.alert_history")[0].data
    assert sorted((a["alertname"], a["job"]) for a in history["fired"]) == [
        ("ModelPredictionErrors", "model-serving"),
        ("TargetDown", "feature-store"),
    ]
    names = of_kind(bundle, "prometheus.metrics")[0].data["names"]
    assert {"model_inference_duration_seconds_bucket", "model_prediction_errors_total"} <= set(names)
    rows = of_kind(bundle, "prometheus.series")[0].data["rows"]
    models = {r["model"] for r in rows if r["metric"] == "model_inference_duration_seconds_bucket"}
    assert models == {"fraud-detector", "churn-predictor"}
    assert of_kind(bundle, "prometheus.server")[0].data["alertmanagers"] == 1


def _get(base: str, rec: Recording) -> Any:
    query = urllib.parse.urlencode(rec.request.get("query") or {})
    if rec.request["path"] == "/api/v1/query_range":
        query += "&start=0&end=600&step=60"
    with urllib.request.urlopen(f"{base}{rec.request['path']}?{query}", timeout=10) as resp:
        return json.loads(resp.read())


# Label sets and annotations are data: any label may appear there.
FREE = (
    "data.activeTargets.[].labels",
    "data.activeTargets.[].discoveredLabels",
    "data.result.[].metric",
    "data.groups.[].rules.[].labels",
    "data.groups.[].rules.[].annotations",
    "data.groups.[].rules.[].alerts.[].labels",
    "data.groups.[].rules.[].alerts.[].annotations",
)


@pytest.mark.parametrize("rec", RECORDINGS, ids=lambda r: r.name)
def test_the_standin_answers_in_the_recorded_shape(rec: Recording) -> None:
    standin = PrometheusStandin(load_monitoring(load_estate("cygnus-ai").source("prometheus") or {}, "x"))
    standin.start()
    try:
        ours = _get(standin.url, rec)
    finally:
        standin.stop()
    assert differences(ours, rec.response["body"], FREE) == {"invented": [], "missing": []}
