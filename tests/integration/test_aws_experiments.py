"""SageMaker Experiments runs through real boto3 against moto's server behind the sandbox front: the
experiments and their trial components (runs) of cygnus-ai, the describe cap, and a role denied
sagemaker:ListTrialComponents (only the tracking signals become unknown; everything else counts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.aws import AwsCollector, AwsConfig
from assay.collectors.base import CollectContext
from assay.evidence import Evidence, MemberStatus, UnknownReason
from assay.sandbox.aws_sandbox import AwsMaterializer
from assay.sandbox.estate import load_estate
from tests.integration.test_aws_collector import COLLECTOR_OPS, Run

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("aws")]

TRACKING = (
    "ml.experiments.runs_90d",
    "ml.experiments.active",
    "ml.experiments.logged_ratio",
    "ml.experiments.git_commit_ratio",
    "ml.experiments.repro_ratio",
)


def collect(name: str, workdir: Path, settings: dict[str, Any] | None = None, **overrides: Any) -> Run:
    estate = load_estate(name)
    mat = AwsMaterializer()
    result = mat.start(estate, {**(estate.source("aws") or {}), **overrides}, workdir)
    saved = {k: os.environ.get(k) for k in result.env}
    os.environ.update(result.env)
    try:
        config = AwsConfig.model_validate({**result.config, **(settings or {})})
        ctx = CollectContext("aws")
        run = Run(list(AwsCollector().collect(config, ctx)), ctx, mat)
    finally:
        mat.stop()
        for key, old in saved.items():
            os.environ.pop(key) if old is None else os.environ.__setitem__(key, old)
    COLLECTOR_OPS.update((svc, op) for who, svc, op in run.front_log if who == "collector")
    return run


def experiments(run: Run) -> dict[str, Evidence]:
    return {e.data["name"]: e for e in run.evidence if e.kind == "aws.sagemaker.experiment"}


@pytest.fixture(scope="module")
def cygnus(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return collect("cygnus-ai", tmp_path_factory.mktemp("cygnus"))


def test_runs_of_the_window_are_read_with_what_they_logged(cygnus: Run) -> None:
    exp = experiments(cygnus)["fraud-feature-trials"]
    assert exp.subject.startswith("arn:aws:sagemaker:us-east-1:") and exp.subject.endswith(
        ":experiment/fraud-feature-trials"
    )
    # Six runs 12 days old; the 140-day-old run is outside the 90-day lookback.
    assert (exp.data["runs_listed"], exp.data["runs_described"], exp.data["undescribed_created"]) == (
        6,
        6,
        [],
    )
    first = exp.data["runs"][0]
    assert {k: first[k] for k in ("n_params", "n_metrics", "has_git_commit", "datasets", "has_env")} == {
        "n_params": 4,
        "n_metrics": 2,
        "has_git_commit": True,
        "datasets": ["train"],
        "has_env": True,
    }
    assert "s3://" not in str(exp.data)  # artifact URIs and values stay in the account


def test_aws_alone_decides_tracking_and_names_the_experiment(cygnus: Run) -> None:
    assert [cygnus.value(n) for n in TRACKING] == [6, 1, 1.0, 1.0, 1.0]
    (member,) = cygnus.signals["ml.experiments.repro_ratio"].members
    assert member.subject.endswith(":experiment/fraud-feature-trials") and member.status is MemberStatus.PASS


def test_calls_are_bounded_per_experiment(cygnus: Run) -> None:
    calls = cygnus.ctx.api_calls
    listed = sum(n for key, n in calls.items() if key.startswith("sagemaker:ListTrialComponents"))
    described = sum(n for key, n in calls.items() if key.startswith("sagemaker:DescribeTrialComponent"))
    experiments_listed = sum(1 for e in cygnus.evidence if e.kind == "aws.sagemaker.experiments")
    assert described == 6
    assert listed == sum(
        len(e.data["items"]) for e in cygnus.evidence if e.kind == "aws.sagemaker.experiments"
    )
    assert experiments_listed >= 1


def test_the_describe_cap_still_counts_every_run(tmp_path: Path) -> None:
    run = collect("cygnus-ai", tmp_path, settings={"max_experiment_runs": 2})
    exp = experiments(run)["fraud-feature-trials"]
    assert (exp.data["runs_listed"], exp.data["runs_described"], exp.data["describe_cap"]) == (6, 2, 2)
    assert len(exp.data["undescribed_created"]) == 4
    assert run.value("ml.experiments.runs_90d") == 6  # every run counts
    assert run.value("ml.experiments.logged_ratio") == 1.0  # measured over the two described
    assert (
        sum(n for k, n in run.ctx.api_calls.items() if k.startswith("sagemaker:DescribeTrialComponent")) == 2
    )


def test_denied_trial_components_make_only_tracking_unknown(cygnus: Run, tmp_path: Path) -> None:
    denied = collect("cygnus-ai", tmp_path, deny_actions=["sagemaker:ListTrialComponents"])
    gaps = [g for g in denied.gaps() if g.data["reason"] == "denied"]
    assert {g.subject for g in gaps} == {"sagemaker.experiments.runs"}
    assert all("sagemaker:ListTrialComponents" in g.data["message"] for g in gaps)
    unknown = {n for n, s in denied.signals.items() if s.reason is UnknownReason.DENIED}
    assert unknown == set(TRACKING)
    assert "sagemaker:ListTrialComponents" in (denied.signals["ml.experiments.runs_90d"].message or "")

    # Everything else counts exactly as with the permission.
    def outcome(run: Run) -> dict[str, Any]:
        return {n: (s.status, s.value, s.reason) for n, s in run.signals.items() if n not in TRACKING}

    assert outcome(denied) == outcome(cygnus)
