"""The production-model population across sources (SIGNALS.md, "Populations"), merged by name.

Read through the evidence contracts in `assay.kinds`, never through a collector:
- MLflow ``mlflow.registered_model``: a model with a version aliased prod/production/champion or in the
  legacy Production stage;
- AWS ``aws.sagemaker.endpoint``: an endpoint InService (known by its name and its variants' model names),
  unless its environment tag or its name says dev/test/staging;
- Azure ``azure.ml.online_endpoint``: an online endpoint that provisioned, outside non-production
  subscriptions and not tagged or named non-production (known by its name and its deployments' names).
A model served under the same name by several of them is one production model, not two or three.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assay.collectors.derive import EvidenceView, Unknown
from assay.evidence import Evidence, UnknownReason
from assay.kinds import aws, cloud, mlflow
from assay.kinds import azure as az
from assay.kinds.mlflow import production_versions

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
    view.require(mlflow.SOURCE, "registry")
    return [
        ProductionModel(m.subject, {normalise(m.subject)}, [m])
        for m in view.of_kind(mlflow.REGISTERED_MODEL)
        if production_versions(m)
    ]


def _sagemaker_endpoints(view: EvidenceView) -> list[ProductionModel]:
    found = []
    for ep in view.of_kind(aws.ENDPOINT):
        if str(ep.data.get("status", "")).lower() != "inservice" or non_production(ep):
            continue
        names = {normalise(str(ep.data.get("name", "")))}
        names |= {
            normalise(str(v["model_name"])) for v in ep.data.get("variants") or [] if v.get("model_name")
        }
        found.append(ProductionModel(str(ep.data.get("name") or ep.subject), names - {""}, [ep]))
    return found


def _azure_endpoints(view: EvidenceView) -> list[ProductionModel]:
    view.require(az.SOURCE, "ml")
    found = []
    for ep in cloud.azure_production_endpoints(view):
        if non_production(ep):
            continue
        names = {normalise(str(ep.data.get("name", "")))}
        names |= {normalise(str(d)) for d in ep.data.get("traffic") or {}}
        found.append(ProductionModel(str(ep.data.get("name") or ep.subject), names - {""}, [ep]))
    return found


READERS: tuple[tuple[str, Callable[[EvidenceView], list[ProductionModel]]], ...] = (
    (mlflow.SOURCE, _mlflow_models),
    (aws.SOURCE, _sagemaker_endpoints),
    (az.SOURCE, _azure_endpoints),
)
SOURCES = tuple(source for source, _ in READERS)


def production_models(view: EvidenceView) -> tuple[list[ProductionModel], list[str]]:
    """The production models of every source that ran, merged by name; and the sources that were read.

    Unknown (not configured) when none of MLflow, AWS and Azure ran: without a registry or endpoints there
    is no list of production models to measure coverage against.
    """
    models: list[ProductionModel] = []
    read: list[str] = []
    problems: list[Unknown] = []
    for source, reader in READERS:
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
            "production models come from MLflow (a prod/production/champion alias), SageMaker (InService "
            "endpoints) or Azure ML (online endpoints); none was collected in this audit, so coverage of "
            "production models is unknown",
        )
    return models, read
