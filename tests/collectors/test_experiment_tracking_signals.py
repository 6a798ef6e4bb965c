"""Experiment tracking across MLflow and SageMaker Experiments (assay/crosssource/experiments.py) over
hand-built evidence: MLflow only, SageMaker only, both, neither, experiments without runs, a denied read,
and the MLflow-only values equal to the MLflow signals' own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.collectors.aws.fetch_experiments import run_summary
from assay.collectors.derive import EvidenceView
from assay.collectors.mlflow.signals import signals as mlflow_signals
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, MemberStatus, Signal, SignalStatus, UnknownReason

# Fixed observation times far from today (and different per source): windows follow the evidence.
MLFLOW_AT = datetime(2021, 6, 30, 12, tzinfo=UTC)
AWS_AT = datetime(2023, 3, 1, 12, tzinfo=UTC)
ACCOUNT = "111111111111"
NAMES = (
    "ml.experiments.runs_90d",
    "ml.experiments.logged_ratio",
    "ml.experiments.git_commit_ratio",
    "ml.experiments.repro_ratio",
)


def stamp(at: datetime, days_ago: float) -> str:
    return (at - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def mlflow_run(
    days_ago: float = 1, *, logged: bool = True, git: bool = True, full: bool = True
) -> dict[str, Any]:
    return {
        "run_id": f"r{days_ago}{logged}{git}{full}",
        "start_time": stamp(MLFLOW_AT, days_ago),
        "n_params": 2 if logged else 0,
        "n_metrics": 1 if logged else 0,
        "has_git_commit": git,
        "datasets": [{"name": "d", "digest": "x"}] if full else [],
        "has_env": full,
    }


def sm_run(
    days_ago: float = 1, *, logged: bool = True, git: bool = True, full: bool = True
) -> dict[str, Any]:
    """A run as the collector writes it, from DescribeTrialComponent's documented shape."""
    created = AWS_AT - timedelta(days=days_ago)
    detail: dict[str, Any] = {
        "Parameters": {"lr": {"NumberValue": 0.1}} if logged else {},
        "Metrics": [{"MetricName": "auc", "Last": 0.9}] if logged else [],
        "InputArtifacts": (
            {"train": {"Value": "s3://d/train.csv"}, "SageMaker.ImageUri": {"Value": "img"}} if full else {}
        ),
        "MetadataProperties": {"CommitId": "abc123"} if git else {},
    }
    return run_summary(
        {"TrialComponentName": f"tc-{days_ago}-{logged}{git}{full}", "CreationTime": created}, detail
    )


def mlflow_experiment(name: str, *runs: dict[str, Any]) -> Evidence:
    return Evidence.make(
        source="mlflow",
        kind="mlflow.experiment",
        subject=name,
        endpoint="test",
        observed_at=MLFLOW_AT,
        data={"name": name, "runs": list(runs)},
    )


def mlflow_server(lookback: int = 90) -> Evidence:
    return Evidence.make(
        source="mlflow",
        kind="mlflow.server",
        subject="server",
        endpoint="test",
        observed_at=MLFLOW_AT,
        data={"lookback_days": lookback},
    )


def sm_experiment(name: str, *runs: dict[str, Any], undescribed: int = 0, lookback: int = 90) -> Evidence:
    return Evidence.make(
        source="aws",
        kind="aws.sagemaker.experiment",
        subject=f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:experiment/{name}",
        endpoint="test",
        observed_at=AWS_AT,
        data={
            "name": name,
            "lookback_days": lookback,
            "runs": list(runs),
            "undescribed_created": [stamp(AWS_AT, 2)] * undescribed,
        },
    )


def sm_list(*names: str) -> Evidence:
    return Evidence.make(
        source="aws",
        kind="aws.sagemaker.experiments",
        subject=f"{ACCOUNT}/us-east-1",
        endpoint="test",
        observed_at=AWS_AT,
        data={"items": [{"name": n, "status": None} for n in names]},
    )


def derive(evidence: list[Evidence], runs: dict[str, str]) -> dict[str, Signal]:
    view = EvidenceView(evidence, {n: CollectorRun(name=n, status=s) for n, s in runs.items()})  # type: ignore[arg-type]
    return {s.name: s for s in [*cross_source.derive(view), *mlflow_signals.derive(view)]}


def values(signals: dict[str, Signal], names: tuple[str, ...] = NAMES) -> list[Any]:
    return [signals[n].value if signals[n].status is SignalStatus.OK else signals[n].reason for n in names]


MLFLOW_ESTATE = [
    mlflow_server(),
    mlflow_experiment("churn", mlflow_run(1), mlflow_run(2, git=False), mlflow_run(100)),
    mlflow_experiment("fraud", mlflow_run(3, logged=False, full=False), mlflow_run(40)),
]


