"""The Azure collector replayed against Azure Resource Manager's published recordings.

The recordings (fixtures/recorded/azure, origins in its manifest.json and fixtures/recorded/README.md) are
served over HTTPS at their real paths and api-versions; the real azure-identity and azure-mgmt-* clients run
AzureCollector against them. Each test asserts what a person reading the recordings expects.
"""

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
from assay.sandbox.azure_standin.replay import ReplayServer, load_manifest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "azure"
RECORDINGS = load_manifest(ROOT)
SUB = "291bba3f-e0a5-47bc-a099-3bdcb2a50a05"  # the first subscription GetSubscriptions.json shows


class Replay:
    def __init__(self, files: list[str], workdir: Path, **faults: Any) -> None:
        self.server = ReplayServer([RECORDINGS[f] for f in files], workdir, **faults)

    def collect(self, **overrides: Any) -> tuple[list[Evidence], CollectContext]:
        os.environ["ASSAY_REPLAY_AZURE_CLIENT_SECRET"] = self.server.secret
        try:
            ctx = CollectContext("azure")
            cfg = AzureConfig.model_validate({**self.server.config, "subscriptions": [SUB], **overrides})
            return list(AzureCollector().collect(cfg, ctx)), ctx
        finally:
            del os.environ["ASSAY_REPLAY_AZURE_CLIENT_SECRET"]


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[Any]:
    started: list[Replay] = []

    def start(files: list[str], **faults: Any) -> Replay:
        started.append(Replay(files, tmp_path / f"r{len(started)}", **faults))
        return started[-1]

    yield start
    for r in started:
        r.server.stop()


def one(evidence: list[Evidence], kind: str) -> dict[str, Any]:
    [found] = [e.data for e in evidence if e.kind == kind]
    return found


def gaps(evidence: list[Evidence]) -> list[Evidence]:
    return [e for e in evidence if e.kind == "azure.gap"]


def signals(evidence: list[Evidence]) -> dict[str, Any]:
    view = EvidenceView(evidence, {"azure": CollectorRun(name="azure", status="ok")})
    found = [*AzureCollector().derive(view), *AwsCollector().derive(view), *cross_source.derive(view)]
    return {s.name: (s.value if s.status is SignalStatus.OK else s.reason) for s in found}


ESTATE = [
    "subscriptions/GetSubscriptions.json",
    "resources/ResourceGroups_Get.json",
    "deployments/PutDeploymentWithOnErrorDeploymentLastSuccessful.json",
    "machinelearningservices/OnlineEndpoint_get.json",
    "monitor/getMetricAlertSingleResource.json",
    "monitor/getScheduledQueryRule.json",
    "consumption/BudgetsList.json",
    "security/ListPricings_example.json",
]
NAMING = ["policy/createPolicyAssignmentWithoutEnforcement.json", "policy/getPolicyDefinition.json"]


def test_subscription_state_is_the_wire_value(replay: Any) -> None:
    """Defect: the state was stored as "SubscriptionState.ENABLED" (str() of the SDK enum)."""
    evidence, _ = replay(ESTATE).collect(subscriptions=[])
    subs = sorted((e.data["name"], e.data["state"]) for e in evidence if e.kind == "azure.subscription")
    assert subs == [("Example Subscription", "Enabled"), ("Example Subscription2", "Enabled")]
    first = next(e.data for e in evidence if e.kind == "azure.subscription" and e.subject == SUB)
    assert first["tags"] == {"tagKey1": "tagValue1", "tagKey2": "tagValue2"}


