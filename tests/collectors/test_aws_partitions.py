"""ARNs assay builds (the audit role to assume, S3 buckets) carry the partition of the region read:
GovCloud and China accounts have `aws-us-gov` and `aws-cn` ARNs, and STS refuses a role ARN of another
partition."""

from __future__ import annotations

import pytest

from assay.collectors.aws.api import Account, Api, CallStats, partition_of


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("xx-nowhere-1", "aws"),  # a region botocore does not know: the commercial partition
    ],
)
def test_partition_of_a_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition


def test_an_api_in_govcloud_builds_govcloud_arns() -> None:
    api = Api(
        ctx=None,
        clients=None,
        stats=CallStats(),
        account=Account("123456789012", "a"),
        region="us-gov-east-1",
    )  # type: ignore[arg-type]
    assert api.partition == "aws-us-gov"
