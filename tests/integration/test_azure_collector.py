"""The Azure collector through the real azure-identity and azure-mgmt-* clients against the local ARM
stand-in over HTTPS (a CA generated per run, trusted through the config's ca_bundle)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.aws import AwsCollector
from assay.collectors.azure import AzureCollector, AzureConfig
from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.derive import EvidenceView
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.sandbox.azure_standin import AzureMaterializer
from assay.sandbox.estate import load_estate

pytestmark = pytest.mark.integration


class Served:
    def __init__(self, name: str, workdir: Path, **fixture: Any) -> None:
        estate = load_estate(name)
        self.mat = AzureMaterializer()
        result = self.mat.start(estate, {**(estate.source("azure") or {}), **fixture}, workdir)
        self.config, self.env = result.config, result.env

    def collect(self, **overrides: Any) -> tuple[list[Evidence], CollectContext]:
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            ctx = CollectContext("azure")
            cfg = AzureConfig.model_validate({**self.config, **overrides})
            return list(AzureCollector().collect(cfg, ctx)), ctx
        finally:
            for key, old in saved.items():
                os.environ.pop(key) if old is None else os.environ.__setitem__(key, old)


def signals(evidence: list[Evidence]) -> dict[str, Any]:
    view = EvidenceView(evidence, {"azure": CollectorRun(name="azure", status="ok")})
    found = [*AzureCollector().derive(view), *AwsCollector().derive(view), *cross_source.derive(view)]
    return {s.name: (s.value if s.status is SignalStatus.OK else s.reason) for s in found}


@pytest.fixture
def cygnus(tmp_path: Path) -> Iterator[Served]:
    served = Served("cygnus-ai", tmp_path)
    yield served
    served.mat.stop()


def test_cygnus_merged_cloud_signals(cygnus: Served) -> None:
    evidence, ctx = cygnus.collect()
    assert [e for e in evidence if e.kind == "azure.gap"] == []
    found = signals(evidence)
    expected = {
        "cloud.accounts": 2,
        "cloud.env.separated": True,
        "cloud.tags.coverage": 1.0,
        "cloud.iac.managed_ratio": 1.0,
        "sec.guardrails.deny": 3,
        "ai.governance.policies": 1,
        "monitoring.drift.coverage": 1.0,
        "monitoring.drift.monitored_models": 1,
        "ai.inventory.cloud_endpoints": 2,
        "ai.inventory.metadata_ratio": 1.0,
        "data.lineage.purview_accounts": 1,
        "ml.azure.workspaces": 2,
        "sec.audit_trail.coverage": UnknownReason.NOT_CONFIGURED,
    }
    assert {k: found[k] for k in expected} == expected
    prod = "5d8c2e41-7a3b-4f9c-8e1d-2b6a0c9f3e71"
    assert ctx.api_calls[f"resources.list {prod}"] == 3  # 7 resources, 3 per page: followed nextLink twice
    endpoint = next(
        e for e in evidence if e.kind == "azure.ml.online_endpoint" and e.data["name"] == "demand-forecaster"
    )
    assert endpoint.data["traffic"] == {"blue": 100} and endpoint.data["provisioning_state"] == "Succeeded"


def test_refused_policy_read_is_denied_for_exactly_its_signals(tmp_path: Path) -> None:
    served = Served("cygnus-ai", tmp_path, faults={"deny": ["policy"]})
    try:
        evidence, _ = served.collect()
    finally:
        served.mat.stop()
    gaps = [e for e in evidence if e.kind == "azure.gap"]
    assert {g.subject for g in gaps} == {"policy"}
    assert all("Microsoft.Authorization/policyAssignments/read" in g.data["message"] for g in gaps)
    assert all("AuthorizationFailed" in g.data["message"] for g in gaps)
    found = signals(evidence)
    denied = sorted(name for name, v in found.items() if v is UnknownReason.DENIED)
    assert denied == ["ai.governance.policies", "sec.guardrails.deny"]
    assert found["cloud.tags.coverage"] == 1.0


def test_throttled_requests_are_retried_after_retry_after(tmp_path: Path) -> None:
    served = Served("borealis-health", tmp_path, faults={"throttle": {"resources": 1}})
    try:
        evidence, _ = served.collect()
        throttled = [p for m, p in served.mat.standin.requests if p.endswith("/resources")]
    finally:
        served.mat.stop()
    assert len(throttled) == 3  # a 429, its retry, then the second page (4 resources, 3 per page)
    assert [e for e in evidence if e.kind == "azure.gap"] == []
    assert signals(evidence)["cloud.tags.coverage"] == 0.75


def test_tls_is_verified_and_credentials_are_checked(cygnus: Served) -> None:
    with pytest.raises(SourceUnavailable) as untrusted:
        cygnus.collect(ca_bundle=None, max_retries=0)
    assert untrusted.value.reason is UnknownReason.ERROR
    assert "certificate" in untrusted.value.message.lower()
    os.environ["ASSAY_TEST_WRONG_SECRET"] = "not-the-secret"
    try:
        with pytest.raises(SourceUnavailable) as refused:
            cygnus.collect(client_secret_env="ASSAY_TEST_WRONG_SECRET", max_retries=0)
    finally:
        del os.environ["ASSAY_TEST_WRONG_SECRET"]
    assert refused.value.reason is UnknownReason.DENIED


def test_missing_resource_and_subscription_answer_arm_error_bodies(cygnus: Served) -> None:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.resources import ResourceManagementClient

    cfg = cygnus.config
    secret = cygnus.env["ASSAY_SANDBOX_AZURE_CLIENT_SECRET"]
    credential = ClientSecretCredential(
        cfg["tenant_id"],
        cfg["client_id"],
        secret,
        authority=cfg["authority"],
        connection_verify=cfg["ca_bundle"],
        disable_instance_discovery=True,
    )
    kwargs = {
        "base_url": cfg["base_url"],
        "connection_verify": cfg["ca_bundle"],
        "credential_scopes": [cfg["base_url"] + "/.default"],  # ARM checks the audience
    }
    prod = ResourceManagementClient(credential, "5d8c2e41-7a3b-4f9c-8e1d-2b6a0c9f3e71", **kwargs)
    with pytest.raises(ResourceNotFoundError) as missing:
        prod.resources.get_by_id(
            "/subscriptions/5d8c2e41-7a3b-4f9c-8e1d-2b6a0c9f3e71/resourceGroups/rg-ml-prod/providers/"
            "Microsoft.Storage/storageAccounts/nosuch",
            api_version="2023-01-01",
        )
    assert missing.value.error is not None and missing.value.error.code == "ResourceNotFound"
    ghost = ResourceManagementClient(credential, "00000000-0000-0000-0000-00000000dead", **kwargs)
    with pytest.raises(ResourceNotFoundError) as no_sub:
        list(ghost.resources.list())
    assert no_sub.value.error is not None and no_sub.value.error.code == "SubscriptionNotFound"