def test_recorded_estate_reads_as_recorded(replay: Any) -> None:
    evidence, ctx = replay(ESTATE).collect()
    assert gaps(evidence) == []
    resources = one(evidence, "azure.resources")["resources"]
    assert sorted(r["type"] for r in resources) == [
        "Microsoft.Insights/metricAlerts",
        "Microsoft.Insights/scheduledQueryRules",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
    ]
    [deployment] = one(evidence, "azure.deployments")["deployments"]
    assert deployment["name"] == "my-deployment" and deployment["resource_group"] == "my-resource-group"
    assert deployment["state"] == "Accepted"  # the wire value, not "ProvisioningState.ACCEPTED"
    assert deployment["timestamp"].startswith("2019-03-01T00:00:00")
    [endpoint] = [e.data for e in evidence if e.kind == "azure.ml.online_endpoint"]
    assert endpoint["name"] == "testEndpointName"
    assert endpoint["provisioning_state"] == "Creating" and endpoint["traffic"] == {"string": 1}
    assert endpoint["workspace"].endswith("/workspaces/my-aml-workspace")
    alerts = {e.data["type"]: e.data for e in evidence if e.kind == "azure.monitor.alert"}
    assert {t: a["enabled"] for t, a in alerts.items()} == {"metricAlerts": True, "scheduledQueryRules": True}
    assert alerts["metricAlerts"]["scopes"][0].endswith("/virtualmachines/gigwadme")
    assert alerts["scheduledQueryRules"]["scopes"][0].endswith("/virtualmachines/vm1")
    found = signals(evidence)
    assert found["ai.inventory.cloud_endpoints"] == 0  # the one endpoint is still "Creating"
    assert ctx.api_calls[f"resources.get_by_id[onlineEndpoints] {SUB}"] == 1


def test_recorded_budgets_and_defender_plans_read_as_recorded(replay: Any) -> None:
    evidence, ctx = replay(ESTATE).collect()
    assert gaps(evidence) == []
    budgets = one(evidence, "azure.cost.budgets")["budgets"]
    assert [(b["resource_group"], b["notifications"], b["project"]) for b in budgets] == [
        ("", 2, None),  # the subscription's: its tag filters (category, department) name no project
        ("MYDEVTESTRG", 2, "MYDEVTESTRG"),  # a resource-group budget: that group's own
    ]
    plans = {p["name"]: p for p in one(evidence, "azure.security.defender")["plans"]}
    assert len(plans) == 13
    assert {n: p["tier"] for n, p in plans.items() if p["tier"] == "Free"} == {
        "AppServices": "Free",
        "ContainerRegistry": "Free",
        "KubernetesService": "Free",
        "OpenSourceRelationalDatabases": "Free",
    }
    assert plans["VirtualMachines"]["sub_plan"] == "P2" and plans["KubernetesService"]["deprecated"] is True
    found = signals(evidence)
    assert found["cloud.cost.budgets"] == 2 and found["cloud.cost.project_budgets"] == 1
    # Resource Manager's plan is Standard; the recorded resources (alerts, an ML endpoint) need no other
    assert found["sec.threat_detection.coverage"] == 1.0
    assert ctx.api_calls[f"budgets.list {SUB}"] == 1 and ctx.api_calls[f"pricings.list {SUB}"] == 1


def test_denied_pricings_read_leaves_budgets_counted(replay: Any) -> None:
    evidence, _ = replay(ESTATE, deny=["defender"]).collect()
    [gap] = gaps(evidence)
    assert gap.subject == "defender" and gap.data["reason"] == "denied"
    assert "Microsoft.Security/pricings/read" in gap.data["message"]
    found = signals(evidence)
    assert found["sec.threat_detection.coverage"] is UnknownReason.DENIED
    assert found["cloud.cost.budgets"] == 2


def test_do_not_enforce_assignment_is_not_enforced(replay: Any) -> None:
    """Defect: enforcementMode DoNotEnforce came out enforced (str(EnforcementMode.DO_NOT_ENFORCE))."""
    evidence, _ = replay([*ESTATE, *NAMING]).collect()
    assert gaps(evidence) == []
    [naming] = one(evidence, "azure.policy")["assignments"]
    assert naming == {
        "name": "EnforceNaming",
        "definition": "ResourceNaming",
        "effect": "deny",
        "enforced": False,
        "ai_services": False,
    }
    assert signals(evidence)["sec.guardrails.deny"] == 0  # a deny that is not enforced guards nothing


