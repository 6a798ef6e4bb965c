"""MLflow signals: each a declaration beside the pure function that derives it from evidence.

Windows ("in the last 90 days") are measured back from the evidence's own observation time, never from the
clock, so re-deriving an old bundle gives the same values.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import (
    EvidenceView,
    Measured,
    SignalSet,
    Unknown,
    per_evidence,
    ratio,
    require_population,
)
from assay.collectors.mlflow.summaries import tag_key
from assay.evidence import Confidence, Evidence, SignalType, UnknownReason
from assay.kinds.mlflow import REGISTERED_MODEL as MODEL
from assay.kinds.mlflow import SOURCE, lookback_days, production_versions, window_runs

RUNS_WINDOW_DAYS = 90
APPROVER_KEYS = frozenset({"approved_by", "approver", "validated_by"})
APPROVAL_STATUS_KEYS = frozenset(
    {"approval", "approval_status", "approved", "validation_status", "review_status"}
)
APPROVED_VALUES = frozenset({"approved", "passed", "pass", "validated", "true", "yes", "ok"})
MODEL_CARD_KEYS = frozenset({"model_card", "model_card_url"})

signals = SignalSet(SOURCE)

H, M = Confidence.HIGH, Confidence.MEDIUM


# ---- reading the evidence -------------------------------------------------------------------------------


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def _experiments_of(pairs: list[tuple[Evidence, dict[str, Any]]]) -> list[Evidence]:
    return list({exp.id: exp for exp, _ in pairs}.values())


def registered_models(view: EvidenceView) -> list[Evidence]:
    """Every registered model's evidence; unknown when the registry could not be read."""
    view.require(SOURCE, "registry")
    return view.of_kind(MODEL)


def _versions(models: list[Evidence]) -> Iterator[tuple[Evidence, dict[str, Any]]]:
    for model in models:
        for version in model.data.get("versions", []):
            yield model, version


def production_models(view: EvidenceView) -> list[Evidence]:
    return [m for m in registered_models(view) if production_versions(m)]


def _governance_tags(data: dict[str, Any]) -> dict[str, str]:
    return {tag_key(k): str(v).strip() for k, v in data.get("tags", {}).items() if str(v).strip()}


def is_approved(model: Evidence, version: dict[str, Any]) -> bool:
    """An approver named, or an approval/validation status that says approved, on the version or model."""
    for tags in (_governance_tags(version), _governance_tags(model.data)):
        if any(key in APPROVER_KEYS for key in tags):
            return True
        if any(
            key in APPROVAL_STATUS_KEYS and value.lower() in APPROVED_VALUES for key, value in tags.items()
        ):
            return True
    return False


def is_documented(model: Evidence, version: dict[str, Any]) -> bool:
    """A description or a model card, on the version or the model."""
    if version.get("description") or model.data.get("description"):
        return True
    tags = {**_governance_tags(model.data), **_governance_tags(version)}
    return any(key in MODEL_CARD_KEYS for key in tags)


# ---- tracking ---------------------------------------------------------------------------------------------


@signals.signal(
    "ml.tracking.runs_90d",
    type=SignalType.COUNT,
    confidence=H,
    unit="runs",
    description="MLflow runs started in the last 90 days.",
)
def runs_90d(view: EvidenceView) -> Measured:
    """Runs started within 90 days of the observation; unknown if the collector looked back less far."""
    days = lookback_days(view)
    if days < RUNS_WINDOW_DAYS:
        raise Unknown(
            UnknownReason.UNSUPPORTED,
            f"the audit read only {days} days of MLflow runs; set collectors.mlflow.lookback_days "
            f"to {RUNS_WINDOW_DAYS} or more",
        )
    pairs = window_runs(view, RUNS_WINDOW_DAYS)
    return Measured(len(pairs), _experiments_of(pairs))


@signals.signal(
    "ml.tracking.experiments_active",
    type=SignalType.COUNT,
    confidence=M,
    unit="experiments",
    description="MLflow experiments with at least one run in the lookback window.",
)
def experiments_active(view: EvidenceView) -> Measured:
    """Experiments that saw a run in the window."""
    exps = _experiments_of(window_runs(view))
    return Measured(len(exps), exps)


