"""SageMaker evidence per account and region: endpoints (one evidence each), the model registry, training
jobs, pipelines, projects, model cards, monitoring schedules, feature groups and notebooks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api
from assay.collectors.aws.shapes import iso, tag_dict

GPU_FAMILIES = ("ml.p", "ml.g", "ml.trn", "ml.dl")


def endpoints(api: Api) -> list[Any]:
    """One ``aws.sagemaker.endpoint`` evidence per endpoint (subject: its ARN): the cross-source contract."""
    found = []
    models: dict[str, str | None] = {}
    for summary in api.pages("sagemaker", "ListEndpoints", "Endpoints"):
        name = summary["EndpointName"]
        detail = api.call("sagemaker", "DescribeEndpoint", EndpointName=name) or {}
        config = (
            api.call("sagemaker", "DescribeEndpointConfig", EndpointConfigName=detail["EndpointConfigName"])
            or {}
        )
        tags = api.pages("sagemaker", "ListTags", "Tags", ResourceArn=summary["EndpointArn"])
        variants = []
        for v in config.get("ProductionVariants") or []:
            model = v.get("ModelName")
            if model and model not in models:
                models[model] = _model_package(api, model)
            variants.append(
                {
                    "name": v.get("VariantName"),
                    "model_name": model,
                    "weight": float(v.get("InitialVariantWeight") or 1.0),
                    "model_package": models.get(model) if model else None,
                }
            )
        capture = detail.get("DataCaptureConfig") or config.get("DataCaptureConfig") or {}
        deployment = detail.get("LastDeploymentConfig") or detail.get("DeploymentConfig") or {}
        data = {
            "name": name,
            "status": detail.get("EndpointStatus", summary.get("EndpointStatus")),
            "region": api.region,
            "account": api.account.id,
            "variants": variants,
            "data_capture": bool(capture.get("EnableCapture", bool(capture))),
            "tags": tag_dict(tags),
            "created": iso(detail.get("CreationTime")),
            "last_modified": iso(detail.get("LastModifiedTime")),
            "shadow_variants": len(config.get("ShadowProductionVariants") or []),
            "auto_rollback": bool((deployment.get("AutoRollbackConfiguration") or {}).get("Alarms")),
        }
        found.append(api.evidence(kinds.ENDPOINT, summary["EndpointArn"], "sagemaker:DescribeEndpoint", data))
    return found


def _model_package(api: Api, model: str) -> str | None:
    """The model package a SageMaker model was created from, if any."""
    detail = api.call("sagemaker", "DescribeModel", ModelName=model) or {}
    containers = [detail.get("PrimaryContainer") or {}, *(detail.get("Containers") or [])]
    return next((c["ModelPackageName"] for c in containers if c.get("ModelPackageName")), None)


def registry(api: Api) -> list[Any]:
    """Model package groups with their versions' approval status and creation time."""
    groups = []
    for group in api.pages("sagemaker", "ListModelPackageGroups", "ModelPackageGroupSummaryList"):
        packages = api.pages(
            "sagemaker",
            "ListModelPackages",
            "ModelPackageSummaryList",
            ModelPackageGroupName=group["ModelPackageGroupName"],
        )
        groups.append(
            {
                "name": group["ModelPackageGroupName"],
                "packages": sorted(
                    (
                        {
                            "arn": p["ModelPackageArn"],
                            "version": p.get("ModelPackageVersion"),
                            "approval": p.get("ModelApprovalStatus"),
                            "created": iso(p.get("CreationTime")),
                        }
                        for p in packages
                    ),
                    key=lambda p: p["version"] or 0,
                ),
            }
        )
    data = {"groups": sorted(groups, key=lambda g: g["name"])}
    return [api.evidence(kinds.SM_REGISTRY, api.cell, "sagemaker:ListModelPackageGroups", data)]


