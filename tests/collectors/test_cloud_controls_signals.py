"""Budgets, per-project budgets and threat detection read whichever cloud was collected: AWS alone, Azure
alone, both (merged), neither (unknown, not configured, never a fail)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assay.collectors.derive import EvidenceView
from assay.crosssource import signals as cross_source
from assay.crosssource.cloud_controls import defender_watches
from assay.evidence import CollectorRun, Evidence, MemberStatus, SignalStatus, UnknownReason
from assay.kinds import aws
from assay.kinds import azure as az

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
ACCOUNT = "111111111111"
PROD, DEV = "5d8c2e41-7a3b-4f9c-8e1d-2b6a0c9f3e71", "8f3a6c12-4e5b-4d7a-9c2e-0b1f8d7e6a53"
NAMES = ("cloud.cost.budgets", "cloud.cost.project_budgets", "sec.threat_detection.coverage")


def ev(source: str, kind: str, subject: str, data: dict[str, Any]) -> Evidence:
    return Evidence.make(
        source=source, kind=kind, subject=subject, endpoint="test", observed_at=NOW, data=data
    )


def derive(evidence: list[Evidence], runs: dict[str, str]) -> dict[str, Any]:
    view = EvidenceView(evidence, {n: CollectorRun(name=n, status=s) for n, s in runs.items()})  # type: ignore[arg-type]
    return {s.name: s for s in cross_source.derive(view) if s.name in NAMES}


def values(evidence: list[Evidence], runs: dict[str, str]) -> dict[str, Any]:
    return {
        n: (s.value if s.status is SignalStatus.OK else s.reason) for n, s in derive(evidence, runs).items()
    }


def aws_estate(watched: bool = True) -> list[Evidence]:
    cell = f"{ACCOUNT}/us-east-1"
    accounts = [{"id": ACCOUNT, "name": "prod", "ou_path": [], "management": False, "regions": ["us-east-1"]}]
    return [
        ev("aws", aws.SCOPE, "scan", {"accounts": accounts}),
        ev(
            "aws",
            aws.BUDGETS,
            ACCOUNT,
            {
                "budgets": [
                    {"name": "total", "project": None, "notifications": 1},
                    {"name": "fraud", "project": "fraud", "notifications": 1},
                ]
            },
        ),
        ev("aws", aws.GUARDDUTY, cell, {"detectors": [{"status": "ENABLED" if watched else "DISABLED"}]}),
        ev("aws", aws.SECURITYHUB, cell, {"enabled": True, "standards": ["cis"]}),
    ]


def budget(sub: str, name: str, notes: int, project: str | None = None, group: str = "") -> dict[str, Any]:
    scope = f"/subscriptions/{sub}" + (f"/resourcegroups/{group}" if group else "")
    return {
        "id": f"{scope}/providers/microsoft.consumption/budgets/{name}",
        "name": name,
        "resource_group": group,
        "time_grain": "Monthly",
        "notifications": notes,
        "project": project or group or None,
    }


def plans(**tiers: str) -> dict[str, Any]:
    return {
        "plans": [{"name": n, "tier": t, "sub_plan": None, "deprecated": False} for n, t in tiers.items()]
    }


def azure_estate(dev_defender: dict[str, Any] | None = None) -> list[Evidence]:
    registry = {"id": "/x/registries/cr", "type": "Microsoft.ContainerRegistry/registries", "tags": {}}
    return [
        ev("azure", az.SUBSCRIPTION, PROD, {"id": PROD, "name": "prod", "state": "Enabled", "tags": {}}),
        ev("azure", az.SUBSCRIPTION, DEV, {"id": DEV, "name": "dev", "state": "Enabled", "tags": {}}),
        ev("azure", az.RESOURCES, PROD, {"resources": [registry]}),
        ev("azure", az.RESOURCES, DEV, {"resources": []}),
        ev(
            "azure",
            az.BUDGETS,
            PROD,
            {
                "budgets": [
                    budget(PROD, "total", 1),
                    budget(PROD, "ml", 1, group="rg-ml"),
                    budget(PROD, "fraud", 2, project="fraud"),
                    budget(PROD, "silent", 0, project="reco"),
                ]
            },
        ),
        ev("azure", az.BUDGETS, DEV, {"budgets": []}),
        ev("azure", az.DEFENDER, PROD, plans(Arm="Standard", Containers="Standard")),
        ev("azure", az.DEFENDER, DEV, dev_defender or plans(Arm="Free", Containers="Free")),
    ]


def test_aws_alone_decides_as_before() -> None:
    found = values(aws_estate(), {"aws": "ok"})
    assert found == {
        "cloud.cost.budgets": 2,
        "cloud.cost.project_budgets": 1,
        "sec.threat_detection.coverage": 1.0,
    }
    assert values(aws_estate(watched=False), {"aws": "ok"})["sec.threat_detection.coverage"] == 0.0


def test_azure_alone_decides_budgets_and_defender() -> None:
    found = derive(azure_estate(), {"azure": "ok"})
    assert found["cloud.cost.budgets"].value == 3
    assert found["cloud.cost.project_budgets"].value == 2  # the resource group and the tagged project
    threat = found["sec.threat_detection.coverage"]
    assert threat.value == 0.5
    verdicts = {m.subject: m.status for m in threat.members}
    assert verdicts == {PROD: MemberStatus.PASS, DEV: MemberStatus.FAIL}  # the subscription to fix


def test_both_clouds_are_merged() -> None:
    found = values([*aws_estate(), *azure_estate(plans(Arm="Standard"))], {"aws": "ok", "azure": "ok"})
    assert found == {
        "cloud.cost.budgets": 5,
        "cloud.cost.project_budgets": 2,  # "fraud" on both clouds is one project; rg-ml the other
        "sec.threat_detection.coverage": 1.0,
    }
    mixed = values([*aws_estate(watched=False), *azure_estate()], {"aws": "ok", "azure": "ok"})
    assert mixed["sec.threat_detection.coverage"] == 0.3333  # one of three (values are rounded)


def test_neither_cloud_is_unknown_not_configured() -> None:
    found = values([], {"github": "ok"})
    assert found == {n: UnknownReason.NOT_CONFIGURED for n in NAMES}


def test_a_denied_defender_read_is_unknown_for_threat_detection_only() -> None:
    refusal = ev("azure", "azure.gap", "defender", {"reason": "denied", "message": "pricings refused"})
    evidence = [e for e in azure_estate() if e.kind != az.DEFENDER] + [refusal]
    found = values(evidence, {"azure": "ok"})
    assert found["sec.threat_detection.coverage"] is UnknownReason.DENIED
    assert found["cloud.cost.budgets"] == 3


def test_defender_must_cover_the_control_plane_and_every_workload_in_use() -> None:
    standard = [{"name": "Arm", "tier": "Standard"}, {"name": "Containers", "tier": "Standard"}]
    assert defender_watches(standard, {"microsoft.containerregistry/registries"})
    assert not defender_watches(standard, {"microsoft.compute/virtualmachines"})
    assert not defender_watches(standard[1:], set())  # Resource Manager's plan is always needed
    assert defender_watches(standard[:1], {"microsoft.machinelearningservices/workspaces"})