@signals.signal(
    "ml.tracking.logged_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of runs in the window that logged at least one parameter and one metric.",
)
def logged_ratio(view: EvidenceView) -> Measured:
    """Runs that logged ≥1 param and ≥1 metric, over runs in the window."""
    pairs = window_runs(view)
    require_population(len(pairs), "MLflow runs in the lookback window")

    def good(run: dict[str, Any]) -> bool:
        return run.get("n_params", 0) >= 1 and run.get("n_metrics", 0) >= 1

    logged = sum(1 for _, r in pairs if good(r))
    return Measured(ratio(logged, len(pairs)), _experiments_of(pairs), per_evidence(pairs, good))


@signals.signal(
    "ml.repro.git_commit_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of runs in the window tagged with the git commit of their code.",
)
def git_commit_ratio(view: EvidenceView) -> Measured:
    """Runs carrying ``mlflow.source.git.commit``, over runs in the window."""
    pairs = window_runs(view)
    require_population(len(pairs), "MLflow runs in the lookback window")
    tagged = sum(1 for _, r in pairs if r.get("has_git_commit"))
    members = per_evidence(pairs, lambda r: bool(r.get("has_git_commit")))
    return Measured(ratio(tagged, len(pairs)), _experiments_of(pairs), members)


@signals.signal(
    "ml.repro.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of runs in the window that are reproducible: git commit, dataset input "
    "and a captured environment.",
)
def repro_ratio(view: EvidenceView) -> Measured:
    """Runs with a git commit AND a dataset input AND an environment (project env, image or logged model)."""
    pairs = window_runs(view)
    require_population(len(pairs), "MLflow runs in the lookback window")

    def good(run: dict[str, Any]) -> bool:
        return bool(run.get("has_git_commit") and run.get("datasets") and run.get("has_env"))

    full = sum(1 for _, r in pairs if good(r))
    return Measured(ratio(full, len(pairs)), _experiments_of(pairs), per_evidence(pairs, good))


# ---- registry and production ------------------------------------------------------------------------------


@signals.signal(
    "ml.registry.models",
    type=SignalType.COUNT,
    confidence=H,
    unit="models",
    description="Registered models in the MLflow model registry.",
)
def registry_models(view: EvidenceView) -> Measured:
    """Every registered model counts, whatever its versions."""
    models = registered_models(view)
    return Measured(len(models), models)


@signals.signal(
    "ml.registry.versioned_models",
    type=SignalType.COUNT,
    confidence=H,
    unit="models",
    description="Registered models with at least two versions linked to runs.",
)
def versioned_models(view: EvidenceView) -> Measured:
    """Models whose history shows iteration: ≥2 versions each produced by a tracked run."""
    models = registered_models(view)
    hits = [m for m in models if sum(1 for v in m.data.get("versions", []) if v.get("run_id")) >= 2]
    return Measured.count(models, hits, evidence=hits)


@signals.signal(
    "ml.registry.linked_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of registered model versions linked to the run that produced them.",
)
def linked_ratio(view: EvidenceView) -> Measured:
    """Versions with a run id, over all registered versions."""
    models = registered_models(view)
    versions = list(_versions(models))
    require_population(len(versions), "registered model versions", models)
    linked = sum(1 for _, v in versions if v.get("run_id"))
    members = per_evidence(versions, lambda v: bool(v.get("run_id")))
    return Measured(ratio(linked, len(versions)), models, members)


@signals.signal(
    "ml.production.models",
    type=SignalType.LIST,
    confidence=M,
    description="Registered models with a version in production (alias prod/production/champion "
    "or the legacy Production stage).",
)
def production_model_names(view: EvidenceView) -> Measured:
    """Names of the production models."""
    prod = production_models(view)
    return Measured([m.subject for m in prod], prod)


@signals.signal(
    "ml.production.count",
    type=SignalType.COUNT,
    confidence=M,
    unit="models",
    description="Registered models with a version in production.",
)
def production_count(view: EvidenceView) -> Measured:
    """How many models serve production, by the registry's own aliases and stages."""
    prod = production_models(view)
    return Measured(len(prod), prod or registered_models(view))


@signals.signal(
    "ml.governance.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of production models whose production version is approved (approval tag "
    "on the version or model) and documented (description or model card).",
)
def governance_ratio(view: EvidenceView) -> Measured:
    """Production models where every production version is both approved and documented."""
    prod = production_models(view)
    require_population(len(prod), "production models", registered_models(view))
    governed = [
        m for m in prod if all(is_approved(m, v) and is_documented(m, v) for v in production_versions(m))
    ]
    return Measured.share(prod, governed)