def training(api: Api, lookback_days: int, max_jobs: int) -> list[Any]:
    """Training jobs of the lookback window, the newest ``max_jobs`` described for their instance type."""
    since = api.ctx.now - timedelta(days=lookback_days)
    jobs = api.pages(
        "sagemaker",
        "ListTrainingJobs",
        "TrainingJobSummaries",
        CreationTimeAfter=since,
        SortBy="CreationTime",
        SortOrder="Descending",
    )
    described = []
    for job in jobs[:max_jobs]:
        detail = api.call("sagemaker", "DescribeTrainingJob", TrainingJobName=job["TrainingJobName"]) or {}
        instance = (detail.get("ResourceConfig") or {}).get("InstanceType") or ""
        described.append(
            {
                "name": job["TrainingJobName"],
                "instance_type": instance,
                "gpu": instance.startswith(GPU_FAMILIES),
                "status": job.get("TrainingJobStatus"),
                "created": iso(job.get("CreationTime")),
            }
        )
    data = {"listed": len(jobs), "jobs": sorted(described, key=lambda j: j["name"])}
    return [api.evidence(kinds.SM_TRAINING, api.cell, "sagemaker:ListTrainingJobs", data)]


def pipelines(api: Api, lookback_days: int) -> list[Any]:
    """SageMaker pipelines and their executions in the lookback window."""
    since = api.ctx.now - timedelta(days=lookback_days)
    found = []
    for p in api.pages("sagemaker", "ListPipelines", "PipelineSummaries"):
        executions = api.pages(
            "sagemaker",
            "ListPipelineExecutions",
            "PipelineExecutionSummaries",
            PipelineName=p["PipelineName"],
            CreatedAfter=since,
        )
        found.append(
            {
                "name": p["PipelineName"],
                "executions": [
                    {"status": e.get("PipelineExecutionStatus"), "started": iso(e.get("StartTime"))}
                    for e in executions
                ],
            }
        )
    data = {"pipelines": sorted(found, key=lambda p: p["name"])}
    return [api.evidence(kinds.SM_PIPELINES, api.cell, "sagemaker:ListPipelineExecutions", data)]


def _names(api: Api, name: str, key: str, field: str, status_field: str, kind: str) -> list[Any]:
    items = api.pages("sagemaker", name, key)
    data = {
        "items": sorted(
            ({"name": i[field], "status": i.get(status_field)} for i in items), key=lambda i: i["name"]
        )
    }
    return [api.evidence(kind, api.cell, f"sagemaker:{name}", data)]


def projects(api: Api) -> list[Any]:
    """SageMaker Projects (self-service MLOps templates)."""
    return _names(
        api, "ListProjects", "ProjectSummaryList", "ProjectName", "ProjectStatus", kinds.SM_PROJECTS
    )


def model_cards(api: Api) -> list[Any]:
    """SageMaker model cards."""
    return _names(
        api, "ListModelCards", "ModelCardSummaries", "ModelCardName", "ModelCardStatus", kinds.SM_MODEL_CARDS
    )


def feature_groups(api: Api) -> list[Any]:
    """Feature Store feature groups."""
    return _names(
        api,
        "ListFeatureGroups",
        "FeatureGroupSummaries",
        "FeatureGroupName",
        "FeatureGroupStatus",
        kinds.SM_FEATURE_GROUPS,
    )


def notebooks(api: Api) -> list[Any]:
    """Notebook instances."""
    return _names(
        api,
        "ListNotebookInstances",
        "NotebookInstances",
        "NotebookInstanceName",
        "NotebookInstanceStatus",
        kinds.SM_NOTEBOOKS,
    )


def monitoring(api: Api) -> list[Any]:
    """Model Monitor schedules: which endpoint each watches, what it checks, whether it is scheduled."""
    items = api.pages("sagemaker", "ListMonitoringSchedules", "MonitoringScheduleSummaries")
    data = {
        "schedules": sorted(
            (
                {
                    "name": s["MonitoringScheduleName"],
                    "endpoint": s.get("EndpointName"),
                    "type": s.get("MonitoringType", "DataQuality"),
                    "status": s.get("MonitoringScheduleStatus"),
                }
                for s in items
            ),
            key=lambda s: s["name"],
        )
    }
    return [api.evidence(kinds.SM_MONITORING, api.cell, "sagemaker:ListMonitoringSchedules", data)]
