"""Seed one SageMaker experiment and its runs the way ``sagemaker.experiments.Run`` leaves them: a trial
component per run in the experiment's ``Default-Run-Group-<experiment>`` trial, with parameters, input
artifacts (a dataset channel and the container image), the git commit in MetadataProperties, and metrics
through SageMaker Metrics' BatchPutMetrics.

``aws.yaml`` (under a region's ``sagemaker``)::

    experiments:
      - fraud-feature-trials                 # an experiment without runs
      - name: churn-model
        runs:                                # groups of alike runs; every field but count is optional
          - {count: 24, days_ago: 10, params: 3, metrics: 2, commit: true, dataset: true, image: true}
          - {count: 2, days_ago: 120}        # bare runs, outside a 90-day window

moto keeps every trial component's creation time at "now" and its ListTrialComponents ignores the
ExperimentName and CreatedAfter filters, so the runs are also returned for the sandbox front, which lists
them per experiment with their designed ages (aws_answers.trial_components).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

IMAGE_URI = "763104351884.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7-1"
COMMIT = "4f1c2a7e9b0d3c6f8a2e5b7d9c1f3a5e7b9d0c2f"


def seed_experiment(sm: Any, metrics: Any, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Create the experiment, its run group and its runs; return the runs for the front's answers."""
    name = spec["name"]
    sm.create_experiment(ExperimentName=name)
    groups = spec.get("runs") or []
    if not groups:
        return []
    trial = f"Default-Run-Group-{name}"
    sm.create_trial(TrialName=trial, ExperimentName=name)
    seeded = []
    index = 0
    for group in groups:
        for _ in range(int(group.get("count", 1))):
            index += 1
            run = f"{name}-run-{index:03d}"
            days_ago = float(group.get("days_ago", 5))
            sm.create_trial_component(**_component(run, group, days_ago))
            sm.associate_trial_component(TrialName=trial, TrialComponentName=run)
            if int(group.get("metrics", 0)) and metrics is not None:
                metrics.batch_put_metrics(
                    TrialComponentName=run,
                    MetricData=[
                        {"MetricName": f"metric_{m}", "Timestamp": datetime.now(UTC), "Step": 0, "Value": 0.5}
                        for m in range(int(group["metrics"]))
                    ],
                )
            seeded.append({"name": run, "experiment": name, "trial": trial, "days_ago": days_ago})
    return seeded


def _component(run: str, group: dict[str, Any], days_ago: float) -> dict[str, Any]:
    started = datetime.now(UTC) - timedelta(days=days_ago)
    inputs: dict[str, dict[str, str]] = {}
    if group.get("dataset"):
        inputs["train"] = {"Value": f"s3://ml-datasets/{run}/train.csv", "MediaType": "text/csv"}
    if group.get("image"):
        inputs["SageMaker.ImageUri"] = {"Value": IMAGE_URI}
    params = {f"param_{p}": {"NumberValue": float(p)} for p in range(int(group.get("params", 0)))}
    component: dict[str, Any] = {
        "TrialComponentName": run,
        "DisplayName": run,
        "Status": {"PrimaryStatus": "Completed"},
        "StartTime": started,
        "EndTime": started + timedelta(minutes=20),
        "Parameters": params,
        "InputArtifacts": inputs,
        "OutputArtifacts": {"SageMaker.ModelArtifact": {"Value": f"s3://ml-models/{run}/model.tar.gz"}},
    }
    if group.get("commit"):
        component["MetadataProperties"] = {"CommitId": COMMIT, "Repository": "https://github.com/example/ml"}
    return component
