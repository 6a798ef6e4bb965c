"""An estate's ``azure.yaml`` as the ARM objects the stand-in serves: subscriptions, resource groups,
resources (with ids, tags and properties), deployments, policy definitions and assignments, budgets and
Defender for Cloud plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.errors import EstateError
from assay.sandbox.azure_standin import controls

DEFINITIONS_PATH = "/providers/Microsoft.Authorization/policyDefinitions/"
DEPLOYMENTS_PATH = "Microsoft.Resources/deployments"


@dataclass
class ArmEstate:
    tenant_id: str
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sub -> resources
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sub -> resource groups
    deployments: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (sub, rg|"")
    assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower id -> definition
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower id -> resource
    budgets: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (sub, rg|"")
    pricings: dict[str, dict[str, Any]] = field(default_factory=dict)  # sub -> PricingList


def resource_id(sub: str, rg: str, rtype: str, name: str) -> str:
    namespace, *types = rtype.split("/")
    names = name.split("/")
    if len(types) != len(names):
        raise EstateError(f"azure.yaml: resource {name!r} needs one name segment per type segment of {rtype}")
    pairs = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{pairs}"


def build(fixture: dict[str, Any]) -> ArmEstate:
    """Turn the fixture into ARM objects (ids resolved, default tags applied, deployments expanded)."""
    estate = ArmEstate(tenant_id=str(fixture.get("tenant_id", "00000000-0000-0000-0000-000000000000")))
    for sub in fixture.get("subscriptions") or []:
        sid = str(sub["id"])
        estate.subscriptions.append(
            {
                "id": f"/subscriptions/{sid}",
                "subscriptionId": sid,
                "displayName": sub["name"],
                "state": sub.get("state", "Enabled"),
                "tenantId": estate.tenant_id,
                "tags": sub.get("tags") or {},
            }
        )
        defaults = dict(sub.get("defaults") or {})
        estate.resources[sid], estate.groups[sid] = [], []
        for group in sub.get("resource_groups") or []:
            _group(estate, sid, group, defaults)
        estate.deployments.setdefault((sid, ""), [])
        estate.assignments[sid] = [_policy(estate, sid, p) for p in sub.get("policies") or []]
        for spec in sub.get("budgets") or []:
            rg, body = controls.budget(sid, spec)
            estate.budgets.setdefault((sid, rg.lower()), []).append(body)
        estate.pricings[sid] = controls.pricings(sid, dict(sub.get("defender") or {}))
    return estate


def _group(estate: ArmEstate, sid: str, group: dict[str, Any], defaults: dict[str, str]) -> None:
    rg = group["name"]
    estate.groups[sid].append(
        {
            "id": f"/subscriptions/{sid}/resourceGroups/{rg}",
            "name": rg,
            "location": group.get("location", "westeurope"),
            "tags": group.get("tags", defaults) or {},
            "properties": {"provisioningState": "Succeeded"},
        }
    )
    names: dict[str, str] = {}
    for spec in group.get("resources") or []:
        rid = resource_id(sid, rg, spec["type"], spec["name"])
        names[spec["name"]] = rid
        tags = {} if spec.get("tags") is False else {**defaults, **(spec.get("tags") or {})}
        resource = {
            "id": rid,
            "name": spec["name"].rsplit("/", 1)[-1],
            "type": spec["type"],
            "location": spec.get("location", group.get("location", "westeurope")),
            "tags": tags,
            "properties": dict(spec.get("properties") or {}),
        }
        estate.resources[sid].append(resource)
        estate.by_id[rid.lower()] = resource
    for spec in group.get("resources") or []:  # scopes refer to resources by their fixture name
        resource = estate.by_id[names[spec["name"]].lower()]
        if spec.get("scopes"):
            scopes = [
                names.get(s) or resource_id(sid, rg, "Microsoft.MachineLearningServices/workspaces", s)
                for s in spec["scopes"]
            ]
            resource["properties"].update(_rule(spec, scopes))
        if spec["type"].lower().endswith("/onlineendpoints"):
            props = resource["properties"]
            props.setdefault("authMode", spec.get("auth_mode", "Key"))
            props.setdefault("provisioningState", "Succeeded")
            props.setdefault("traffic", spec.get("traffic", {"blue": 100}))
    for dep in group.get("deployments") or []:
        covered = (
            list(names.values())
            if dep.get("resources", "all") == "all"
            else [names[n] for n in dep["resources"]]
        )
        estate.deployments.setdefault((sid, rg), []).append(
            {
                "id": f"/subscriptions/{sid}/resourceGroups/{rg}/providers/{DEPLOYMENTS_PATH}/{dep['name']}",
                "name": dep["name"],
                "type": "Microsoft.Resources/deployments",
                "properties": {
                    "provisioningState": "Succeeded",
                    "timestamp": "2025-01-15T10:00:00Z",
                    "outputResources": [{"id": rid} for rid in covered],
                },
            }
        )


def _rule(spec: dict[str, Any], scopes: list[str]) -> dict[str, Any]:
    """The properties Azure Monitor returns for a metric alert or a log (scheduled query) alert rule."""
    common = {
        "description": spec.get("description", f"{spec['name']} alert"),
        "severity": int(spec.get("severity", 2)),
        "enabled": bool(spec.get("enabled", True)),
        "scopes": scopes,
        "evaluationFrequency": "PT5M",
        "windowSize": "PT15M",
    }
    if spec["type"].lower().endswith("/metricalerts"):
        criterion = {
            "criterionType": "StaticThresholdCriterion",
            "name": "drift",
            "metricName": spec.get("metric", "model_drift_score"),
            "dimensions": [],
            "operator": "GreaterThan",
            "threshold": float(spec.get("threshold", 0.3)),
            "timeAggregation": "Average",
        }
        odata = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
        return {**common, "criteria": {"odata.type": odata, "allOf": [criterion]}, "autoMitigate": True}
    condition = {
        "query": spec.get("query", "AmlOnlineEndpointConsoleLog | where Message has 'error'"),
        "timeAggregation": "Count",
        "operator": "GreaterThan",
        "threshold": float(spec.get("threshold", 0)),
        "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
    }
    return {**common, "criteria": {"allOf": [condition]}}


def _policy(estate: ArmEstate, sid: str, spec: dict[str, Any]) -> dict[str, Any]:
    name = spec["name"]
    target = (
        "Microsoft.MachineLearningServices/workspaces"
        if spec.get("ai")
        else "Microsoft.Resources/subscriptions/resourceGroups"
    )
    definition_id = f"/subscriptions/{sid}{DEFINITIONS_PATH}{name}"
    estate.definitions[definition_id.lower()] = {
        "id": definition_id,
        "name": name,
        "type": "Microsoft.Authorization/policyDefinitions",
        "properties": {
            "displayName": name,
            "policyType": "Custom",
            "mode": "All",
            "parameters": {"effect": {"type": "String", "defaultValue": spec.get("effect", "audit")}},
            "policyRule": {
                "if": {"field": "type", "equals": target},
                "then": {"effect": "[parameters('effect')]"},
            },
        },
    }
    return {
        "id": f"/subscriptions/{sid}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "displayName": name,
            "policyDefinitionId": definition_id,
            "scope": f"/subscriptions/{sid}",
            "enforcementMode": "Default" if spec.get("enforced", True) else "DoNotEnforce",
            "parameters": {},
        },
    }
