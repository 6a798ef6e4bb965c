"""An estate's budgets and Defender for Cloud plans as Cost Management and Microsoft.Security serve them
(Budgets_List at api-version 2024-08-01, Pricings_List at 2024-01-01).

In ``azure.yaml``, per subscription::

    budgets:
      - {name: monthly-total, amount: 5000, notify: [finops@example.com]}     # subscription scope
      - {name: fraud, resource_group: rg-fraud, notify: [team@example.com]}     # resource-group scope
      - {name: reco, project: reco, notify: [], threshold: 90}                   # filtered by a project tag
    defender: {Arm: Standard, VirtualMachines: Standard}   # plans left out are on the Free tier

A budget with no ``notify`` has no notifications; ``action_group`` adds an action group recipient.
"""

from __future__ import annotations

from typing import Any

PLANS = (  # the current (not deprecated) plans a subscription lists
    "VirtualMachines",
    "SqlServers",
    "AppServices",
    "StorageAccounts",
    "SqlServerVirtualMachines",
    "KeyVaults",
    "Arm",
    "OpenSourceRelationalDatabases",
    "CosmosDbs",
    "Containers",
    "CloudPosture",
    "Api",
    "AI",
)
ENABLED_AT = "2025-01-06T09:30:00.0000000Z"


def budget(sid: str, spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(resource group or "", the Budget as ARM returns it)."""
    rg = str(spec.get("resource_group") or "")
    scope = f"/subscriptions/{sid}" + (f"/resourceGroups/{rg}" if rg else "")
    props: dict[str, Any] = {
        "category": "Cost",
        "amount": float(spec.get("amount", 1000)),
        "timeGrain": spec.get("time_grain", "Monthly"),
        "timePeriod": {"startDate": "2025-01-01T00:00:00Z", "endDate": "2027-12-31T00:00:00Z"},
        "currentSpend": {"amount": float(spec.get("spent", 0)), "unit": "USD"},
        "notifications": {},
    }
    if spec.get("project"):
        props["filter"] = {"tags": {"name": "project", "operator": "In", "values": [str(spec["project"])]}}
    emails = [str(e) for e in spec.get("notify") or []]
    groups = [str(g) for g in ([spec["action_group"]] if spec.get("action_group") else [])]
    if emails or groups:
        threshold = int(spec.get("threshold", 80))
        note: dict[str, Any] = {
            "enabled": bool(spec.get("enabled", True)),
            "operator": "GreaterThan",
            "threshold": threshold,
            "contactEmails": emails,
            "thresholdType": "Actual",
        }
        if groups:
            note["contactGroups"] = groups
        props["notifications"][f"Actual_GreaterThan_{threshold}_Percent"] = note
    return rg, {
        "id": f"{scope}/providers/Microsoft.Consumption/budgets/{spec['name']}",
        "name": spec["name"],
        "type": "Microsoft.Consumption/budgets",
        "eTag": '"1d34d012214157f"',
        "properties": props,
    }


def pricings(sid: str, tiers: dict[str, str]) -> dict[str, Any]:
    """The PricingList of a subscription: every plan, Free unless the estate says otherwise."""
    value = []
    for plan in PLANS:
        tier = str(tiers.get(plan, "Free"))
        props: dict[str, Any] = {
            "pricingTier": tier,
            "freeTrialRemainingTime": "PT0S",
            "enforce": "False",
            "resourcesCoverageStatus": "FullyCovered" if tier == "Standard" else "NotCovered",
        }
        if tier == "Standard":
            props["enablementTime"] = ENABLED_AT
        value.append(
            {
                "id": f"/subscriptions/{sid}/providers/Microsoft.Security/pricings/{plan}",
                "name": plan,
                "type": "Microsoft.Security/pricings",
                "properties": props,
            }
        )
    return {"value": value}
