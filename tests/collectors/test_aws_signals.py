"""AWS signals (and the merged AWS + Azure cloud signals) from hand-built evidence: no server, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.collectors.aws import AwsCollector
from assay.collectors.aws import kinds as k
from assay.collectors.azure import kinds as az
from assay.collectors.derive import EvidenceView
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.kinds import cloud as common

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
A, B = "111111111111", "222222222222"
FULL = {"owner": "ml", "env": "prod", "project": "fraud"}


def ev(kind: str, subject: str, data: dict[str, Any], source: str = "aws") -> Evidence:
    return Evidence.make(
        source=source, kind=kind, subject=subject, endpoint="test", observed_at=NOW, data=data
    )


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def scope(*accounts: tuple[str, str, list[str]], regions: tuple[str, ...] = ("us-east-1",)) -> Evidence:
    return ev(
        k.SCOPE,
        "scan",
        {
            "accounts": [
                {"id": i, "name": name, "ou_path": ou, "management": False, "regions": list(regions)}
                for i, name, ou in accounts
            ]
        },
    )


def gap(scope_name: str, reason: str = "denied", source: str = "aws") -> Evidence:
    return ev(f"{source}.gap", scope_name, {"reason": reason, "message": f"{scope_name} refused"}, source)


def derive(evidence: list[Evidence], runs: dict[str, str] | None = None) -> dict[str, Any]:
    runs = runs or {"aws": "ok"}
    view = EvidenceView(evidence, {n: CollectorRun(name=n, status=s) for n, s in runs.items()})  # type: ignore[arg-type]
    return {s.name: s for s in [*AwsCollector().derive(view), *cross_source.derive(view)]}


def value(evidence: list[Evidence], name: str, runs: dict[str, str] | None = None) -> Any:
    sig = derive(evidence, runs)[name]
    return sig.value if sig.status is SignalStatus.OK else sig.reason


def endpoint(name: str, account: str = A, tags: dict[str, str] | None = None, **extra: Any) -> Evidence:
    data = {
        "name": name,
        "status": "InService",
        "region": "us-east-1",
        "account": account,
        "variants": [
            {
                "name": "v1",
                "model_name": f"{name}-m",
                "weight": 1.0,
                "model_package": extra.pop("package", None),
            }
        ],
        "data_capture": False,
        "tags": tags or {},
        "created": ago(40),
        "last_modified": ago(3),
        "shadow_variants": 0,
        "auto_rollback": False,
        **extra,
    }
    return ev(k.ENDPOINT, f"arn:aws:sagemaker:us-east-1:{account}:endpoint/{name}", data)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("cygnus-prod",), "prod"),
        (("cygnus-nonprod",), "nonprod"),
        (("non-prod",), "nonprod"),
        (("Production",), "prod"),
        (("NonProduction",), "nonprod"),
        (("workloads", "Dev"), "nonprod"),
        (("preprod",), "nonprod"),
        (("analytics",), None),
    ],
)
def test_environment_words(texts: tuple[str, ...], expected: str | None) -> None:
    assert common.env_class(*texts) == expected


@pytest.mark.parametrize(
    ("tags", "full", "iac"),
    [
        (FULL, True, False),
        ({"Owner": "a", "Environment": "prod", "Application": "x"}, True, False),
        ({"owner": "a", "env": "prod"}, False, False),
        ({"managed-by": "Terraform"}, False, True),
        ({"aws:cloudformation:stack-name": "s"}, False, True),
        ({"managed-by": "hand"}, False, False),
    ],
)
def test_tag_classification(tags: dict[str, str], full: bool, iac: bool) -> None:
    assert common.fully_tagged(tags) is full
    assert common.iac_tagged(tags) is iac


def base(*extra: Evidence) -> list[Evidence]:
    return [scope((A, "acme-prod", ["Production"]), (B, "acme-dev", ["NonProduction"])), *extra]


def test_environment_separation_by_account_names_and_mixing() -> None:
    tagging = ev(
        k.TAGGING,
        f"{A}/us-east-1",
        {"resources": [{"arn": "arn:aws:s3:::x", "type": "s3:bucket", "tags": FULL}]},
    )
    assert value(base(tagging), "cloud.env.separated") is True
    mixed = ev(
        k.TAGGING,
        f"{A}/us-east-1",
        {"resources": [{"arn": "arn:aws:s3:::x", "type": "s3:bucket", "tags": {"env": "dev"}}]},
    )
    assert value(base(mixed), "cloud.env.separated") is False
    single = [scope((A, "acme", [])), tagging]
    assert value(single, "cloud.env.separated") is False


def test_tag_coverage_counts_resources_the_tagging_api_never_saw() -> None:
    tagging = ev(
        k.TAGGING,
        f"{A}/us-east-1",
        {
            "resources": [
                {
                    "arn": "arn:aws:sagemaker:us-east-1:1:endpoint/e",
                    "type": "sagemaker:endpoint",
                    "tags": FULL,
                }
            ]
        },
    )
    buckets = ev(
        k.S3_BUCKETS,
        A,
        {"buckets": [{"name": "untagged-data", "arn": "arn:aws:s3:::untagged-data", "tags": {}}]},
    )
    assert value(base(tagging, buckets), "cloud.tags.coverage") == 0.5


def test_iac_from_stacks_and_tags() -> None:
    tagging = ev(
        k.TAGGING,
        f"{A}/us-east-1",
        {
            "resources": [
                {"arn": "arn:aws:s3:::by-stack", "type": "s3:bucket", "tags": {}},
                {
                    "arn": "arn:aws:s3:::by-terraform",
                    "type": "s3:bucket",
                    "tags": {"managed-by": "terraform"},
                },
                {"arn": "arn:aws:s3:::by-hand", "type": "s3:bucket", "tags": {"owner": "x"}},
                {"arn": "arn:aws:s3:::by-console", "type": "s3:bucket", "tags": {"owner": "y"}},
            ]
        },
    )
    stacks = ev(
        k.CLOUDFORMATION,
        f"{A}/us-east-1",
        {
            "stacks": [
                {
                    "name": "s",
                    "drift_status": "NOT_CHECKED",
                    "resources": [{"type": "AWS::S3::Bucket", "physical_id": "by-stack"}],
                }
            ]
        },
    )
    assert value(base(tagging, stacks), "cloud.iac.managed_ratio") == 0.5


def test_budgets_and_project_budgets() -> None:
    budgets = ev(
        k.BUDGETS,
        A,
        {
            "budgets": [
                {"name": "total", "project": None, "notifications": 1},
                {"name": "fraud", "project": "fraud", "notifications": 2},
                {"name": "silent", "project": "reco", "notifications": 0},
            ]
        },
    )
    found = derive(base(budgets))
    assert found["cloud.cost.budgets"].value == 2
    assert found["cloud.cost.project_budgets"].value == 1


def test_denied_scope_makes_exactly_its_signals_unknown() -> None:
    evidence = base(
        gap("guardduty"),
        ev(k.SECURITYHUB, f"{A}/us-east-1", {"enabled": True, "standards": ["s"]}),
        ev(k.SECURITYHUB, f"{B}/us-east-1", {"enabled": False, "standards": []}),
    )
    found = derive(evidence)
    assert found["sec.threat_detection.guardduty"].reason is UnknownReason.DENIED
    assert found["sec.threat_detection.securityhub"].value == 0.5
    denied = sorted(n for n, s in found.items() if s.reason is UnknownReason.DENIED)
    assert denied == ["sec.threat_detection.coverage", "sec.threat_detection.guardduty"]


def test_audit_trail_needs_multi_region_logging_and_validation() -> None:
    good = {"name": "t", "multi_region": True, "logging": True, "validation": True, "bucket": "logs"}
    trails = [
        ev(k.CLOUDTRAIL, A, {"trails": [good]}),
        ev(k.CLOUDTRAIL, B, {"trails": [{**good, "validation": False}]}),
    ]
    assert value(base(*trails), "sec.audit_trail.coverage") == 0.5


def test_container_scanning_by_repository_or_registry_rule() -> None:
    ecr = ev(
        k.ECR,
        f"{A}/us-east-1",
        {
            "scan_type": "ENHANCED",
            "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["prod-*"]}],
            "repositories": [
                {"name": "prod-api", "scan_on_push": False},
                {"name": "dev", "scan_on_push": False},
                {"name": "x", "scan_on_push": True},
            ],
        },
    )
    assert value(base(ecr), "sec.container_scanning.ratio") == pytest.approx(0.6667)
    assert value(base(), "sec.container_scanning.ratio") is UnknownReason.NOT_APPLICABLE


def test_iam_hygiene_unknown_without_a_credential_report() -> None:
    policy = [ev(k.PASSWORD_POLICY, a, {"present": True, "min_length": 14}) for a in (A, B)]
    reports = [
        ev(k.CREDENTIAL_REPORT, A, {"present": True, "root_mfa": True, "console_users_without_mfa": 0}),
        ev(k.CREDENTIAL_REPORT, B, {"present": True, "root_mfa": None, "console_users_without_mfa": 1}),
    ]
    assert value(base(*policy, *reports), "sec.iam.hygiene") == 0.5
    missing = [*policy, reports[0], ev(k.CREDENTIAL_REPORT, B, {"present": False})]
    assert value(base(*missing), "sec.iam.hygiene") is UnknownReason.NOT_APPLICABLE


def test_guardrails_merge_scps_and_azure_deny_assignments() -> None:
    scps = ev(
        k.SCPS,
        "o-1",
        {
            "in_organization": True,
            "policies": [
                {
                    "name": "FullAWSAccess",
                    "aws_managed": True,
                    "attached": True,
                    "deny": False,
                    "ai_services": [],
                },
                {
                    "name": "deny-leave",
                    "aws_managed": False,
                    "attached": True,
                    "deny": True,
                    "ai_services": [],
                },
                {
                    "name": "unattached",
                    "aws_managed": False,
                    "attached": False,
                    "deny": True,
                    "ai_services": ["sagemaker"],
                },
            ],
        },
    )
    policy = ev(
        az.POLICY,
        "sub-1",
        {
            "assignments": [
                {"name": "d", "effect": "deny", "enforced": True, "ai_services": True},
                {"name": "a", "effect": "audit", "enforced": True, "ai_services": False},
                {"name": "off", "effect": "deny", "enforced": False, "ai_services": False},
            ]
        },
        source="azure",
    )
    assert value(base(scps), "sec.guardrails.deny") == 1
    both = {"aws": "ok", "azure": "ok"}
    assert value(base(scps, policy), "sec.guardrails.deny", both) == 2
    assert value(base(scps, policy), "ai.governance.policies", both) == 1
    assert (
        value(base(scps, policy), "sec.guardrails.deny", {"aws": "ok", "azure": "failed"})
        is UnknownReason.ERROR
    )


def test_data_buckets_exclude_log_buckets() -> None:
    buckets = ev(
        k.S3_BUCKETS,
        A,
        {
            "buckets": [
                {
                    "name": "features",
                    "arn": "a",
                    "versioning": True,
                    "lifecycle_rules": 1,
                    "tags": {"data-classification": "internal"},
                },
                {"name": "raw", "arn": "b", "versioning": False, "lifecycle_rules": 0, "tags": {}},
                {
                    "name": "acme-access-logs",
                    "arn": "c",
                    "versioning": False,
                    "lifecycle_rules": 0,
                    "tags": {},
                },
                {"name": "trail-dest", "arn": "d", "versioning": False, "lifecycle_rules": 0, "tags": {}},
            ]
        },
    )
    trail = ev(
        k.CLOUDTRAIL,
        A,
        {
            "trails": [
                {
                    "name": "t",
                    "multi_region": True,
                    "logging": True,
                    "validation": True,
                    "bucket": "trail-dest",
                }
            ]
        },
    )
    glue = ev(
        k.GLUE_CATALOG,
        f"{A}/us-east-1",
        {
            "databases": ["d"],
            "crawlers": [
                {"name": "c1", "last_status": "SUCCEEDED", "last_start": ago(2)},
                {"name": "c2", "last_status": "SUCCEEDED", "last_start": ago(20)},
            ],
            "tables": [{"database": "d", "name": "t", "bucket": "features", "described": True}],
        },
    )
    quality = ev(
        k.GLUE_QUALITY,
        f"{A}/us-east-1",
        {
            "rulesets": [{"name": "r", "table": "d.t"}],
            "results": [{"id": "1", "table": "d.t", "started": ago(40)}],
        },
    )
    found = derive(base(buckets, trail, glue, quality))
    assert found["data.versioning.bucket_ratio"].value == 0.5
    assert found["data.classification.bucket_ratio"].value == 0.5
    assert found["data.lifecycle.bucket_ratio"].value == 0.5
    assert found["data.catalog.bucket_coverage"].value == 0.5
    assert found["data.catalog.fresh_crawls"].value == 0.5
    assert found["data.quality.rulesets"].value == 1
    assert found["data.quality.recent_ratio"].value == 0.0  # the only result is 40 days old


def test_production_endpoints_and_governance() -> None:
    registry = ev(
        k.SM_REGISTRY,
        f"{A}/us-east-1",
        {
            "groups": [
                {
                    "name": "fraud",
                    "packages": [
                        {
                            "arn": "arn:aws:sagemaker:us-east-1:1:model-package/fraud/1",
                            "version": 1,
                            "approval": "Approved",
                            "created": ago(10),
                        },
                        {
                            "arn": "arn:aws:sagemaker:us-east-1:1:model-package/fraud/2",
                            "version": 2,
                            "approval": "Rejected",
                            "created": ago(5),
                        },
                    ],
                }
            ]
        },
    )
    cards = ev(k.SM_MODEL_CARDS, f"{A}/us-east-1", {"items": [{"name": "fraud", "status": "Approved"}]})
    governed = endpoint(
        "fraud", package="arn:aws:sagemaker:us-east-1:1:model-package/fraud/1", data_capture=True
    )
    ungoverned = endpoint("reco", tags={"owner": "x"})
    staging = endpoint("fraud-staging", account=B)  # a non-production account
    monitor = ev(
        k.SM_MONITORING,
        f"{A}/us-east-1",
        {"schedules": [{"name": "m", "endpoint": "fraud", "status": "Scheduled"}]},
    )
    found = derive(base(registry, cards, governed, ungoverned, staging, monitor))
    assert found["ml.governance.endpoint_ratio"].value == 0.5
    assert found["ml.registry.package_groups"].value == 1
    assert found["ai.lifecycle.retired"].value == 1
    assert found["monitoring.drift.coverage"].value == 0.5
    assert found["monitoring.drift.monitored_models"].value == 1
    assert found["monitoring.drift.data_capture_endpoints"].value == 1
    assert found["ml.deploy.endpoint_updates_30d"].value == 2
    assert found["ml.deploy.lead_time_days"].value == 7.0
    assert found["ai.inventory.cloud_endpoints"].value == 2
    assert found["ai.inventory.metadata_ratio"].value == 0.0


def test_sagemaker_signals_not_applicable_without_sagemaker() -> None:
    found = derive(
        base(
            ev(k.SM_REGISTRY, f"{A}/us-east-1", {"groups": []}),
            ev(k.SM_PIPELINES, f"{A}/us-east-1", {"pipelines": []}),
        )
    )
    assert found["ml.registry.package_groups"].reason is UnknownReason.NOT_APPLICABLE
    assert found["ml.pipeline.executions_30d"].reason is UnknownReason.NOT_APPLICABLE


def test_pipeline_executions_are_counted_in_a_30_day_window() -> None:
    pipes = ev(
        k.SM_PIPELINES,
        f"{A}/us-east-1",
        {
            "pipelines": [
                {
                    "name": "p",
                    "executions": [
                        {"status": "Succeeded", "started": ago(1)},
                        {"status": "Failed", "started": ago(45)},
                    ],
                }
            ]
        },
    )
    assert value(base(pipes), "ml.pipeline.executions_30d") == 1


def test_spend_attribution_and_its_empty_population() -> None:
    spend = [
        ev(k.ML_SPEND, A, {"total": 900.0, "untagged": 100.0}),
        ev(k.ML_SPEND, B, {"total": 100.0, "untagged": 0.0}),
    ]
    assert value(base(*spend), "ai.spend.attributed_ratio") == 0.9
    zero = [ev(k.ML_SPEND, A, {"total": 0.0, "untagged": 0.0})]
    assert value(base(*zero), "ai.spend.attributed_ratio") is UnknownReason.NOT_APPLICABLE


def test_azure_online_endpoints_join_drift_and_inventory() -> None:
    sub = ev(az.SUBSCRIPTION, "s1", {"id": "s1", "name": "acme-azure-prod", "tags": {}}, "azure")
    ws = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.machinelearningservices/workspaces/w"
    watched = ev(
        az.ONLINE_ENDPOINT,
        f"{ws}/onlineendpoints/e1",
        {
            "name": "e1",
            "workspace": ws,
            "subscription": "s1",
            "tags": {"owner": "a", "use-case": "forecast"},
            "provisioning_state": "Succeeded",
        },
        "azure",
    )
    alone = ev(
        az.ONLINE_ENDPOINT,
        f"{ws}/onlineendpoints/e2",
        {
            "name": "e2",
            "workspace": ws + "x",
            "subscription": "s1",
            "tags": {},
            "provisioning_state": "Succeeded",
        },
        "azure",
    )
    alert = ev(
        az.ALERT,
        "/a",
        {"type": "metricAlerts", "enabled": True, "scopes": [f"{ws}/onlineendpoints/e1"]},
        "azure",
    )
    runs = {"azure": "ok"}
    found = derive([sub, watched, alone, alert], runs)
    assert found["monitoring.drift.coverage"].value == 0.5
    assert found["ai.inventory.metadata_ratio"].value == 0.5
    assert found["cloud.accounts"].value == 1
    assert found["sec.audit_trail.coverage"].reason is UnknownReason.NOT_CONFIGURED  # AWS-only signal


def test_unreachable_account_makes_every_aws_signal_unknown() -> None:
    found = derive(base(gap("identity")))
    assert {s.reason for s in found.values() if s.source == "aws"} == {UnknownReason.DENIED}
