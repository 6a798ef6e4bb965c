"""MLOps signals from SageMaker: registry, training pipelines, governance of production endpoints, GPU use,
progressive delivery, rollback readiness and model deployment speed.

SageMaker-specific signals are not applicable (unknown, not failed) where an account does not use
SageMaker at all: a team on MLflow and Kubernetes is not penalised for skipping a managed service.
"""

from __future__ import annotations

from statistics import median

from assay.collectors.aws.signals.base import H, M, signals
from assay.collectors.derive import EvidenceView, Measured, Unknown, ratio, require_population
from assay.evidence import Evidence, SignalType, UnknownReason
from assay.kinds import aws
from assay.kinds import cloud as c

PIPELINE_WINDOW_DAYS = 30
DEPLOY_WINDOW_DAYS = 30
SAGEMAKER_KINDS = (
    aws.ENDPOINT,
    aws.SM_REGISTRY,
    aws.SM_TRAINING,
    aws.SM_PIPELINES,
    aws.SM_PROJECTS,
    aws.SM_MODEL_CARDS,
    aws.SM_EXPERIMENTS,
    aws.SM_FEATURE_GROUPS,
    aws.SM_NOTEBOOKS,
)
LIST_KEYS = ("groups", "jobs", "pipelines", "items")


def require_sagemaker(view: EvidenceView) -> None:
    """Unknown (not applicable) unless the estate uses SageMaker for something."""
    for kind in SAGEMAKER_KINDS:
        for ev in view.of_kind(kind):
            if kind == aws.ENDPOINT or any(ev.data.get(k) for k in LIST_KEYS):
                return
    raise Unknown(UnknownReason.NOT_APPLICABLE, "no SageMaker resources were found in the audited accounts")


def groups(view: EvidenceView) -> list[dict[str, object]]:
    return [g for _, g in c.items(view, aws.SM_REGISTRY, "groups")]


@signals.signal(
    "ml.registry.package_groups",
    type=SignalType.COUNT,
    confidence=H,
    unit="groups",
    description="SageMaker model package groups with at least two versions.",
)
def package_groups(view: EvidenceView) -> Measured:
    """Registered SageMaker models that show iteration."""
    c.need(view, "sagemaker.registry")
    require_sagemaker(view)
    found = [g for g in groups(view) if len(g.get("packages", [])) >= 2]  # type: ignore[arg-type]
    return Measured(len(found), view.of_kind(aws.SM_REGISTRY))


@signals.signal(
    "ml.pipeline.executions_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="executions",
    description="SageMaker pipeline executions started in the last 30 days.",
)
def pipeline_executions(view: EvidenceView) -> Measured:
    """Training-pipeline activity."""
    c.need(view, "sagemaker.pipelines")
    require_sagemaker(view)
    ref = c.now(view)
    runs = [
        x
        for _, p in c.items(view, aws.SM_PIPELINES, "pipelines")
        for x in p.get("executions", [])
        if c.within(x.get("started"), ref, PIPELINE_WINDOW_DAYS)
    ]
    return Measured(len(runs), view.of_kind(aws.SM_PIPELINES))


def package_index(view: EvidenceView) -> dict[str, dict[str, object]]:
    """Model packages by ARN, with their group name."""
    return {
        p["arn"]: {**p, "group": g["name"]}  # type: ignore[index]
        for g in groups(view)
        for p in g.get("packages", [])  # type: ignore[union-attr]
    }


def _package_of(ref: str | None, index: dict[str, dict[str, object]]) -> dict[str, object] | None:
    if not ref:
        return None
    if ref in index:
        return index[ref]
    return next((p for arn, p in index.items() if arn.endswith("/" + ref) or p["group"] == ref), None)


@signals.signal(
    "ml.governance.endpoint_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of production SageMaker endpoints whose every variant serves an Approved model "
    "package documented by a model card.",
)
def governance_ratio(view: EvidenceView) -> Measured:
    """Governed production endpoints over production endpoints."""
    c.need(view, "sagemaker.endpoints", "sagemaker.registry", "sagemaker.model_cards")
    prod = c.production_endpoints(view)
    require_population(len(prod), "production SageMaker endpoints")
    index = package_index(view)
    cards = {i["name"] for _, i in c.items(view, aws.SM_MODEL_CARDS, "items")}

    def governed(ep: Evidence) -> bool:
        variants = ep.data.get("variants", [])
        for v in variants:
            pkg = _package_of(v.get("model_package"), index)
            if pkg is None or pkg.get("approval") != "Approved":
                return False
            if pkg["group"] not in cards and v.get("model_name") not in cards:
                return False
        return bool(variants)

    return Measured.share(
        prod, [e for e in prod if governed(e)], evidence=[*prod, *view.of_kind(aws.SM_REGISTRY)]
    )


