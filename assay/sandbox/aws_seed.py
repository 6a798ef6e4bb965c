"""Seed an estate's ``aws.yaml`` into moto through boto3, the way a team's own automation would build it.

The fixture format is documented at the top of ``fixtures/estates/aurora-dynamics/aws.yaml``. What moto
cannot hold (monitoring schedules, feature groups, projects, Security Hub standards, Glue data quality,
anomaly monitors, cost-allocation tags, conformance packs, Service Catalog products) is returned as the
front's answers instead, keyed by account and region.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from assay.collectors.aws.api import botocore_session
from assay.errors import EstateError
from assay.sandbox.aws_seed_region import RegionSeeding

ROLE_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)
EXEC_ROLE = "arn:aws:iam::{account}:role/SageMakerExecution"


@dataclass
class Seeded:
    management: str
    accounts: dict[str, str] = field(default_factory=dict)  # name -> id
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


class Seeder(RegionSeeding):
    """Builds the estate: organisation and accounts first, then each account's global and regional parts."""

    def __init__(
        self, fixture: dict[str, Any], url: str, key: str, secret: str, audit_policy: dict[str, Any]
    ) -> None:
        self.fx = fixture
        self.url = url
        self.base = boto3.Session(
            aws_access_key_id=key, aws_secret_access_key=secret, botocore_session=botocore_session()
        )
        self.config = Config(retries={"mode": "standard", "max_attempts": 2}, s3={"addressing_style": "path"})
        self.policy = audit_policy
        self.regions: list[str] = list(fixture.get("regions") or ["us-east-1"])

    def client(self, session: Any, service: str, region: str = "us-east-1") -> Any:
        return session.client(service, region_name=region, endpoint_url=self.url, config=self.config)

    def seed(self) -> Seeded:
        sts = self.client(self.base, "sts")
        management = sts.get_caller_identity()["Account"]
        result = Seeded(management)
        specs = list(self.fx.get("accounts") or [])
        if not specs:
            raise EstateError("aws.yaml: list at least one account under accounts")
        sessions: dict[str, Any] = {}
        if self.fx.get("organization"):
            self._organisation(specs, result, sessions)
        else:
            result.accounts[specs[0]["name"]] = management
            sessions[specs[0]["name"]] = self.base
        for spec in specs:
            self._account(spec, result.accounts[spec["name"]], sessions[spec["name"]], result)
        return result

    # -- organisation ---------------------------------------------------------------------------------------

    def _organisation(self, specs: list[dict[str, Any]], result: Seeded, sessions: dict[str, Any]) -> None:
        org = self.client(self.base, "organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ous = {
            name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
            for name in self.fx.get("ous") or []
        }
        sts = self.client(self.base, "sts")
        for spec in specs:
            if spec.get("management"):
                account_id = result.management
                sessions[spec["name"]] = self.base
            else:
                status = org.create_account(Email=f"{spec['name']}@example.com", AccountName=spec["name"])
                account_id = status["CreateAccountStatus"]["AccountId"]
                creds = sts.assume_role(
                    RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                    RoleSessionName="seed",
                )["Credentials"]
                sessions[spec["name"]] = boto3.Session(
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                    botocore_session=botocore_session(),
                )
            if spec.get("ou"):
                org.move_account(
                    AccountId=account_id, SourceParentId=root, DestinationParentId=ous[spec["ou"]]
                )
            result.accounts[spec["name"]] = account_id
        targets = {"root": root, **ous, **result.accounts}
        for scp in self.fx.get("scps") or []:
            doc = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": scp["deny"], "Resource": "*"}],
            }
            policy = org.create_policy(
                Content=json.dumps(doc),
                Description=scp["name"],
                Name=scp["name"],
                Type="SERVICE_CONTROL_POLICY",
            )["Policy"]["PolicySummary"]["Id"]
            for target in scp.get("targets") or ["root"]:
                org.attach_policy(PolicyId=policy, TargetId=targets[target])

    # -- one account -------------------------------------------------------------------------------

    def _account(self, spec: dict[str, Any], account: str, session: Any, result: Seeded) -> None:
        defaults = dict(spec.get("tags") or {})
        iam = self.client(session, "iam")
        if self.fx.get("role_name"):
            iam.create_role(RoleName=self.fx["role_name"], AssumeRolePolicyDocument=ROLE_TRUST)
            iam.put_role_policy(
                RoleName=self.fx["role_name"],
                PolicyName="assay-read-only",
                PolicyDocument=json.dumps(self.policy),
            )
        iam.create_role(RoleName="SageMakerExecution", AssumeRolePolicyDocument=ROLE_TRUST)
        for role in spec.get("roles") or []:
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=ROLE_TRUST)
        if spec.get("password_policy"):
            iam.update_account_password_policy(
                MinimumPasswordLength=spec["password_policy"].get("min_length", 8)
            )
        for user in spec.get("users") or []:
            self._user(iam, account, user)
        iam.generate_credential_report()
        home = self.regions[0]
        self._buckets(session, spec, defaults)
        if spec.get("trail"):
            self._trail(session, spec["trail"], home, defaults)
        budgets = self.client(session, "budgets")
        for b in spec.get("budgets") or []:
            self._budget(budgets, account, b)
        if spec.get("ml_spend"):
            self._spend(account, spec["ml_spend"])
        result.answers[account] = {
            "anomaly_monitors": list(spec.get("anomaly_monitors") or []),
            "cost_allocation_tags": list(spec.get("cost_allocation_tags") or []),
        }
        for region, rspec in (spec.get("regions") or {}).items():
            result.answers[f"{account}/{region}"] = self._region(
                session, account, region, rspec or {}, defaults
            )

    def _user(self, iam: Any, account: str, user: dict[str, Any]) -> None:
        iam.create_user(UserName=user["name"])
        if user.get("console"):
            iam.create_login_profile(UserName=user["name"], Password="Sandbox-password-1!")
        if user.get("mfa"):
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user["name"])["VirtualMFADevice"][
                "SerialNumber"
            ]
            iam.enable_mfa_device(
                UserName=user["name"],
                SerialNumber=serial,
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )

    def _buckets(self, session: Any, spec: dict[str, Any], defaults: dict[str, str]) -> None:
        s3 = self.client(session, "s3")
        for b in spec.get("buckets") or []:
            name = b["name"]
            s3.create_bucket(Bucket=name)
            tags = {**defaults, **(b.get("tags") or {})} if b.get("tags") is not False else {}
            if tags:
                s3.put_bucket_tagging(
                    Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": str(v)} for k, v in tags.items()]}
                )
            if b.get("versioning"):
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            if b.get("encryption"):
                s3.put_bucket_encryption(
                    Bucket=name,
                    ServerSideEncryptionConfiguration={
                        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
                    },
                )
            if b.get("public_access_block"):
                s3.put_public_access_block(
                    Bucket=name,
                    PublicAccessBlockConfiguration={
                        k: True
                        for k in (
                            "BlockPublicAcls",
                            "IgnorePublicAcls",
                            "BlockPublicPolicy",
                            "RestrictPublicBuckets",
                        )
                    },
                )
            if b.get("lifecycle"):
                s3.put_bucket_lifecycle_configuration(
                    Bucket=name,
                    LifecycleConfiguration={
                        "Rules": [
                            {
                                "ID": "tiering",
                                "Status": "Enabled",
                                "Filter": {"Prefix": ""},
                                "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
                            }
                        ]
                    },
                )
            for key in b.get("objects") or []:
                s3.put_object(Bucket=name, Key=key, Body=b"id,value\n1,0.5\n")

    def _trail(self, session: Any, trail: dict[str, Any], region: str, tags: dict[str, str]) -> None:
        bucket = trail.get("bucket", "org-cloudtrail-logs")
        s3 = self.client(session, "s3")
        s3.create_bucket(Bucket=bucket)
        if tags:
            s3.put_bucket_tagging(
                Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": str(v)} for k, v in tags.items()]}
            )
        ct = self.client(session, "cloudtrail", region)
        ct.create_trail(
            Name=trail.get("name", "audit"),
            S3BucketName=bucket,
            IsMultiRegionTrail=trail.get("multi_region", True),
            EnableLogFileValidation=trail.get("validation", True),
        )
        if trail.get("logging", True):
            ct.start_logging(Name=trail.get("name", "audit"))

    def _budget(self, budgets: Any, account: str, spec: dict[str, Any]) -> None:
        budget: dict[str, Any] = {
            "BudgetName": spec["name"],
            "BudgetLimit": {"Amount": str(spec.get("amount", 1000)), "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        }
        if spec.get("project"):
            budget["CostFilters"] = {"TagKeyValue": [f"user:project${spec['project']}"]}
        notes = []
        if spec.get("notify", True):
            notes = [
                {
                    "Notification": {
                        "NotificationType": "ACTUAL",
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": 80.0,
                    },
                    "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finops@example.com"}],
                }
            ]
        budgets.create_budget(AccountId=account, Budget=budget, NotificationsWithSubscribers=notes)

    def _moto_api(self, path: str, body: dict[str, Any]) -> None:
        """moto's own configuration API (through the front, which forwards unsigned requests)."""
        req = urllib.request.Request(
            f"{self.url}/moto-api/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            if resp.status not in (200, 201):
                raise EstateError(f"moto refused {path}: HTTP {resp.status}")

    def _spend(self, account: str, spend: dict[str, float]) -> None:
        """Cost Explorer results are set through moto's own API, one queued result per account."""
        groups = [
            {
                "Keys": [f"project${project}"],
                "Metrics": {"UnblendedCost": {"Amount": str(amount), "Unit": "USD"}},
            }
            for project, amount in spend.items()
        ]
        result = {
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": "2025-01-01", "End": "2025-01-31"},
                    "Total": {},
                    "Groups": groups,
                    "Estimated": False,
                }
            ],
            "DimensionValueAttributes": [],
        }
        self._moto_api("static/ce/cost-and-usage-results", {"account_id": account, "results": [result]})
