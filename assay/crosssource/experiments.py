"""Experiment tracking and reproducibility across MLflow and SageMaker Experiments (SIGNALS.md, MLOps).

A team tracking its training runs in MLflow, in SageMaker Experiments, or in both, is measured over all of
its runs: the ladder's "≥20 runs in 90 days, ≥70% logging params and metrics" and the reproducibility
shares read one population. A source contributes when it was configured and read (a configured source
whose runs could not be read makes the signal unknown with that reason, never a fail) and, for AWS, when
the accounts keep SageMaker experiments at all. Unknown (not configured) when neither contributes. With
MLflow alone the values are exactly the MLflow signals' (``ml.tracking.*``, ``ml.repro.*``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assay.collectors.derive import (
    EvidenceView,
    Measured,
    Unknown,
    per_evidence,
    ratio,
    require_population,
)
from assay.crosssource.base import H, M, signals
from assay.evidence import Evidence, SignalType, UnknownReason
from assay.kinds import aws, mlflow
from assay.kinds import experiments as x
from assay.kinds.cloud import speaks

SOURCES = (mlflow.SOURCE, aws.SOURCE)
RUNS_WINDOW_DAYS = 90
NOTHING_TRACKED = (
    "experiment tracking is read from MLflow or SageMaker Experiments; MLflow is not configured in this "
    "audit and the audited AWS accounts keep no SageMaker experiments (or AWS is not configured either)"
)
POPULATION = "tracked runs (MLflow or SageMaker Experiments) in the lookback window"


def _contributing(view: EvidenceView) -> tuple[bool, bool]:
    """(MLflow contributes, SageMaker contributes); Unknown when a configured one could not be read or
    when neither has anything to say."""
    use_mlflow = speaks(view, mlflow.SOURCE, ("tracking",))
    use_aws = speaks(view, aws.SOURCE, (x.SAGEMAKER_RUNS_SCOPE,)) and x.sagemaker_in_use(view)
    if not (use_mlflow or use_aws):
        raise Unknown(UnknownReason.NOT_CONFIGURED, NOTHING_TRACKED)
    return use_mlflow, use_aws


def _check_window(view: EvidenceView, use_mlflow: bool, use_aws: bool) -> None:
    """A 90-day count needs every contributing source read at least 90 days back."""
    short = []
    if use_mlflow and (days := mlflow.lookback_days(view)) < RUNS_WINDOW_DAYS:
        short.append(f"{days} days of MLflow runs (collectors.mlflow.lookback_days)")
    if use_aws and (days := x.sagemaker_lookback(view)) < RUNS_WINDOW_DAYS:
        short.append(f"{days} days of SageMaker Experiments runs (collectors.aws.lookback_days)")
    if short:
        raise Unknown(
            UnknownReason.UNSUPPORTED,
            f"the audit read only {' and '.join(short)}; set it to {RUNS_WINDOW_DAYS} or more",
        )


def tracked_runs(view: EvidenceView) -> list[x.Run]:
    """Every described run in its source's lookback window, MLflow's then SageMaker's."""
    use_mlflow, use_aws = _contributing(view)
    return [
        *(x.mlflow_runs(view) if use_mlflow else []),
        *(x.sagemaker_runs(view) if use_aws else []),
    ]


def _share(view: EvidenceView, good: Callable[[dict[str, Any]], bool]) -> Measured:
    runs = tracked_runs(view)
    require_population(len(runs), POPULATION)
    hits = sum(1 for _, run in runs if good(run))
    return Measured(ratio(hits, len(runs)), x.experiments_of(runs), per_evidence(runs, good))


@signals.signal(
    "ml.experiments.runs_90d",
    type=SignalType.COUNT,
    confidence=H,
    unit="runs",
    sources=SOURCES,
    description="Tracked training runs started in the last 90 days: MLflow runs and SageMaker Experiments "
    "runs (trial components of an experiment).",
)
def runs_90d(view: EvidenceView) -> Measured:
    """Runs of both trackers in 90 days; a SageMaker run past the collector's describe cap still counts."""
    use_mlflow, use_aws = _contributing(view)
    _check_window(view, use_mlflow, use_aws)
    count, cited = 0, []
    if use_mlflow:
        found = x.mlflow_runs(view, RUNS_WINDOW_DAYS)
        count, cited = len(found), x.experiments_of(found)
    if use_aws:
        more, experiments = x.sagemaker_run_count(view, RUNS_WINDOW_DAYS)
        count, cited = count + more, [*cited, *experiments]
    return Measured(count, cited)


@signals.signal(
    "ml.experiments.active",
    type=SignalType.COUNT,
    confidence=M,
    unit="experiments",
    sources=SOURCES,
    description="MLflow and SageMaker experiments with at least one run in the lookback window.",
)
def active(view: EvidenceView) -> Measured:
    """Experiments that saw a run in the window, in either tracker."""
    found: list[Evidence] = x.experiments_of(tracked_runs(view))
    return Measured(len(found), found)


@signals.signal(
    "ml.experiments.logged_ratio",
    type=SignalType.RATIO,
    confidence=H,
    sources=SOURCES,
    description="Share of tracked runs in the window (MLflow or SageMaker Experiments) that logged at least "
    "one parameter and one metric.",
)
def logged_ratio(view: EvidenceView) -> Measured:
    """Runs with ≥1 param and ≥1 metric over tracked runs; members: each experiment."""
    return _share(view, x.logged)


@signals.signal(
    "ml.experiments.git_commit_ratio",
    type=SignalType.RATIO,
    confidence=H,
    sources=SOURCES,
    description="Share of tracked runs in the window that record the git commit of their code (MLflow's "
    "mlflow.source.git.commit tag; a SageMaker run's MetadataProperties.CommitId).",
)
def git_commit_ratio(view: EvidenceView) -> Measured:
    """Runs carrying their git commit, over tracked runs."""
    return _share(view, x.committed)


@signals.signal(
    "ml.experiments.repro_ratio",
    type=SignalType.RATIO,
    confidence=H,
    sources=SOURCES,
    description="Share of tracked runs in the window that are reproducible: a git commit, a dataset input "
    "(an MLflow dataset; a SageMaker input artifact other than SageMaker's own) and a captured environment "
    "(an MLflow project env, image or logged model; a SageMaker image URI or the job that ran it).",
)
def repro_ratio(view: EvidenceView) -> Measured:
    """Runs with commit, dataset and environment, over tracked runs."""
    return _share(view, x.reproducible)
