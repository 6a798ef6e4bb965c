"""A hand-built estate for report tests: a bundle scored by the real engine against sample rulesets.

Borealis Health: MLflow read fully, GitHub partly (branch protection denied), Prometheus not configured
and Jenkins not installed. Everything is fixed (times, ids), so the reports are byte-for-byte stable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.evidence import (
    Bundle,
    CollectorError,
    CollectorRun,
    Evidence,
    Signal,
    SignalSpec,
    UnknownReason,
)
from assay.scoring import Results, load_rulesets, score

DATA = Path(__file__).parent / "data"
RULESET_FILES = [DATA / "sample-mlops-report.yaml", DATA / "sample-ai-cmm.yaml"]
CREATED_AT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
OBSERVED_AT = datetime(2025, 3, 3, 9, 29, 12, tzinfo=UTC)
DENIED = (
    "403 Resource not accessible by integration: reading branch protection needs the "
    "`administration: read` repository permission"
)

# name -> (type, confidence, source)
CATALOG: dict[str, tuple[str, str, str]] = {
    "ml.tracking.runs_90d": ("count", "H", "mlflow"),
    "ml.tracking.logged_ratio": ("ratio", "H", "mlflow"),
    "ml.repro.git_commit_ratio": ("ratio", "H", "mlflow"),
    "ml.repro.ratio": ("ratio", "H", "mlflow"),
    "ml.experiments.git_commit_ratio": ("ratio", "H", "cross-source"),  # the ML Test Score reads these
    "ml.experiments.repro_ratio": ("ratio", "H", "cross-source"),
    "ml.registry.versioned_models": ("count", "H", "mlflow"),
    "ml.production.models": ("list", "M", "mlflow"),
    "ml.governance.ratio": ("ratio", "H", "mlflow"),
    "collab.experiments.shared": ("count", "M", "mlflow"),
    "ci.repos.coverage": ("ratio", "H", "github"),
    "code.review.ratio": ("ratio", "H", "github"),
    "cd.pipelines.deploying": ("count", "H", "jenkins"),
    "monitoring.models.coverage": ("ratio", "H", "prometheus"),
}

DEFAULT_VALUES: dict[str, Any] = {
    "ml.tracking.runs_90d": 42,
    "ml.tracking.logged_ratio": 0.9048,
    "ml.repro.git_commit_ratio": 0.881,
    "ml.repro.ratio": 0.5476,
    "ml.experiments.git_commit_ratio": 0.881,
    "ml.experiments.repro_ratio": 0.5476,
    "ml.registry.versioned_models": 2,
    "ml.production.models": ["readmission-risk-model"],
    "ml.governance.ratio": 0.0,
    "collab.experiments.shared": 1,
    "ci.repos.coverage": 0.75,
}


def catalog() -> dict[str, SignalSpec]:
    return {
        name: SignalSpec(name=name, type=kind, confidence=conf, description=name, source=source)
        for name, (kind, conf, source) in CATALOG.items()
    }


def _ev(source: str, kind: str, subject: str, endpoint: str, data: dict[str, Any]) -> Evidence:
    return Evidence.make(
        source=source, kind=kind, subject=subject, endpoint=endpoint, observed_at=OBSERVED_AT, data=data
    )


def evidence(values: dict[str, Any]) -> dict[str, list[Evidence]]:
    """The evidence behind each source's signals (it moves with the values, as real evidence would)."""
    runs = values.get("ml.tracking.runs_90d", 0)
    experiments = [
        _ev("mlflow", "mlflow.experiment", name, "MlflowClient.search_runs", {"runs": n, "users": 1})
        for name, n in (("readmission-risk", runs // 2), ("sepsis-early-warning", runs - runs // 2))
    ]
    models = [
        _ev(
            "mlflow",
            "mlflow.registered_model",
            name,
            "MlflowClient.search_registered_models, MlflowClient.search_model_versions",
            {"versions": n, "aliases": aliases},
        )
        for name, n, aliases in (
            ("readmission-risk-model", values.get("ml.registry.versioned_models", 0) + 1, ["production"]),
            ("sepsis-alert-model", 3, ["candidate"]),
        )
    ]
    repos = [
        _ev("github", "github.repo", f"borealis/{name}", "GraphQL organization.repositories", {"ci": ci})
        for name, ci in (("readmission", True), ("sepsis", True), ("bed-forecast", True), ("claims", False))
    ]
    gap = _ev(
        "github",
        "github.gap",
        "branch-protection",
        "GET /repos/{owner}/{repo}/branches/{branch}/protection",
        {"reason": "denied", "message": DENIED},
    )
    return {"experiments": experiments, "models": models, "repos": repos, "gap": [gap]}


def _signal_evidence(name: str, ev: dict[str, list[Evidence]]) -> list[str]:
    if name.startswith("code.review"):
        group = ev["gap"]
    elif name.startswith("ci."):
        group = ev["repos"]
    elif name.startswith(("ml.registry", "ml.production", "ml.governance")):
        group = ev["models"]
    else:
        group = ev["experiments"]
    return [e.id for e in group]


def bundle(values: dict[str, Any] | None = None, *, created_at: datetime = CREATED_AT) -> Bundle:
    """The sample bundle; `values` replaces signal values (an UnknownReason makes a signal unknown)."""
    values = {**DEFAULT_VALUES, **(values or {})}
    ev = evidence(values)
    signals = [
        Signal.unknown(name, "mlflow", value, f"{name} could not be derived", [])
        if isinstance(value, UnknownReason)
        else Signal.ok(name, CATALOG[name][2], value, _signal_evidence(name, ev))
        for name, value in values.items()
    ]
    signals.append(
        Signal.unknown(
            "code.review.ratio",
            "github",
            UnknownReason.DENIED,
            f"branch protection could not be read: {DENIED}",
            [ev["gap"][0].id],
        )
    )
    collectors = [
        CollectorRun(
            name="mlflow",
            status="ok",
            started_at=OBSERVED_AT,
            duration_s=0.41,
            api_calls={"MlflowClient.search_experiments": 1, "MlflowClient.search_runs": 2},
            evidence_count=len(ev["experiments"]) + len(ev["models"]),
        ),
        CollectorRun(
            name="github",
            status="partial",
            started_at=OBSERVED_AT,
            duration_s=1.2,
            api_calls={"GraphQL organization.repositories": 1, "GET branch protection": 4},
            http_requests=5,
            evidence_count=len(ev["repos"]) + 1,
            errors=[
                CollectorError(
                    endpoint="GET /repos/{owner}/{repo}/branches/{branch}/protection",
                    reason=UnknownReason.DENIED,
                    message=DENIED,
                )
            ],
        ),
        CollectorRun(
            name="prometheus",
            status="not_configured",
            errors=[
                CollectorError(
                    endpoint="config",
                    reason=UnknownReason.NOT_CONFIGURED,
                    message="prometheus is not configured (add a collectors.prometheus section)",
                )
            ],
        ),
    ]
    return Bundle(
        tool_version="0.1.0",
        scope="borealis-health",
        created_at=created_at,
        collectors=collectors,
        evidence=[e for group in ev.values() for e in group],
        signals=signals,
    ).seal()


def results(the_bundle: Bundle | None = None) -> Results:
    """Score the sample bundle with the real engine."""
    cat = catalog()
    rulesets = load_rulesets([], RULESET_FILES, cat)
    return score(the_bundle or bundle(), rulesets, cat)
