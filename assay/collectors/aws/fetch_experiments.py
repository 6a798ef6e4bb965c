"""SageMaker Experiments per account and region: the experiments, and the runs (trial components) each
saw in the lookback window, with what they logged.

Since 2022 a SageMaker Experiments run (``sagemaker.experiments.Run``) is a trial component in the
experiment's run group; a training job started with an ``ExperimentConfig`` is one too. Per cell the calls
are bounded: ListExperiments (paged), one ListTrialComponents per experiment (paged, created in the
window), and DescribeTrialComponent for at most ``max_runs`` runs, newest first. Runs listed but not
described count as runs; the shares are measured over those described, and the evidence says how many
were left out. Only counts and flags are kept: no parameter or metric values, no artifact URIs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api, Gap
from assay.collectors.aws.shapes import iso
from assay.evidence import Evidence

RUNS_SCOPE = "sagemaker.experiments.runs"
# Input artifacts SageMaker itself records that are not datasets: the container image and the like.
SAGEMAKER_ARTIFACT_PREFIX = "sagemaker."
IMAGE_ARTIFACTS = frozenset({"sagemaker.imageuri", "sagemaker.image_uri", "image", "image_uri", "imageuri"})
# Jobs that run in a recorded container image: a run they created carries its environment.
JOB_SOURCES = ("SageMakerTrainingJob", "SageMakerProcessingJob", "SageMakerTransformJob")
GIT_PARAMETERS = frozenset({"git_commit", "git.commit", "commit_id", "commit_sha", "source.git.commit"})


def experiments(api: Api, lookback_days: int, max_runs: int) -> list[Evidence]:
    """The cell's experiment list, then one ``aws.sagemaker.experiment`` evidence per experiment with its
    recent runs; a refused run read becomes a gap for the runs alone (the list still counts)."""
    listed = api.pages("sagemaker", "ListExperiments", "ExperimentSummaries")
    names = {
        "items": sorted(
            ({"name": e["ExperimentName"], "status": e.get("ExperimentSource")} for e in listed),
            key=lambda i: i["name"],
        )
    }
    found: list[Evidence] = [api.evidence(kinds.SM_EXPERIMENTS, api.cell, "sagemaker:ListExperiments", names)]
    try:
        found += _runs(api, listed, lookback_days, max_runs)
    except Gap as gap:
        found.append(gap.evidence)
    return found


def _runs(api: Api, listed: list[dict[str, Any]], lookback_days: int, max_runs: int) -> list[Evidence]:
    since = api.ctx.now - timedelta(days=lookback_days)
    per_experiment: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for exp in sorted(listed, key=lambda e: e["ExperimentName"]):
        summaries = api.pages(
            "sagemaker",
            "ListTrialComponents",
            "TrialComponentSummaries",
            ExperimentName=exp["ExperimentName"],
            CreatedAfter=since,
            SortBy="CreationTime",
            SortOrder="Descending",
        )
        cutoff = iso(since) or ""
        recent: dict[str, dict[str, Any]] = {}
        for s in summaries:  # the window again here: not every endpoint honours CreatedAfter
            if (iso(s.get("CreationTime")) or cutoff) >= cutoff:
                recent.setdefault(s["TrialComponentName"], s)
        per_experiment.append((exp, list(recent.values())))
    stamped = [
        (iso(s.get("CreationTime")) or "", s["TrialComponentName"]) for _, rs in per_experiment for s in rs
    ]
    newest = sorted(stamped, reverse=True)
    chosen = {name for _, name in newest[:max_runs]}
    details: dict[str, dict[str, Any]] = {}
    for name in sorted(chosen):
        details[name] = api.call("sagemaker", "DescribeTrialComponent", TrialComponentName=name) or {}
    return [_experiment(api, exp, runs, details, lookback_days, max_runs) for exp, runs in per_experiment]


def _experiment(
    api: Api,
    exp: dict[str, Any],
    runs: list[dict[str, Any]],
    details: dict[str, dict[str, Any]],
    lookback_days: int,
    max_runs: int,
) -> Evidence:
    described = [
        run_summary(s, details[s["TrialComponentName"]]) for s in runs if s["TrialComponentName"] in details
    ]
    data = {
        "name": exp["ExperimentName"],
        "account": api.account.id,
        "region": api.region,
        "created": iso(exp.get("CreationTime")),
        "lookback_days": lookback_days,
        "runs_listed": len(runs),
        "runs_described": len(described),
        "describe_cap": max_runs,
        "runs": sorted(described, key=lambda r: (r["created"] or "", r["name"])),
        # Runs past the cap: only when they were created, so they still count as runs.
        "undescribed_created": sorted(
            iso(s.get("CreationTime")) or "" for s in runs if s["TrialComponentName"] not in details
        ),
    }
    arn = exp.get("ExperimentArn") or (
        f"arn:{api.partition}:sagemaker:{api.region}:{api.account.id}:experiment/{exp['ExperimentName'].lower()}"
    )
    return api.evidence(kinds.SM_EXPERIMENT, arn, "sagemaker:ListTrialComponents", data)


def run_summary(summary: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    """One run as the signals read it: counts and flags, never values."""
    inputs = detail.get("InputArtifacts") or {}
    source = detail.get("Source") or summary.get("TrialComponentSource") or {}
    source_type = str(source.get("SourceType") or "")
    params = detail.get("Parameters") or {}
    commit = (detail.get("MetadataProperties") or {}).get("CommitId") or any(
        k.lower() in GIT_PARAMETERS for k in params
    )
    return {
        "name": summary["TrialComponentName"],
        "created": iso(summary.get("CreationTime") or detail.get("CreationTime")),
        "started": iso(detail.get("StartTime") or summary.get("StartTime")),
        "status": (detail.get("Status") or summary.get("Status") or {}).get("PrimaryStatus"),
        "source_type": source_type or None,
        "n_params": len(params),
        "n_metrics": len(detail.get("Metrics") or []),
        "has_git_commit": bool(commit),
        "datasets": sorted(k for k in inputs if not k.lower().startswith(SAGEMAKER_ARTIFACT_PREFIX)),
        "has_env": source_type in JOB_SOURCES or any(k.lower() in IMAGE_ARTIFACTS for k in inputs),
        "outputs": len(detail.get("OutputArtifacts") or {}),
    }
