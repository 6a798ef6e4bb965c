"""Resolving what an Azure Policy assignment enforces, on azure-mgmt-resource-policy models built from the
recorded definitions (fixtures/recorded/azure/policy): where a definition lives, parameterised effects,
policyEffect overrides and initiatives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.resource.policy.models import PolicyAssignment, PolicyDefinition, PolicySetDefinition

from assay.collectors.azure.policy import (
    DefinitionReader,
    DefinitionRef,
    Unreadable,
    parse_definition_id,
    resolve_assignment,
    strongest,
)

POLICY = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "azure" / "policy"
BUILTIN_ML = "/providers/Microsoft.Authorization/policyDefinitions/438c38d2-3772-465a-a9cc-7a6666a275ce"
SUB = "/subscriptions/ae640e6b-ba3e-4256-9d62-2993eecfa6f2/providers/Microsoft.Authorization"
NAMING = f"{SUB}/policyDefinitions/ResourceNaming"


def body(name: str) -> dict[str, Any]:
    doc = json.loads((POLICY / name).read_text(encoding="utf-8"))
    return doc["responses"]["200"]["body"] if "responses" in doc else doc


DEFINITIONS = {
    BUILTIN_ML.lower(): PolicyDefinition(
        body("builtin-438c38d2-Workspace_PublicNetworkAccessDisabled_Audit.json")
    ),
    NAMING.lower(): PolicyDefinition(body("getPolicyDefinition.json")),
}


def reader(extra: dict[str, Any] | None = None) -> DefinitionReader:
    known = {**DEFINITIONS, **(extra or {})}

    def fetch(ref: DefinitionRef) -> Any:
        if ref.id.lower() not in known:
            raise LookupError(f"404 {ref.id}")
        return known[ref.id.lower()]

    return DefinitionReader(fetch)


def assignment(definition_id: str, **properties: Any) -> PolicyAssignment:
    return PolicyAssignment({"name": "a", "properties": {"policyDefinitionId": definition_id, **properties}})


def test_a_definition_id_says_where_it_lives_and_which_call_reads_it() -> None:
    mg = (
        "/providers/Microsoft.Management/managementgroups/MyManagementGroup/providers/Microsoft.Authorization"
    )
    cases = {
        BUILTIN_ML: ("builtin", "", "policy_definitions.get_built_in"),
        NAMING: ("subscription", "ae640e6b-ba3e-4256-9d62-2993eecfa6f2", "policy_definitions.get"),
        f"{mg}/policyDefinitions/ResourceNaming": (
            "management_group",
            "MyManagementGroup",
            "policy_definitions.get_at_management_group",
        ),
        "/subscriptions/s/providers/Microsoft.Authorization/policySetDefinitions/CostManagement": (
            "subscription",
            "s",
            "policy_set_definitions.get",
        ),
    }
    for definition_id, (scope, scope_id, op) in cases.items():
        ref = parse_definition_id(definition_id)
        assert ref is not None and (ref.scope, ref.scope_id, ref.operation) == (scope, scope_id, op)
    assert parse_definition_id("/subscriptions/s/resourceGroups/rg") is None


def test_a_parameterised_effect_takes_the_assignment_value_then_the_default() -> None:
    ref = parse_definition_id(BUILTIN_ML)
    assert ref is not None
    by_default = resolve_assignment(assignment(BUILTIN_ML), ref, reader())
    assert (by_default.effects, by_default.ai_services) == (["audit"], True)
    given = assignment(BUILTIN_ML, parameters={"Effect": {"value": "Deny"}})  # names are case-insensitive
    assert resolve_assignment(given, ref, reader()).effects == ["deny"]


def test_a_policy_effect_override_wins() -> None:
    ref = parse_definition_id(NAMING)
    assert ref is not None
    overridden = assignment(NAMING, overrides=[{"kind": "policyEffect", "value": "Audit"}])
    assert resolve_assignment(overridden, ref, reader()).effects == ["audit"]


def test_an_initiative_is_resolved_member_by_member() -> None:
    set_id = f"{SUB}/policySetDefinitions/ml"
    initiative = PolicySetDefinition(
        {
            "properties": {
                "parameters": {"mlEffect": {"type": "String", "defaultValue": "Deny"}},
                "policyDefinitions": [
                    {
                        "policyDefinitionId": BUILTIN_ML,
                        "policyDefinitionReferenceId": "ml_public_access",
                        "parameters": {"effect": {"value": "[parameters('mlEffect')]"}},
                    },
                    {"policyDefinitionId": NAMING, "policyDefinitionReferenceId": "naming"},
                ],
            }
        }
    )
    ref = parse_definition_id(set_id)
    assert ref is not None and ref.is_set
    overrides = [
        {
            "kind": "policyEffect",
            "value": "Audit",
            "selectors": [{"kind": "policyDefinitionReferenceId", "in": ["naming"]}],
        }
    ]
    resolved = resolve_assignment(
        assignment(set_id, overrides=overrides), ref, reader({set_id.lower(): initiative})
    )
    assert sorted(resolved.effects) == ["audit", "deny"] and resolved.ai_services
    assert strongest(resolved.effects) == "deny"
    given = assignment(set_id, parameters={"mlEffect": {"value": "Disabled"}})
    assert sorted(resolve_assignment(given, ref, reader({set_id.lower(): initiative})).effects) == [
        "deny",
        "disabled",
    ]


def test_an_unreadable_definition_is_raised_naming_it_and_read_once() -> None:
    mg = "/providers/Microsoft.Management/managementGroups/TestManagementGroup"
    missing = f"{mg}/providers/Microsoft.Authorization/policyDefinitions/storageSkus"
    ref = parse_definition_id(missing)
    assert ref is not None
    calls: list[str] = []

    def fetch(r: DefinitionRef) -> Any:
        calls.append(r.id)
        raise LookupError("404")

    shared = DefinitionReader(fetch)
    for _ in range(2):
        with pytest.raises(Unreadable) as unreadable:
            resolve_assignment(assignment(missing), ref, shared)
        assert unreadable.value.ref.id == missing
    assert calls == [missing]


def test_an_effect_parameter_without_value_or_default_is_unresolved() -> None:
    no_default = PolicyDefinition(
        {
            "properties": {
                "parameters": {"effect": {"type": "String"}},
                "policyRule": {"then": {"effect": "[parameters('effect')]"}},
            }
        }
    )
    custom = "/subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/custom"
    ref = parse_definition_id(custom)
    assert ref is not None
    resolved = resolve_assignment(assignment(custom), ref, reader({custom.lower(): no_default}))
    assert resolved.effects == [] and resolved.unresolved == [custom]