@signals.signal(
    "ml.training.gpu_ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of recent SageMaker training jobs on GPU instance types (ml.p*, ml.g*, ml.trn*).",
)
def gpu_ratio(view: EvidenceView) -> Measured:
    """GPU training jobs over described training jobs."""
    c.need(view, "sagemaker.training")
    jobs = [j for _, j in c.items(view, aws.SM_TRAINING, "jobs")]
    require_population(len(jobs), "SageMaker training jobs", view.of_kind(aws.SM_TRAINING))
    return Measured(ratio(sum(1 for j in jobs if j.get("gpu")), len(jobs)), view.of_kind(aws.SM_TRAINING))


def _progressive(ep: Evidence) -> bool:
    live = [v for v in ep.data.get("variants", []) if v.get("weight", 0) > 0]
    return len(live) >= 2 or ep.data.get("shadow_variants", 0) > 0 or bool(ep.data.get("auto_rollback"))


@signals.signal(
    "ml.delivery.progressive_endpoints",
    type=SignalType.COUNT,
    confidence=M,
    unit="endpoints",
    description="Production SageMaker endpoints with progressive delivery: two or more weighted variants, a "
    "shadow variant, or a deployment guarded by auto-rollback alarms.",
)
def progressive(view: EvidenceView) -> Measured:
    """Endpoints that can release gradually."""
    c.need(view, "sagemaker.endpoints")
    prod = c.production_endpoints(view)
    return Measured.count(prod, [e for e in prod if _progressive(e)])


@signals.signal(
    "ml.deploy.auto_rollback",
    type=SignalType.COUNT,
    confidence=M,
    unit="endpoints",
    description="Production SageMaker endpoints whose deployments roll back automatically on alarms.",
)
def auto_rollback(view: EvidenceView) -> Measured:
    """Rollback readiness."""
    c.need(view, "sagemaker.endpoints")
    prod = c.production_endpoints(view)
    return Measured.count(prod, [e for e in prod if e.data.get("auto_rollback")])


@signals.signal(
    "ml.deploy.endpoint_updates_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="endpoints",
    description="Production SageMaker endpoints created or updated in the last 30 days (model deployments).",
)
def endpoint_updates(view: EvidenceView) -> Measured:
    """How many production endpoints saw a deployment this month."""
    c.need(view, "sagemaker.endpoints")
    prod = c.production_endpoints(view)
    require_population(len(prod), "production SageMaker endpoints")
    ref = c.now(view)
    recent = [e for e in prod if c.within(e.data.get("last_modified"), ref, DEPLOY_WINDOW_DAYS)]
    return Measured(len(recent), prod)


@signals.signal(
    "ml.deploy.lead_time_days",
    type=SignalType.NUMBER,
    confidence=M,
    unit="days",
    description="Median days from a model package's registration to the deployment of the production "
    "endpoint serving it.",
)
def lead_time(view: EvidenceView) -> Measured:
    """Model lead time, from the registry's creation time to the endpoint's last modification."""
    c.need(view, "sagemaker.endpoints", "sagemaker.registry")
    index = package_index(view)
    days: list[float] = []
    used: list[Evidence] = []
    for ep in c.production_endpoints(view):
        deployed = c.parse(ep.data.get("last_modified"))
        for v in ep.data.get("variants", []):
            pkg = _package_of(v.get("model_package"), index)
            created = c.parse(pkg.get("created")) if pkg else None  # type: ignore[arg-type]
            if deployed and created:
                days.append(max((deployed - created).total_seconds() / 86400, 0.0))
                used.append(ep)
    require_population(len(days), "production endpoints serving a registered model package")
    return Measured(round(median(days), 2), [*used, *view.of_kind(aws.SM_REGISTRY)])
