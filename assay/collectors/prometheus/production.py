"""Production models as other sources report them, to join with Prometheus' ``model`` label.

Read through the cross-source evidence contracts, not the other collectors' code:
- MLflow ``mlflow.registered_model``: a model with a version aliased prod/production/champion or in the
  legacy Production stage;
- AWS ``aws.sagemaker.endpoint``: an endpoint InService (known by its name and its variants' model names),
  unless its environment tag or its name says dev/test/staging.
An endpoint serving an MLflow production model (same name) is one production model, not two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from assay.collectors.derive import EvidenceView, Unknown
from assay.collectors.populations import production_versions
from assay.evidence import Evidence, UnknownReason

MLFLOW_MODEL = "mlflow.registered_model"
SAGEMAKER_ENDPOINT = "aws.sagemaker.endpoint"
ENV_TAG_KEYS = frozenset({"env", "environment", "stage", "tier"})
NON_PROD = re.compile(r"dev|develop|development|test|testing|stag|staging|qa|uat|sandbox|non-?prod|pre-?prod")


def non_production(endpoint: Evidence) -> bool:
    """An endpoint whose environment tag or name says dev/test/staging is not a production model."""
    tags = endpoint.data.get("tags") or {}
    env = " ".join(str(v) for k, v in tags.items() if str(k).lower() in ENV_TAG_KEYS)
    name_tokens = re.split(r"[-_.]", str(endpoint.data.get("name", "")).lower())
    return bool(NON_PROD.search(env)) or any(NON_PROD.fullmatch(t) for t in name_tokens)


def normalise(name: str) -> str:
    """Model names compare case-insensitively, with ``_`` and ``-`` alike."""
    return name.strip().lower().replace("_", "-")


@dataclass
class ProductionModel:
    """One production model and every name it may carry in a ``model`` label."""

    name: str
    names: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)

    def known_as(self, label_values: set[str]) -> bool:
        return bool(self.names & label_values)


def _mlflow_models(view: EvidenceView) -> list[ProductionModel]:
    view.require("mlflow", "registry")
    return [
        ProductionModel(m.subject, {normalise(m.subject)}, [m])
        for m in view.of_kind(MLFLOW_MODEL)
        if production_versions(m)
    ]


def _sagemaker_endpoints(view: EvidenceView) -> list[ProductionModel]:
    found = []
    for ep in view.of_kind(SAGEMAKER_ENDPOINT):
        if str(ep.data.get("status", "")).lower() != "inservice" or non_production(ep):
            continue
        names = {normalise(str(ep.data.get("name", "")))}
        names |= {
            normalise(str(v["model_name"])) for v in ep.data.get("variants") or [] if v.get("model_name")
        }
        found.append(ProductionModel(str(ep.data.get("name") or ep.subject), names - {""}, [ep]))
    return found


def production_models(view: EvidenceView) -> tuple[list[ProductionModel], list[str]]:
    """The production models of every source that ran, merged by name; and the sources that were read.

    Unknown (not configured) when neither MLflow nor AWS ran: without a registry or endpoints there is no
    list of production models to measure coverage against.
    """
    models: list[ProductionModel] = []
    read: list[str] = []
    problems: list[Unknown] = []
    for source, reader in (("mlflow", _mlflow_models), ("aws", _sagemaker_endpoints)):
        if not view.available(source):
            continue
        try:
            found = reader(view)
        except Unknown as unk:
            problems.append(unk)
            continue
        read.append(source)
        for candidate in found:
            twin = next((m for m in models if m.names & candidate.names), None)
            if twin is None:
                models.append(candidate)
            else:
                twin.names |= candidate.names
                twin.evidence.extend(candidate.evidence)
    if not read:
        if problems:
            raise problems[0]
        raise Unknown(
            UnknownReason.NOT_CONFIGURED,
            "production models come from MLflow (a prod/production/champion alias) or SageMaker (InService "
            "endpoints); neither was collected in this audit, so coverage of production models is unknown",
        )
    return models, read


def newest_production_created(model: Evidence) -> datetime | None:
    """When the newest production version of an MLflow model was created."""
    stamps = [
        datetime.fromisoformat(str(v["creation_timestamp"]))
        for v in production_versions(model)
        if v.get("creation_timestamp")
    ]
    return max(stamps) if stamps else None