def test_unreadable_definitions_are_gaps_naming_definition_and_call(replay: Any) -> None:
    """Defect: a definition that could not be read (404, or kept at a management group) left effect ""."""
    files = [
        *ESTATE,
        *NAMING,
        "policy/listPolicyAssignments.json",
        "policy/listPolicyAssignmentsForManagementGroup.json",
    ]
    evidence, _ = replay(files).collect()
    by_name = {a["name"]: a for a in one(evidence, "azure.policy")["assignments"]}
    assert sorted(by_name) == [
        "CostManagement",
        "EnforceNaming",
        "TagEnforcement",
        "TestCostManagement",
        "TestTagEnforcement",
    ]
    assert by_name["EnforceNaming"]["effect"] == "deny"
    assert {by_name[n]["effect"] for n in by_name if n != "EnforceNaming"} == {""}
    found = {g.endpoint: g for g in gaps(evidence)}
    mg = "/providers/Microsoft.Management/managementGroups/TestManagementGroup"
    mg += "/providers/Microsoft.Authorization"
    sub = "/subscriptions/ae640e6b-ba3e-4256-9d62-2993eecfa6f2/providers/Microsoft.Authorization"
    assert sorted(found) == sorted(
        [
            f"policy_definitions.get {sub}/policyDefinitions/storageSkus",
            f"policy_definitions.get {sub}/policyDefinitions/TagKeyValue",
            f"policy_definitions.get_at_management_group {mg}/policyDefinitions/storageSkus",
            f"policy_definitions.get_at_management_group {mg}/policyDefinitions/TagKeyValue",
        ]
    )
    for gap in found.values():
        assert gap.subject == "policy" and gap.data["reason"] == "error"
        assert "PolicyDefinitionNotFound" in gap.data["message"]
        assert "Microsoft.Authorization/policyDefinitions/read" in gap.data["message"]
    assert signals(evidence)["sec.guardrails.deny"] is UnknownReason.ERROR  # not a silent undercount


def test_denied_policy_read_names_the_missing_permission(replay: Any) -> None:
    evidence, _ = replay([*ESTATE, *NAMING], deny=["policy"]).collect()
    [gap] = gaps(evidence)
    assert gap.data["reason"] == "denied"
    assert "Microsoft.Authorization/policyAssignments/read" in gap.data["message"]


def test_nothing_readable_fails_the_source(replay: Any) -> None:
    server = replay([*ESTATE, *NAMING], deny=["resources", "deployments", "policy", "budgets", "defender"])
    with pytest.raises(SourceUnavailable) as failed:
        server.collect()
    assert failed.value.reason is UnknownReason.DENIED
    assert "nothing could be read" in failed.value.message
    denied = replay(ESTATE, deny=["subscriptions"])
    with pytest.raises(SourceUnavailable) as refused:
        denied.collect()
    assert refused.value.reason is UnknownReason.DENIED
    assert "Microsoft.Resources/subscriptions/read" in refused.value.message


def test_an_initiative_that_cannot_be_read_is_a_gap_naming_it(replay: Any) -> None:
    """getPolicyAssignmentWithOverrides assigns an initiative that the recordings do not publish."""
    evidence, _ = replay([*ESTATE, "policy/getPolicyAssignmentWithOverrides.json"]).collect()
    [assignment] = one(evidence, "azure.policy")["assignments"]
    assert assignment["name"] == "CostManagement" and assignment["initiative"] is True
    assert assignment["effect"] == "" and assignment["enforced"] is True
    [gap] = gaps(evidence)
    assert gap.endpoint == (
        "policy_set_definitions.get /subscriptions/ae640e6b-ba3e-4256-9d62-2993eecfa6f2/providers/"
        "Microsoft.Authorization/policySetDefinitions/CostManagement"
    )
    assert "Microsoft.Authorization/policySetDefinitions/read" in gap.data["message"]


@pytest.mark.parametrize("status", [429, 503])
def test_throttled_answers_with_retry_after_are_retried(replay: Any, status: int) -> None:
    server = replay([*ESTATE, *NAMING], throttle={"policy": 1}, throttle_status=status, retry_after="1")
    evidence, _ = server.collect()
    assert gaps(evidence) == []
    assert [a["name"] for a in one(evidence, "azure.policy")["assignments"]] == ["EnforceNaming"]
    asked = [p for m, p in server.server.server.requests if p.lower().endswith("/policyassignments")]
    assert len(asked) == 2  # the throttled answer, then its retry


def test_a_retry_after_past_the_source_timeout_is_not_waited_for(replay: Any) -> None:
    server = replay([*ESTATE, *NAMING], throttle={"policy": 9}, retry_after="3600")
    evidence, _ = server.collect(timeout_seconds=20)
    [gap] = gaps(evidence)
    assert gap.subject == "policy" and "TooManyRequests" in gap.data["message"]
    asked = [p for m, p in server.server.server.requests if p.lower().endswith("/policyassignments")]
    assert len(asked) == 1  # an hour's wait does not fit in 20 s: the 429 is reported, not slept on
    assert one(evidence, "azure.resources")["resources"]  # the other families were still read
