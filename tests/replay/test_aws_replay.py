"""AWS's documented example answers (botocore's examples-1.json) and a real EC2 answer (botocore's
response-parsing fixtures), served in AWS's wire protocols to real boto3 running the AWS collector.
Operations no recording answers get an AWS error (code NoRecording): each becomes a gap naming the call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay.collectors.aws import AwsCollector
from assay.collectors.aws.config import AwsConfig
from assay.sandbox.replay import ReplayServer, load_recordings
from tests.replay.replaying import gaps, of_kind, recorded, run, run_of

KEY_ENV, SECRET_ENV = "ASSAY_REPLAY_AWS_KEY", "ASSAY_REPLAY_AWS_SECRET"


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    monkeypatch.setenv(KEY_ENV, "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv(SECRET_ENV, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    with ReplayServer(load_recordings(recorded("aws")), aws_unrecorded=True) as server:
        yield server


def config(server: ReplayServer, **extra: object) -> AwsConfig:
    return AwsConfig(
        endpoint_url=server.base_url,
        access_key_id_env=KEY_ENV,
        secret_access_key_env=SECRET_ENV,
        max_attempts=1,
        **extra,
    )


def test_identity_regions_and_password_policy(replay: ReplayServer) -> None:
    bundle = run(AwsCollector, config(replay, regions="all"))
    scope = of_kind(bundle, "aws.scope")[0].data
    # sts GetCallerIdentity example (query protocol, XML): account 123456789012.
    assert scope["caller_account"] == "123456789012"
    # The real EC2 DescribeRegions answer lists eight regions.
    assert scope["accounts"][0]["regions"] == sorted(
        ["eu-west-1", "sa-east-1", "us-east-1", "ap-northeast-1", "us-west-2", "us-west-1",
         "ap-southeast-1", "ap-southeast-2"]
    )  # fmt: skip
    policy = of_kind(bundle, "aws.iam.password_policy")[0].data
    assert policy == {"present": True, "min_length": 8, "max_age_days": 90, "reuse_prevention": 12}
    assert run_of(bundle, "aws").status == "partial"


def test_an_item_no_recording_answers_is_a_gap_naming_it(replay: ReplayServer) -> None:
    bundle = run(AwsCollector, config(replay, regions=["us-east-1"]))
    found = {g["endpoint"]: g for g in gaps(bundle, "aws")}
    # ListPolicies' example lists p-examplepolicyid111; ListTargetsForPolicy's example is for another policy.
    targets = found["organizations:ListTargetsForPolicy 123456789012/us-east-1"]
    assert (
        "PolicyId=p-examplepolicyid111" in targets["message"] and targets["subject"] == "organizations.scps"
    )
    assert found["s3:ListBuckets 123456789012/us-east-1"]["reason"] == "error"
