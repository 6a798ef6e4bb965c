"""Fixture-backed answers, in AWS's output shapes, for the operations moto does not implement (or does not
fill in): SageMaker monitoring schedules, feature groups and projects; SageMaker Experiments runs listed
per experiment; Security Hub standards; Glue data quality; Cost Explorer anomaly monitors and
cost-allocation tags; Config conformance packs; Service Catalog provisioned products.

Each answer reads the materialised estate's data for the caller's account and region (``answers`` is keyed
``"<account>/<region>"`` for regional services and ``"<account>"`` for global ones).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Answer = Callable[[dict[str, dict[str, Any]], str, str, dict[str, Any]], dict[str, Any]]


def _regional(
    answers: dict[str, dict[str, Any]], account: str, region: str, key: str
) -> list[dict[str, Any]]:
    return list((answers.get(f"{account}/{region}") or {}).get(key, []))


def _global(answers: dict[str, dict[str, Any]], account: str, key: str) -> list[dict[str, Any]]:
    return list((answers.get(account) or {}).get(key, []))


def _ago(days: float) -> float:
    return (datetime.now(UTC) - timedelta(days=days)).timestamp()


def _arn(service: str, region: str, account: str, kind: str, name: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{kind}/{name}"


def monitoring_schedules(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    items = _regional(answers, account, region, "monitoring_schedules")
    if req.get("EndpointName"):
        items = [s for s in items if s["endpoint"] == req["EndpointName"]]
    return {
        "MonitoringScheduleSummaries": [
            {
                "MonitoringScheduleName": s["name"],
                "MonitoringScheduleArn": _arn("sagemaker", region, account, "monitoring-schedule", s["name"]),
                "CreationTime": _ago(s.get("days_ago", 30)),
                "LastModifiedTime": _ago(s.get("days_ago", 30)),
                "MonitoringScheduleStatus": s.get("status", "Scheduled"),
                "EndpointName": s["endpoint"],
                "MonitoringType": s.get("type", "DataQuality"),
            }
            for s in items
        ]
    }


def feature_groups(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "FeatureGroupSummaries": [
            {
                "FeatureGroupName": g["name"],
                "FeatureGroupArn": _arn("sagemaker", region, account, "feature-group", g["name"]),
                "CreationTime": _ago(g.get("days_ago", 60)),
                "FeatureGroupStatus": g.get("status", "Created"),
            }
            for g in _regional(answers, account, region, "feature_groups")
        ]
    }


def projects(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ProjectSummaryList": [
            {
                "ProjectName": p["name"],
                "ProjectArn": _arn("sagemaker", region, account, "project", p["name"]),
                "ProjectId": f"p-{abs(hash(p['name'])) % 10**12:012d}",
                "CreationTime": _ago(p.get("days_ago", 90)),
                "ProjectStatus": p.get("status", "CreateCompleted"),
            }
            for p in _regional(answers, account, region, "projects")
        ]
    }


def enabled_standards(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    names = _regional(answers, account, region, "securityhub_standards")
    return {
        "StandardsSubscriptions": [
            {
                "StandardsSubscriptionArn": (
                    f"arn:aws:securityhub:{region}:{account}:subscription/{n}/v/1.0.0"
                ),
                "StandardsArn": f"arn:aws:securityhub:{region}::standards/{n}/v/1.0.0",
                "StandardsInput": {},
                "StandardsStatus": "READY",
            }
            for n in names
        ]
    }


def dq_rulesets(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "Rulesets": [
            {
                "Name": r["name"],
                "CreatedOn": _ago(r.get("days_ago", 60)),
                "TargetTable": {"DatabaseName": r["database"], "TableName": r["table"]},
                "RuleCount": r.get("rules", 5),
            }
            for r in _regional(answers, account, region, "dq_rulesets")
        ]
    }


def dq_results(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "Results": [
            {
                "ResultId": f"dqresult-{i:04d}-{r['table']}",
                "DataSource": {"GlueTable": {"DatabaseName": r["database"], "TableName": r["table"]}},
                "StartedOn": _ago(r.get("days_ago", 1)),
            }
            for i, r in enumerate(_regional(answers, account, region, "dq_results"))
        ]
    }


def anomaly_monitors(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "AnomalyMonitors": [
            {
                "MonitorArn": f"arn:aws:ce::{account}:anomalymonitor/{i:08d}",
                "MonitorName": name,
                "MonitorType": "DIMENSIONAL",
                "MonitorDimension": "SERVICE",
                "CreationDate": "2025-01-01",
            }
            for i, name in enumerate(_global(answers, account, "anomaly_monitors"))
        ]
    }


def cost_allocation_tags(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "CostAllocationTags": [
            {"TagKey": key, "Type": "UserDefined", "Status": "Active"}
            for key in _global(answers, account, "cost_allocation_tags")
        ]
    }


def conformance_packs(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ConformancePackDetails": [
            {
                "ConformancePackName": name,
                "ConformancePackArn": f"arn:aws:config:{region}:{account}:conformance-pack/{name}",
                "ConformancePackId": f"conformance-pack-{i:06d}",
            }
            for i, name in enumerate(_regional(answers, account, region, "conformance_packs"))
        ]
    }


def provisioned_products(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    items = _regional(answers, account, region, "provisioned_products")
    return {
        "ProvisionedProducts": [
            {
                "Name": name,
                "Id": f"pp-{i:012d}",
                "Type": "CFN_STACK",
                "Status": "AVAILABLE",
                "Arn": f"arn:aws:servicecatalog:{region}:{account}:stack/{name}/pp-{i:012d}",
                "CreatedTime": _ago(30),
            }
            for i, name in enumerate(items)
        ],
        "TotalResultsCount": len(items),
    }


def trial_components(
    answers: dict[str, dict[str, Any]], account: str, region: str, req: dict[str, Any]
) -> dict[str, Any]:
    """ListTrialComponents honouring ExperimentName, TrialName, CreatedAfter/Before and the sort order
    (moto ignores all but TrialName and dates every component "now")."""
    items = _regional(answers, account, region, "trial_components")
    if req.get("ExperimentName"):
        items = [t for t in items if t["experiment"] == req["ExperimentName"]]
    if req.get("TrialName"):
        items = [t for t in items if t["trial"] == req["TrialName"]]
    found = [(t, _ago(t.get("days_ago", 5))) for t in items]
    if req.get("CreatedAfter") is not None:
        found = [(t, ts) for t, ts in found if ts > float(req["CreatedAfter"])]
    if req.get("CreatedBefore") is not None:
        found = [(t, ts) for t, ts in found if ts < float(req["CreatedBefore"])]
    by_name = req.get("SortBy") == "Name"
    found.sort(key=lambda p: p[0]["name"] if by_name else p[1], reverse=req.get("SortOrder") == "Descending")
    return {
        "TrialComponentSummaries": [
            {
                "TrialComponentName": t["name"],
                "TrialComponentArn": _arn(
                    "sagemaker", region, account, "experiment-trial-component", t["name"]
                ),
                "DisplayName": t["name"],
                "Status": {"PrimaryStatus": "Completed"},
                "StartTime": ts,
                "CreationTime": ts,
                "LastModifiedTime": ts,
            }
            for t, ts in found
        ]
    }


ANSWERS: dict[str, Answer] = {
    "sagemaker:ListMonitoringSchedules": monitoring_schedules,
    "sagemaker:ListFeatureGroups": feature_groups,
    "sagemaker:ListProjects": projects,
    "sagemaker:ListTrialComponents": trial_components,
    "securityhub:GetEnabledStandards": enabled_standards,
    "glue:ListDataQualityRulesets": dq_rulesets,
    "glue:ListDataQualityResults": dq_results,
    "ce:GetAnomalyMonitors": anomaly_monitors,
    "ce:ListCostAllocationTags": cost_allocation_tags,
    "config:DescribeConformancePacks": conformance_packs,
    "servicecatalog:SearchProvisionedProducts": provisioned_products,
}
