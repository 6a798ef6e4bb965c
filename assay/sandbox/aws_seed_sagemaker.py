"""Seed SageMaker for one account and region: notebooks, the model registry and model cards, experiments
and their runs (aws_seed_experiments.py), training jobs, pipelines and their executions, models and
endpoints (with data capture and variants).

Monitoring schedules, feature groups and projects are returned as the front's answers (moto does not list
them)."""

from __future__ import annotations

import json
from typing import Any

from assay.sandbox.aws_seed_experiments import seed_experiment

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7-1"


def _tags(defaults: dict[str, str], spec: dict[str, Any]) -> list[dict[str, str]]:
    tags = spec.get("tags")
    if tags is False:
        return []
    return [{"Key": k, "Value": str(v)} for k, v in {**defaults, **(tags or {})}.items()]


def seed_sagemaker(
    sm: Any,
    account: str,
    region: str,
    spec: dict[str, Any],
    defaults: dict[str, str],
    metrics: Any = None,
) -> dict[str, Any]:
    role = f"arn:aws:iam::{account}:role/SageMakerExecution"
    for nb in spec.get("notebooks") or []:
        sm.create_notebook_instance(
            NotebookInstanceName=nb["name"],
            InstanceType=nb.get("instance_type", "ml.t3.medium"),
            RoleArn=role,
            Tags=_tags(defaults, nb),
        )
    packages: dict[str, list[str]] = {}
    for group in spec.get("model_package_groups") or []:
        sm.create_model_package_group(ModelPackageGroupName=group["name"], Tags=_tags(defaults, group))
        for status in group.get("versions") or []:
            arn = sm.create_model_package(
                ModelPackageGroupName=group["name"],
                ModelApprovalStatus=status,
                InferenceSpecification={
                    "Containers": [{"Image": IMAGE}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
            )["ModelPackageArn"]
            packages.setdefault(group["name"], []).append(arn)
    for card in spec.get("model_cards") or []:
        sm.create_model_card(
            ModelCardName=card, Content=json.dumps({"model_overview": {}}), ModelCardStatus="Approved"
        )
    trial_components: list[dict[str, Any]] = []
    for exp in spec.get("experiments") or []:
        trial_components += seed_experiment(sm, metrics, exp if isinstance(exp, dict) else {"name": exp})
    for job in spec.get("training_jobs") or []:
        for i in range(int(job.get("count", 1))):
            sm.create_training_job(
                TrainingJobName=f"{job['name']}-{i + 1:03d}",
                AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                RoleArn=role,
                OutputDataConfig={"S3OutputPath": "s3://sagemaker-output/"},
                ResourceConfig={
                    "InstanceType": job.get("instance_type", "ml.m5.xlarge"),
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                },
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
                Tags=_tags(defaults, job),
            )
    for p in spec.get("pipelines") or []:
        definition = {
            "Version": "2020-12-01",
            "Steps": [{"Name": "Train", "Type": "Training", "Arguments": {}}],
        }
        sm.create_pipeline(
            PipelineName=p["name"],
            PipelineDefinition=json.dumps(definition),
            RoleArn=role,
            Tags=_tags(defaults, p),
        )
        for _ in range(int(p.get("executions", 0))):
            sm.start_pipeline_execution(PipelineName=p["name"])
    for ep in spec.get("endpoints") or []:
        _endpoint(sm, role, ep, packages, defaults)
    return {
        "monitoring_schedules": list(spec.get("monitoring_schedules") or []),
        "feature_groups": [
            {"name": n} if isinstance(n, str) else n for n in spec.get("feature_groups") or []
        ],
        "projects": [{"name": n} if isinstance(n, str) else n for n in spec.get("projects") or []],
        "trial_components": trial_components,
    }


def _endpoint(
    sm: Any, role: str, ep: dict[str, Any], packages: dict[str, list[str]], defaults: dict[str, str]
) -> None:
    """A model per variant (from a registered package when the fixture names one), a config, the endpoint."""
    variants = []
    count = int(ep.get("variants", 1))
    for i in range(count):
        model = f"{ep['name']}-model-{i + 1}"
        container: dict[str, Any] = {"Image": IMAGE, "ModelDataUrl": f"s3://models/{ep['name']}/model.tar.gz"}
        if ep.get("package"):
            group, _, version = str(ep["package"]).partition("/")
            container = {"ModelPackageName": packages[group][int(version or len(packages[group])) - 1]}
        sm.create_model(
            ModelName=model, ExecutionRoleArn=role, PrimaryContainer=container, Tags=_tags(defaults, ep)
        )
        variants.append(
            {
                "VariantName": f"variant-{i + 1}",
                "ModelName": model,
                "InitialInstanceCount": 1,
                "InstanceType": ep.get("instance_type", "ml.m5.large"),
                "InitialVariantWeight": 1.0 / count,
            }
        )
    config: dict[str, Any] = {"EndpointConfigName": f"{ep['name']}-config", "ProductionVariants": variants}
    if ep.get("data_capture"):
        config["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": 20,
            "DestinationS3Uri": f"s3://model-monitoring/{ep['name']}/",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        }
    sm.create_endpoint_config(**config, Tags=_tags(defaults, ep))
    sm.create_endpoint(
        EndpointName=ep["name"], EndpointConfigName=config["EndpointConfigName"], Tags=_tags(defaults, ep)
    )
