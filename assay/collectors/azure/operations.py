"""The Azure Resource Manager operations the collector calls, with the RBAC action each needs, declared
once: the collector counts calls by these names and `assay permissions azure` prints the role from them."""

from __future__ import annotations

import json

# (client operation, RBAC action, evidence scope a refusal makes unknown)
OPERATIONS: dict[str, tuple[str, str]] = {
    "subscriptions.list": ("Microsoft.Resources/subscriptions/read", "subscriptions"),
    "resources.list": ("Microsoft.Resources/subscriptions/resources/read", "resources"),
    "resource_groups.list": ("Microsoft.Resources/subscriptions/resourceGroups/read", "deployments"),
    "deployments.list_at_subscription_scope": ("Microsoft.Resources/deployments/read", "deployments"),
    "deployments.list_by_resource_group": ("Microsoft.Resources/deployments/read", "deployments"),
    "policy_assignments.list": ("Microsoft.Authorization/policyAssignments/read", "policy"),
    "policy_definitions.get": ("Microsoft.Authorization/policyDefinitions/read", "policy"),
    "policy_definitions.get_built_in": ("Microsoft.Authorization/policyDefinitions/read", "policy"),
    "policy_definitions.get_at_management_group": (
        "Microsoft.Authorization/policyDefinitions/read",
        "policy",
    ),
    "policy_set_definitions.get": ("Microsoft.Authorization/policySetDefinitions/read", "policy"),
    "policy_set_definitions.get_built_in": ("Microsoft.Authorization/policySetDefinitions/read", "policy"),
    "policy_set_definitions.get_at_management_group": (
        "Microsoft.Authorization/policySetDefinitions/read",
        "policy",
    ),
    "resources.get_by_id[onlineEndpoints]": (
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
        "ml",
    ),
    "resources.get_by_id[metricAlerts]": ("Microsoft.Insights/metricAlerts/read", "monitor"),
    "resources.get_by_id[scheduledQueryRules]": ("Microsoft.Insights/scheduledQueryRules/read", "monitor"),
    "budgets.list": ("Microsoft.Consumption/budgets/read", "budgets"),
    "pricings.list": ("Microsoft.Security/pricings/read", "defender"),
}


def actions() -> list[str]:
    return sorted({action for action, _ in OPERATIONS.values()})


def role_text() -> str:
    """A custom role definition with exactly the read actions the collector uses (Reader also suffices)."""
    role = {
        "Name": "assay reader",
        "IsCustom": True,
        "Description": "Read-only access for assay's Azure collector.",
        "Actions": actions(),
        "NotActions": [],
        "AssignableScopes": ["/subscriptions/<subscription-id>"],
    }
    return (
        "# Assign this custom role (or the built-in Reader role) at each audited subscription's scope.\n"
        + json.dumps(role, indent=2)
        + "\n"
    )
