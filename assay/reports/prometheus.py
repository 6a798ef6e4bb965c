"""Prometheus exposition: gauges for a node-exporter textfile collector or a Pushgateway.

Written with prometheus_client's own registry and exposition writer, so the format is always valid.
"""

from __future__ import annotations

from assay.scoring import Results

STATUSES = ("pass", "fail", "unknown", "not_applicable")


def render_prometheus(results: Results) -> str:
    """The results as Prometheus text exposition (version 0.0.4)."""
    from prometheus_client import CollectorRegistry, Gauge, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    area = ("ruleset", "area")
    level = Gauge(
        "assay_area_level",
        "Area maturity level decided by the evidence (unknowns as fail)",
        area,
        registry=registry,
    )
    upper = Gauge(
        "assay_area_level_upper",
        "Highest level the area could be at (unknowns as pass)",
        area,
        registry=registry,
    )
    coverage = Gauge(
        "assay_area_coverage",
        "Share of the area's criteria the evidence decided (0-1)",
        area,
        registry=registry,
    )
    status = Gauge(
        "assay_criterion_status",
        "1 for the criterion's status (pass, fail or unknown), 0 for the other two",
        ("ruleset", "area", "criterion", "level", "kind", "status"),
        registry=registry,
    )
    overall = Gauge(
        "assay_overall_level",
        "Overall level of a ruleset (its weakest area)",
        ("ruleset",),
        registry=registry,
    )
    overall_upper = Gauge(
        "assay_overall_level_upper",
        "Upper bound of a ruleset's overall level",
        ("ruleset",),
        registry=registry,
    )
    info = Gauge(
        "assay_audit_info",
        "The audit these metrics describe (always 1)",
        ("scope", "bundle_sha256", "tool_version"),
        registry=registry,
    )
    stamp = Gauge(
        "assay_audit_timestamp_seconds", "When the evidence was collected (Unix time)", registry=registry
    )
    info.labels(results.scope, results.bundle_sha256, results.tool_version).set(1)
    stamp.set(results.generated_at.timestamp())
    for rs in results.rulesets:
        overall.labels(rs.id).set(rs.overall.level)
        overall_upper.labels(rs.id).set(rs.overall.upper)
        for a in rs.areas:
            level.labels(rs.id, a.id).set(a.level)
            upper.labels(rs.id, a.id).set(a.upper)
            coverage.labels(rs.id, a.id).set(a.coverage)
            for c in a.criteria:
                for s in STATUSES:
                    status.labels(rs.id, a.id, c.id, str(c.level), c.kind, s).set(1 if c.status == s else 0)
    return generate_latest(registry).decode("utf-8")
