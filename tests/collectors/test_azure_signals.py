"""Azure-only signals and the Azure side of the merged cloud signals, from hand-built evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from assay.collectors.aws import AwsCollector
from assay.collectors.azure import AzureCollector
from assay.collectors.azure import kinds as az
from assay.collectors.azure.fetch import reason_of
from assay.collectors.derive import EvidenceView
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason

NOW = datetime(2025, 6, 1, tzinfo=UTC)
FULL = {"owner": "ml", "env": "prod", "project": "p"}


def ev(kind: str, subject: str, data: dict[str, Any]) -> Evidence:
    return Evidence.make(
        source="azure", kind=kind, subject=subject, endpoint="test", observed_at=NOW, data=data
    )


def resources(sub: str, *items: tuple[str, dict[str, str]]) -> Evidence:
    return ev(
        az.RESOURCES,
        sub,
        {
            "resources": [
                {
                    "id": f"/subscriptions/{sub}/resourceGroups/rg/providers/{t}/r{i}",
                    "type": t,
                    "location": "westeurope",
                    "tags": tags,
                }
                for i, (t, tags) in enumerate(items)
            ]
        },
    )


def derive(evidence: list[Evidence], status: str = "ok") -> dict[str, Any]:
    view = EvidenceView(evidence, {"azure": CollectorRun(name="azure", status=status)})  # type: ignore[arg-type]
    found = [*AzureCollector().derive(view), *AwsCollector().derive(view), *cross_source.derive(view)]
    return {s.name: (s.value if s.status is SignalStatus.OK else s.reason) for s in found}


def test_counts_by_resource_type() -> None:
    found = derive(
        [
            resources(
                "s",
                ("Microsoft.Purview/accounts", {}),
                ("Microsoft.DataFactory/factories", {}),
                ("Microsoft.MachineLearningServices/workspaces", {}),
                ("Microsoft.MachineLearningServices/registries", {}),
            )
        ]
    )
    assert (found["data.lineage.purview_accounts"], found["data.orchestration.data_factories"]) == (1, 1)
    assert found["ml.azure.workspaces"] == 2


def test_tags_and_iac_ignore_monitoring_rules() -> None:
    subs = [ev(az.SUBSCRIPTION, "s", {"id": "s", "name": "acme", "tags": {}})]
    res = resources(
        "s",
        ("Microsoft.Storage/storageAccounts", FULL),
        ("Microsoft.Compute/virtualMachines", {}),
        ("Microsoft.Insights/metricAlerts", {}),
    )
    deployed = ev(
        az.DEPLOYMENTS,
        "s",
        {"deployments": [{"name": "d", "resources": [res.data["resources"][0]["id"].lower()]}]},
    )
    found = derive([*subs, res, deployed])
    assert found["cloud.tags.coverage"] == 0.5
    assert found["cloud.iac.managed_ratio"] == 0.5


def test_subscription_names_separate_environments() -> None:
    subs = [
        ev(az.SUBSCRIPTION, "a", {"id": "a", "name": "acme-prod", "tags": {}}),
        ev(az.SUBSCRIPTION, "b", {"id": "b", "name": "acme", "tags": {"env": "dev"}}),
    ]
    assert derive([*subs, resources("a"), resources("b")])["cloud.env.separated"] is True
    assert derive([subs[0], resources("a")])["cloud.env.separated"] is False


def test_a_gap_and_a_failed_run() -> None:
    gap = ev("azure.gap", "policy", {"reason": "denied", "message": "no"})
    found = derive([ev(az.SUBSCRIPTION, "s", {"id": "s", "name": "x", "tags": {}}), resources("s"), gap])
    assert found["sec.guardrails.deny"] is UnknownReason.DENIED
    assert found["cloud.tags.coverage"] is UnknownReason.NOT_APPLICABLE  # no resources at all
    assert derive([], status="failed")["ml.azure.workspaces"] is UnknownReason.ERROR


class _Err(Exception):
    def __init__(self, status: int | None, text: str = "") -> None:
        super().__init__(text)
        self.status_code = status


class ClientAuthenticationError(Exception):
    pass


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (_Err(403), UnknownReason.DENIED),
        (_Err(401), UnknownReason.DENIED),
        (_Err(500), UnknownReason.ERROR),
        (_Err(501), UnknownReason.UNSUPPORTED),
        (ClientAuthenticationError("AADSTS7000215: Invalid client secret"), UnknownReason.DENIED),
        (ClientAuthenticationError("[SSL: CERTIFICATE_VERIFY_FAILED]"), UnknownReason.ERROR),
    ],
)
def test_failure_reasons(exc: Exception, reason: UnknownReason) -> None:
    assert reason_of(exc) is reason
