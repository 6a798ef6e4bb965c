"""Prometheus exposition: parses with prometheus_client's parser and carries the expected gauges."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from assay.reports.prometheus import render_prometheus
from assay.scoring import Results


def _samples(text: str) -> dict[str, list]:  # type: ignore[type-arg]
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert all(f.type == "gauge" for f in families.values())
    return {name: f.samples for name, f in families.items()}


def test_area_gauges(sample_results: Results) -> None:
    samples = _samples(render_prometheus(sample_results))
    level = {(s.labels["ruleset"], s.labels["area"]): s.value for s in samples["assay_area_level"]}
    upper = {(s.labels["ruleset"], s.labels["area"]): s.value for s in samples["assay_area_level_upper"]}
    coverage = {(s.labels["ruleset"], s.labels["area"]): s.value for s in samples["assay_area_coverage"]}
    assert level == {
        ("mlops-report", "collaboration"): 2,
        ("mlops-report", "model-development"): 2,
        ("mlops-report", "monitoring"): 2,
        ("ai-cmm", "devops"): 2,
        ("ai-cmm", "mlops"): 3,
    }
    assert upper[("mlops-report", "collaboration")] == 5 and upper[("mlops-report", "monitoring")] == 3
    assert coverage[("mlops-report", "collaboration")] == 0.3333
    overall = {s.labels["ruleset"]: s.value for s in samples["assay_overall_level_upper"]}
    assert overall == {"mlops-report": 2, "ai-cmm": 3}


def test_criterion_status_is_a_state_set(sample_results: Results) -> None:
    samples = _samples(render_prometheus(sample_results))["assay_criterion_status"]
    repro = {
        s.labels["status"]: s.value
        for s in samples
        if s.labels["criterion"] == "model-development.reproducibility"
    }
    assert repro == {"pass": 0, "fail": 1, "unknown": 0, "not_applicable": 0}
    review = [s for s in samples if s.labels["criterion"] == "collaboration.code-review" and s.value == 1]
    assert [(s.labels["status"], s.labels["level"], s.labels["kind"]) for s in review] == [
        ("unknown", "3", "required")
    ]
    assert len(samples) == 4 * 17  # one sample per status: pass, fail, unknown, not applicable


def test_audit_info_and_timestamp(sample_results: Results) -> None:
    samples = _samples(render_prometheus(sample_results))
    (info,) = samples["assay_audit_info"]
    assert info.labels == {
        "scope": "borealis-health",
        "bundle_sha256": sample_results.bundle_sha256,
        "tool_version": "0.1.0",
    }
    (stamp,) = samples["assay_audit_timestamp_seconds"]
    assert stamp.value == sample_results.generated_at.timestamp() == 1740994200.0
