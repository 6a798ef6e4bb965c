"""SecOps evidence: CloudTrail, GuardDuty, Security Hub, IAM hygiene and persona roles, ECR scanning."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api

PERSONA_ROLE = re.compile(
    r"data.?scien|ml.?engineer|mlops|machine.?learning|data.?engineer|ml.?platform|ai.?engineer", re.I
)


def cloudtrail(api: Api) -> list[Any]:
    """Trails that apply to the account (shadow copies of multi-region and organisation trails included)."""
    trails = (api.call("cloudtrail", "DescribeTrails", includeShadowTrails=True) or {}).get("trailList") or []
    found = []
    for trail in trails:
        status = api.call("cloudtrail", "GetTrailStatus", Name=trail.get("TrailARN") or trail["Name"]) or {}
        found.append(
            {
                "name": trail.get("Name"),
                "home_region": trail.get("HomeRegion"),
                "multi_region": bool(trail.get("IsMultiRegionTrail")),
                "organization": bool(trail.get("IsOrganizationTrail")),
                "validation": bool(trail.get("LogFileValidationEnabled")),
                "logging": bool(status.get("IsLogging")),
                "bucket": trail.get("S3BucketName"),
            }
        )
    data = {"trails": sorted(found, key=lambda t: str(t["name"]))}
    return [api.evidence(kinds.CLOUDTRAIL, api.account.id, "cloudtrail:DescribeTrails", data)]


def guardduty(api: Api) -> list[Any]:
    """GuardDuty detectors in this region and whether each is enabled."""
    detectors = []
    for detector_id in api.pages("guardduty", "ListDetectors", "DetectorIds"):
        detail = api.call("guardduty", "GetDetector", DetectorId=detector_id) or {}
        detectors.append({"id": detector_id, "status": detail.get("Status", "UNKNOWN")})
    return [api.evidence(kinds.GUARDDUTY, api.cell, "guardduty:ListDetectors", {"detectors": detectors})]


def securityhub(api: Api) -> list[Any]:
    """Security Hub: enabled or not in this region, and the standards it checks against."""
    hub = api.call("securityhub", "DescribeHub")
    standards: list[str] = []
    if hub is not None:
        subs = api.pages("securityhub", "GetEnabledStandards", "StandardsSubscriptions")
        standards = sorted(
            s["StandardsArn"] for s in subs if s.get("StandardsStatus", "READY") in ("READY", "INCOMPLETE")
        )
    data = {"enabled": hub is not None, "standards": standards}
    return [api.evidence(kinds.SECURITYHUB, api.cell, "securityhub:DescribeHub", data)]


def password_policy(api: Api) -> list[Any]:
    """The account password policy, or that there is none."""
    policy = (api.call("iam", "GetAccountPasswordPolicy") or {}).get("PasswordPolicy")
    data: dict[str, Any] = {"present": policy is not None}
    if policy:
        data.update(
            min_length=policy.get("MinimumPasswordLength", 0),
            max_age_days=policy.get("MaxPasswordAge"),
            reuse_prevention=policy.get("PasswordReusePrevention"),
        )
    return [api.evidence(kinds.PASSWORD_POLICY, api.account.id, "iam:GetAccountPasswordPolicy", data)]


def credential_report(api: Api) -> list[Any]:
    """MFA on the root user and on every user with a console password, from the existing credential report.

    assay never generates the report (that is not a read); an absent report is recorded as such.
    """
    report = api.call("iam", "GetCredentialReport")
    data: dict[str, Any] = {"present": report is not None}
    if report is not None:
        content = report.get("Content") or b""
        text = content.decode() if isinstance(content, bytes) else str(content)
        rows = list(csv.DictReader(io.StringIO(text)))
        root = next((r for r in rows if r.get("user") == "<root_account>"), None)
        console = [
            r for r in rows if r.get("user") != "<root_account>" and r.get("password_enabled") == "true"
        ]
        data.update(
            generated=str(report.get("GeneratedTime") or "")[:19] or None,
            root_mfa=None if root is None else root.get("mfa_active") == "true",
            users=sum(1 for r in rows if r.get("user") != "<root_account>"),
            console_users=len(console),
            console_users_without_mfa=sum(1 for r in console if r.get("mfa_active") != "true"),
        )
    return [api.evidence(kinds.CREDENTIAL_REPORT, api.account.id, "iam:GetCredentialReport", data)]


def roles(api: Api) -> list[Any]:
    """IAM roles: how many, and which are named for ML personas (data scientist, ML engineer, ...)."""
    names = [r["RoleName"] for r in api.pages("iam", "ListRoles", "Roles")]
    data = {"count": len(names), "persona_roles": sorted(n for n in names if PERSONA_ROLE.search(n))}
    return [api.evidence(kinds.ROLES, api.account.id, "iam:ListRoles", data)]


def ecr(api: Api) -> list[Any]:
    """ECR repositories with scan-on-push, and the registry's scanning configuration."""
    repos = api.pages("ecr", "DescribeRepositories", "repositories")
    registry = (api.call("ecr", "GetRegistryScanningConfiguration") or {}).get("scanningConfiguration") or {}
    rules = [
        {
            "frequency": r.get("scanFrequency"),
            "filters": [f.get("filter") for f in r.get("repositoryFilters") or []],
        }
        for r in registry.get("rules") or []
    ]
    data = {
        "scan_type": registry.get("scanType", "BASIC"),
        "rules": rules,
        "repositories": sorted(
            (
                {
                    "name": r["repositoryName"],
                    "scan_on_push": bool((r.get("imageScanningConfiguration") or {}).get("scanOnPush")),
                }
                for r in repos
            ),
            key=lambda r: r["name"],
        ),
    }
    return [api.evidence(kinds.ECR, api.cell, "ecr:DescribeRepositories", data)]