def test_mlflow_only_keeps_the_mlflow_signals_values_and_members() -> None:
    found = derive(MLFLOW_ESTATE, {"mlflow": "ok"})
    pairs = {
        "ml.experiments.runs_90d": "ml.tracking.runs_90d",
        "ml.experiments.logged_ratio": "ml.tracking.logged_ratio",
        "ml.experiments.git_commit_ratio": "ml.repro.git_commit_ratio",
        "ml.experiments.repro_ratio": "ml.repro.ratio",
        "ml.experiments.active": "ml.tracking.experiments_active",
    }
    for new, old in pairs.items():
        assert found[new].value == found[old].value, new
        assert found[new].members == found[old].members, new
        assert found[new].evidence == found[old].evidence, new
    assert values(found) == [4, 0.75, 0.75, 0.5]


def test_sagemaker_only_decides_tracking_and_names_each_experiment() -> None:
    evidence = [
        sm_list("churn", "fraud"),
        sm_experiment("churn", sm_run(1), sm_run(2), sm_run(120)),
        sm_experiment("fraud", sm_run(3, git=False, full=False), sm_run(4, logged=False), undescribed=5),
    ]
    found = derive(evidence, {"aws": "ok"})
    # 4 described runs in the window plus 5 past the describe cap; the 120-day-old run is outside.
    assert values(found) == [9, 0.75, 0.75, 0.75]
    members = {m.subject.rsplit("/", 1)[-1]: m.status for m in found["ml.experiments.repro_ratio"].members}
    assert members == {"churn": MemberStatus.PASS, "fraud": MemberStatus.FAIL}


def test_both_sources_are_one_population() -> None:
    evidence = [*MLFLOW_ESTATE, sm_list("churn"), sm_experiment("churn", sm_run(1), sm_run(2, git=False))]
    found = derive(evidence, {"mlflow": "ok", "aws": "ok"})
    # MLflow: 4 runs in 90 days (3 logged, 3 with a commit, 2 reproducible); SageMaker: 2 (2, 1, 1).
    assert values(found) == [6, round(5 / 6, 4), round(4 / 6, 4), round(3 / 6, 4)]
    assert len(found["ml.experiments.logged_ratio"].members) == 3


def test_neither_source_is_unknown_not_configured() -> None:
    found = derive([], {})
    assert values(found) == [UnknownReason.NOT_CONFIGURED] * 4
    # AWS read, but no SageMaker experiments anywhere: nothing shows tracking either way.
    found = derive([sm_list()], {"aws": "ok"})
    assert values(found) == [UnknownReason.NOT_CONFIGURED] * 4
    assert "SageMaker experiments" in (found["ml.experiments.runs_90d"].message or "")


def test_experiments_without_runs_count_zero_and_ratios_are_not_applicable() -> None:
    found = derive([sm_list("idle"), sm_experiment("idle", sm_run(200))], {"aws": "ok"})
    assert values(found) == [0, *[UnknownReason.NOT_APPLICABLE] * 3]


def test_a_denied_run_read_makes_tracking_unknown_not_failed() -> None:
    gap = Evidence.make(
        source="aws",
        kind="aws.gap",
        subject="sagemaker.experiments.runs",
        endpoint="sagemaker:ListTrialComponents 111111111111/us-east-1",
        observed_at=AWS_AT,
        data={"reason": "denied", "message": "sagemaker:ListTrialComponents was denied in account 1111"},
    )
    found = derive([*MLFLOW_ESTATE, sm_list("churn"), gap], {"mlflow": "ok", "aws": "partial"})
    assert values(found) == [UnknownReason.DENIED] * 4
    assert "sagemaker:ListTrialComponents" in (found["ml.experiments.logged_ratio"].message or "")
    # The MLflow signals themselves still count.
    assert found["ml.tracking.runs_90d"].value == 4


@pytest.mark.parametrize("source", ["mlflow", "aws"])
def test_a_short_lookback_makes_the_90_day_count_unsupported(source: str) -> None:
    if source == "mlflow":
        evidence, runs = [mlflow_server(30), mlflow_experiment("e", mlflow_run(1))], {"mlflow": "ok"}
    else:
        evidence, runs = [sm_list("e"), sm_experiment("e", sm_run(1), lookback=30)], {"aws": "ok"}
    found = derive(evidence, runs)
    assert found["ml.experiments.runs_90d"].reason is UnknownReason.UNSUPPORTED
    assert found["ml.experiments.logged_ratio"].value == 1.0


def test_run_summary_reads_the_documented_shape_and_keeps_no_values() -> None:
    run = run_summary(
        {"TrialComponentName": "t", "CreationTime": AWS_AT, "TrialComponentSource": {"SourceType": "x"}},
        {
            "Source": {"SourceArn": "arn:...:training-job/j", "SourceType": "SageMakerTrainingJob"},
            "Parameters": {"SageMaker.InstanceType": {"StringValue": "ml.m5.xlarge"}, "git_commit": {}},
            "InputArtifacts": {"SageMaker.ImageUri": {"Value": "img"}},
            "Metrics": [],
        },
    )
    assert run["has_env"] and run["has_git_commit"] and run["datasets"] == []
    assert run["n_params"] == 2 and run["n_metrics"] == 0 and run["source_type"] == "SageMakerTrainingJob"
    assert "img" not in str(run) and "ml.m5.xlarge" not in str(run)
