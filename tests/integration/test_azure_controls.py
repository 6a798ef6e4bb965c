"""Budgets and Defender for Cloud plans through the real azure-mgmt-consumption and azure-mgmt-security
clients against the local ARM stand-in over HTTPS; a refused read makes exactly its signals unknown."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.azure import AzureCollector, AzureConfig
from assay.collectors.base import CollectContext
from assay.collectors.derive import EvidenceView
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, MemberStatus, SignalStatus, UnknownReason
from assay.sandbox.azure_standin import AzureMaterializer
from assay.sandbox.estate import load_estate

pytestmark = pytest.mark.integration

PROD, DEV = "5d8c2e41-7a3b-4f9c-8e1d-2b6a0c9f3e71", "8f3a6c12-4e5b-4d7a-9c2e-0b1f8d7e6a53"
CONTROLS = ("cloud.cost.budgets", "cloud.cost.project_budgets", "sec.threat_detection.coverage")


def collect(name: str, workdir: Path, **fixture: Any) -> tuple[list[Evidence], CollectContext]:
    estate = load_estate(name)
    mat = AzureMaterializer()
    result = mat.start(estate, {**(estate.source("azure") or {}), **fixture}, workdir)
    saved = {k: os.environ.get(k) for k in result.env}
    os.environ.update(result.env)
    try:
        ctx = CollectContext("azure")
        return list(AzureCollector().collect(AzureConfig.model_validate(result.config), ctx)), ctx
    finally:
        mat.stop()
        for key, old in saved.items():
            os.environ.pop(key) if old is None else os.environ.__setitem__(key, old)


def derived(evidence: list[Evidence]) -> dict[str, Any]:
    view = EvidenceView(evidence, {"azure": CollectorRun(name="azure", status="ok")})
    return {s.name: s for s in [*AzureCollector().derive(view), *cross_source.derive(view)]}


def values(evidence: list[Evidence]) -> dict[str, Any]:
    return {n: (s.value if s.status is SignalStatus.OK else s.reason) for n, s in derived(evidence).items()}


def test_cygnus_budgets_and_defender_decide_the_controls(tmp_path: Path) -> None:
    evidence, ctx = collect("cygnus-ai", tmp_path)
    assert [e for e in evidence if e.kind == "azure.gap"] == []
    found = values(evidence)
    assert {n: found[n] for n in CONTROLS} == {
        "cloud.cost.budgets": 4,
        "cloud.cost.project_budgets": 2,  # the ML resource group's budget and the support assistant's tag
        "sec.threat_detection.coverage": 1.0,
    }
    budgets = {b["name"]: b for e in evidence if e.kind == "azure.cost.budgets" for b in e.data["budgets"]}
    assert budgets["ml-platform-prod"]["resource_group"] == "rg-ml-prod"
    assert budgets["ml-platform-prod"]["project"] == "rg-ml-prod"
    assert budgets["support-assistant"]["project"] == "support-assistant"
    assert budgets["cygnus-azure-prod-monthly"]["project"] is None
    assert all(b["notifications"] == 1 for b in budgets.values())
    assert ctx.api_calls[f"budgets.list {PROD}"] == 1 and ctx.api_calls[f"pricings.list {PROD}"] == 1


def test_aurora_has_a_silent_budget_and_no_defender(tmp_path: Path) -> None:
    evidence, _ = collect("aurora-dynamics", tmp_path)
    found = derived(evidence)
    assert found["cloud.cost.budgets"].value == 0  # its one budget alerts no one
    assert [m.status for m in found["cloud.cost.budgets"].members] == [MemberStatus.FAIL]
    threat = found["sec.threat_detection.coverage"]
    assert threat.value == 0.0
    assert [m.subject for m in threat.members] == ["9a0d2b6e-1c3f-4e58-8b7a-5f2c4d6e8a10"]


def test_borealis_analyst_vm_is_not_watched(tmp_path: Path) -> None:
    evidence, _ = collect("borealis-health", tmp_path)
    found = values(evidence)
    assert {n: found[n] for n in CONTROLS} == {
        "cloud.cost.budgets": 1,
        "cloud.cost.project_budgets": 0,
        "sec.threat_detection.coverage": 0.0,  # Defender for Servers is Free while a VM runs
    }


def test_budget_lists_follow_next_link(tmp_path: Path) -> None:
    fixture = copy.deepcopy(load_estate("cygnus-ai").source("azure"))
    prod = fixture["subscriptions"][0]
    prod["budgets"] += [
        {"name": f"team-{i}", "project": f"team-{i}", "notify": ["t@x.example"]} for i in range(3)
    ]
    evidence, ctx = collect("cygnus-ai", tmp_path, subscriptions=fixture["subscriptions"])
    assert ctx.api_calls[f"budgets.list {PROD}"] == 2  # 6 budgets, 3 per page
    assert values(evidence)["cloud.cost.project_budgets"] == 5


def test_refused_pricings_read_is_denied_for_threat_detection_only(tmp_path: Path) -> None:
    evidence, _ = collect("cygnus-ai", tmp_path, faults={"deny": ["defender"]})
    gaps = [e for e in evidence if e.kind == "azure.gap"]
    assert {g.subject for g in gaps} == {"defender"} and len(gaps) == 2  # one per subscription
    assert all("Microsoft.Security/pricings/read" in g.data["message"] for g in gaps)
    assert all("AuthorizationFailed" in g.data["message"] for g in gaps)
    found = derived(evidence)
    denied = sorted(n for n, s in found.items() if s.reason is UnknownReason.DENIED)
    assert denied == ["sec.threat_detection.coverage"]
    assert "Microsoft.Security/pricings/read" in (found["sec.threat_detection.coverage"].message or "")
    assert found["cloud.cost.budgets"].value == 4 and found["cloud.tags.coverage"].value == 1.0


def test_refused_budgets_read_is_denied_for_the_budget_signals_only(tmp_path: Path) -> None:
    evidence, _ = collect("cygnus-ai", tmp_path, faults={"deny": ["budgets"]})
    gaps = [e for e in evidence if e.kind == "azure.gap"]
    assert {g.subject for g in gaps} == {"budgets"}
    assert all("Microsoft.Consumption/budgets/read" in g.data["message"] for g in gaps)
    found = values(evidence)
    denied = sorted(n for n, v in found.items() if v is UnknownReason.DENIED)
    assert denied == ["cloud.cost.budgets", "cloud.cost.project_budgets"]
    assert found["sec.threat_detection.coverage"] == 1.0


def test_permissions_name_the_new_actions() -> None:
    role = AzureCollector.permissions()
    assert "Microsoft.Consumption/budgets/read" in role and "Microsoft.Security/pricings/read" in role