@signals.signal(
    "ml.ct.retrain_ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of production models with at least two versions created in the lookback "
    "window from automated (job, project, pipeline or scheduled) runs.",
)
def retrain_ratio(view: EvidenceView) -> Measured:
    """Production models retrained by automation: ≥2 recent versions whose source runs were automated."""
    prod = production_models(view)
    require_population(len(prod), "production models", registered_models(view))
    since = view.reference_time(SOURCE) - timedelta(days=lookback_days(view))

    def retrained(model: Evidence) -> bool:
        recent = [
            v
            for v in model.data.get("versions", [])
            if v.get("run_scheduled")
            and (created := _parse(v.get("creation_timestamp")))
            and created >= since
        ]
        return len(recent) >= 2

    return Measured.share(prod, [m for m in prod if retrained(m)])


# ---- collaboration and data -------------------------------------------------------------------------------


def _shared_experiments(pairs: list[tuple[Evidence, dict[str, Any]]]) -> list[Evidence]:
    users: dict[str, set[str]] = {}
    for exp, run in pairs:
        if run.get("user"):
            users.setdefault(exp.id, set()).add(run["user"])
    return [exp for exp in _experiments_of(pairs) if len(users.get(exp.id, ())) >= 2]


@signals.signal(
    "collab.experiments.shared",
    type=SignalType.COUNT,
    confidence=M,
    unit="experiments",
    description="MLflow experiments with runs by at least two distinct users in the lookback window.",
)
def shared_experiments(view: EvidenceView) -> Measured:
    """Experiments people work in together."""
    pairs = window_runs(view)
    shared = _shared_experiments(pairs)
    return Measured(len(shared), shared or _experiments_of(pairs))


@signals.signal(
    "collab.experiments.shared_ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of active MLflow experiments with runs by at least two distinct users.",
)
def shared_experiments_ratio(view: EvidenceView) -> Measured:
    """Shared experiments over active experiments."""
    pairs = window_runs(view)
    active = _experiments_of(pairs)
    require_population(len(active), "active MLflow experiments")
    return Measured.share(active, _shared_experiments(pairs))


@signals.signal(
    "data.versioning.run_datasets_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of runs in the window that logged a versioned dataset input (name + digest).",
)
def run_datasets_ratio(view: EvidenceView) -> Measured:
    """Runs with ≥1 MLflow dataset input, over runs in the window."""
    pairs = window_runs(view)
    require_population(len(pairs), "MLflow runs in the lookback window")
    with_data = sum(1 for _, r in pairs if r.get("datasets"))
    members = per_evidence(pairs, lambda r: bool(r.get("datasets")))
    return Measured(ratio(with_data, len(pairs)), _experiments_of(pairs), members)


@signals.signal(
    "data.lineage.versions_ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of registered model versions whose source run logged a dataset input.",
)
def lineage_versions_ratio(view: EvidenceView) -> Measured:
    """Versions traceable to their training data through their source run; deleted runs count as no, runs
    that could not be read (a ``registry.lineage`` gap) make the ratio unknown."""
    view.require(SOURCE, "registry.lineage")
    models = registered_models(view)
    versions = list(_versions(models))
    require_population(len(versions), "registered model versions", models)
    traced = sum(1 for _, v in versions if v.get("run_has_dataset") is True)
    members = per_evidence(versions, lambda v: v.get("run_has_dataset") is True)
    return Measured(ratio(traced, len(versions)), models, members)


def newest_production_created(model: Evidence) -> datetime | None:
    """When the newest production version of a registered model was created."""
    stamps = [
        _parse(str(v["creation_timestamp"]))
        for v in production_versions(model)
        if v.get("creation_timestamp")
    ]
    return max((s for s in stamps if s is not None), default=None)


@signals.signal(
    "monitoring.staleness.max_age_days",
    type=SignalType.NUMBER,
    confidence=M,
    unit="days",
    description="Age of the oldest production model version in the MLflow registry (newest production "
    "version per model).",
)
def staleness(view: EvidenceView) -> Measured:
    """Days since the production version of the least recently updated production model was created."""
    prod = [m for m in registered_models(view) if newest_production_created(m)]
    require_population(len(prod), "MLflow production model versions with a creation time")
    now = view.reference_time(SOURCE)
    ages = [(now - newest_production_created(m)).total_seconds() / 86400 for m in prod]  # type: ignore[operator]
    return Measured(round(max(0.0, max(ages)), 1), prod)
