"""Installed Jenkins plugins, sorted into the practices they enable."""

from __future__ import annotations

from typing import Any

# plugin short name -> category. Only the categories signals read; the full name list is kept as well.
CATEGORIES: dict[str, str] = {
    "dependency-check-jenkins-plugin": "security-scanning",
    "sonar": "security-scanning",
    "snyk-security-scanner": "security-scanning",
    "aqua-security-scanner": "security-scanning",
    "aqua-microscanner": "security-scanning",
    "anchore-container-scanner": "security-scanning",
    "checkmarx": "security-scanning",
    "fortify": "security-scanning",
    "blackduck-detect": "security-scanning",
    "synopsys-security-scan": "security-scanning",
    "qualys-cs": "security-scanning",
    "warnings-ng": "security-scanning",
    "junit": "tests",
    "xunit": "tests",
    "credentials": "credentials",
    "credentials-binding": "credentials",
    "role-strategy": "access-control",
    "matrix-auth": "access-control",
    "pipeline-input-step": "approvals",
    "workflow-aggregator": "pipelines",
    "workflow-job": "pipelines",
    "workflow-multibranch": "pipelines",
    "pipeline-stage-view": "pipelines",
}


def plugin_summary(plugins: list[dict[str, Any]]) -> dict[str, Any]:
    """Active plugins by name and version, and the practice categories they cover."""
    active = sorted(
        (str(p.get("shortName")), str(p.get("version", "")))
        for p in plugins
        if p.get("shortName") and p.get("active", True) and p.get("enabled", True)
    )
    categories: dict[str, list[str]] = {}
    for name, _ in active:
        if name in CATEGORIES:
            categories.setdefault(CATEGORIES[name], []).append(name)
    return {
        "plugins": [{"name": n, "version": v} for n, v in active],
        "categories": {k: sorted(v) for k, v in sorted(categories.items())},
    }
