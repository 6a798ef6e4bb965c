"""Cost controls per account: budgets and their notifications, anomaly monitors, cost-allocation tags and
ML spend by project tag (Cost Explorer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api

PROJECT_TAG_KEYS = ("project", "application", "app", "workload", "initiative", "product")
ML_SERVICES = (
    "Amazon SageMaker",
    "Amazon Bedrock",
    "Amazon Comprehend",
    "Amazon Rekognition",
    "Amazon Textract",
    "Amazon Personalize",
    "Amazon Forecast",
)
SPEND_WINDOW_DAYS = 30


def budgets(api: Api) -> list[Any]:
    """Budgets with their scope (a project tag filter) and how many notifications they send."""
    found = []
    for budget in api.pages("budgets", "DescribeBudgets", "Budgets", AccountId=api.account.id):
        name = budget["BudgetName"]
        notes = api.pages(
            "budgets",
            "DescribeNotificationsForBudget",
            "Notifications",
            AccountId=api.account.id,
            BudgetName=name,
        )
        found.append(
            {
                "name": name,
                "type": budget.get("BudgetType"),
                "project": _project_filter(budget),
                "notifications": len(notes),
            }
        )
    data = {"budgets": sorted(found, key=lambda b: b["name"])}
    return [api.evidence(kinds.BUDGETS, api.account.id, "budgets:DescribeBudgets", data)]


def _project_filter(budget: dict[str, Any]) -> str | None:
    """The project a budget is scoped to, from a TagKeyValue cost filter such as ``user:project$fraud``."""
    values = list((budget.get("CostFilters") or {}).get("TagKeyValue") or [])
    tags = (budget.get("FilterExpression") or {}).get("Tags") or {}
    if tags.get("Key"):
        values += [f"{tags['Key']}${v}" for v in tags.get("Values") or []]
    for value in values:
        key, _, tag_value = str(value).removeprefix("user:").partition("$")
        if key.lower() in PROJECT_TAG_KEYS and tag_value:
            return tag_value
    return None


def anomaly_monitors(api: Api) -> list[Any]:
    """Cost Explorer anomaly monitors (their names and what they watch)."""
    monitors = api.pages("ce", "GetAnomalyMonitors", "AnomalyMonitors")
    data = {
        "monitors": sorted(
            ({"name": m.get("MonitorName", ""), "type": m.get("MonitorType", "")} for m in monitors),
            key=lambda m: m["name"],
        )
    }
    return [api.evidence(kinds.ANOMALY_MONITORS, api.account.id, "ce:GetAnomalyMonitors", data)]


def allocation_tags(api: Api) -> list[Any]:
    """User-defined cost-allocation tag keys and whether each is active."""
    tags = api.pages("ce", "ListCostAllocationTags", "CostAllocationTags", Type="UserDefined")
    data = {
        "active": sorted(t["TagKey"] for t in tags if t.get("Status") == "Active"),
        "inactive": sorted(t["TagKey"] for t in tags if t.get("Status") != "Active"),
    }
    return [api.evidence(kinds.ALLOCATION_TAGS, api.account.id, "ce:ListCostAllocationTags", data)]


def ml_spend(api: Api, project_tag: str = "project") -> list[Any]:
    """ML/AI service spend over the last 30 days, grouped by the project tag ("" = untagged)."""
    end = api.ctx.now.date()
    start = end - timedelta(days=SPEND_WINDOW_DAYS)
    result = (
        api.call(
            "ce",
            "GetCostAndUsage",
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
            Filter={
                "And": [
                    {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [api.account.id]}},
                    {"Dimensions": {"Key": "SERVICE", "Values": list(ML_SERVICES)}},
                ]
            },
            GroupBy=[{"Type": "TAG", "Key": project_tag}],
        )
        or {}
    )
    by_project: dict[str, float] = {}
    for period in result.get("ResultsByTime") or []:
        for group in period.get("Groups") or []:
            key = (group.get("Keys") or [""])[0]
            project = key.split("$", 1)[1] if "$" in key else ""
            amount = float(((group.get("Metrics") or {}).get("UnblendedCost") or {}).get("Amount") or 0)
            by_project[project] = round(by_project.get(project, 0.0) + amount, 2)
    data = {
        "window_days": SPEND_WINDOW_DAYS,
        "tag_key": project_tag,
        "by_project": dict(sorted(by_project.items())),
        "total": round(sum(by_project.values()), 2),
        "untagged": by_project.get("", 0.0),
    }
    return [api.evidence(kinds.ML_SPEND, api.account.id, "ce:GetCostAndUsage", data)]
