"""Tracked training runs, whichever tool tracked them: MLflow runs and SageMaker Experiments runs (trial
components), read through each source's evidence contract and judged by the same predicates.

Both collectors reduce a run to the same flags (``n_params``, ``n_metrics``, ``has_git_commit``,
``datasets``, ``has_env``), so a run logged to MLflow and one logged to SageMaker count alike. Pure: no SDK,
no clock; windows are measured back from each source's own observation time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import EvidenceView
from assay.evidence import Evidence
from assay.kinds import aws, mlflow

Run = tuple[Evidence, dict[str, Any]]
SAGEMAKER_RUNS_SCOPE = "sagemaker.experiments.runs"
DEFAULT_LOOKBACK_DAYS = 90


def logged(run: dict[str, Any]) -> bool:
    """At least one parameter and one metric."""
    return run.get("n_params", 0) >= 1 and run.get("n_metrics", 0) >= 1


def committed(run: dict[str, Any]) -> bool:
    """The git commit of the code that ran."""
    return bool(run.get("has_git_commit"))


def reproducible(run: dict[str, Any]) -> bool:
    """A git commit, a dataset input and a captured environment."""
    return bool(run.get("has_git_commit") and run.get("datasets") and run.get("has_env"))


def _time(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


# ---- SageMaker Experiments ----------------------------------------------------------------------------


def sagemaker_experiments(view: EvidenceView) -> list[Evidence]:
    """Every experiment whose runs were read (one evidence per experiment ARN)."""
    return view.of_kind(aws.SM_EXPERIMENT)


def sagemaker_in_use(view: EvidenceView) -> bool:
    """Whether the audited accounts keep any SageMaker experiment at all."""
    return bool(sagemaker_experiments(view)) or any(
        ev.data.get("items") for ev in view.of_kind(aws.SM_EXPERIMENTS)
    )


def sagemaker_lookback(view: EvidenceView) -> int:
    """The shortest window any cell's runs were read over."""
    days = [int(e.data.get("lookback_days", DEFAULT_LOOKBACK_DAYS)) for e in sagemaker_experiments(view)]
    return min(days, default=DEFAULT_LOOKBACK_DAYS)


def _since(view: EvidenceView, days: int | None) -> datetime:
    days = sagemaker_lookback(view) if days is None else days
    return view.reference_time(aws.SOURCE) - timedelta(days=days)


def sagemaker_runs(view: EvidenceView, days: int | None = None) -> list[Run]:
    """Described runs created within ``days`` (default: the lookback window) of the AWS observation."""
    since = _since(view, days)
    return [
        (exp, run)
        for exp in sagemaker_experiments(view)
        for run in exp.data.get("runs") or []
        if (created := _time(run.get("created"))) is not None and created >= since
    ]


def sagemaker_run_count(view: EvidenceView, days: int | None = None) -> tuple[int, list[Evidence]]:
    """Every run created in the window, described or left out by the collector's cap; and the
    experiments they belong to."""
    since = _since(view, days)
    count, cited = 0, []
    for exp in sagemaker_experiments(view):
        stamps = [r.get("created") for r in exp.data.get("runs") or []]
        stamps += list(exp.data.get("undescribed_created") or [])
        found = sum(1 for ts in stamps if (t := _time(ts)) is not None and t >= since)
        if found:
            count += found
            cited.append(exp)
    return count, cited


# ---- MLflow --------------------------------------------------------------------------------------------


def mlflow_runs(view: EvidenceView, days: int | None = None) -> list[Run]:
    """MLflow runs started in the window (the MLflow signals' own population)."""
    return mlflow.window_runs(view, days)


def experiments_of(runs: list[Run]) -> list[Evidence]:
    """The experiments the runs belong to, each once, in order of first appearance."""
    return list({exp.id: exp for exp, _ in runs}.values())
