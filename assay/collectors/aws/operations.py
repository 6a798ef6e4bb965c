"""Every AWS API operation the collector calls, declared once.

The collector calls AWS only through :func:`operation` (an undeclared operation is a bug that fails loudly),
and ``assay permissions aws`` prints the IAM policy built from this same table, so the policy can never
drift from what the code does. Each operation names the IAM action that authorises it (they differ from
the API name for S3 and Budgets) and the evidence scope a denial of it makes unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

READ_PREFIXES = ("List", "Describe", "Get", "Search", "BatchGet")
# IAM's own read verbs that do not start with a read prefix of the API name (budgets:ViewBudget).
READ_ACTION_PREFIXES = (*READ_PREFIXES, "View")


@dataclass(frozen=True)
class Operation:
    """One API operation: the boto3 client, the API name, the IAM action and the evidence scope."""

    service: str
    name: str
    scope: str
    action: str = ""  # the IAM action; default "<iam prefix>:<name>"
    absent: frozenset[str] = frozenset()  # error codes that mean "nothing configured", not a failure

    @property
    def iam_action(self) -> str:
        return self.action or f"{IAM_PREFIX.get(self.service, self.service)}:{self.name}"

    @property
    def method(self) -> str:
        """The boto3 method name (snake case) of the operation."""
        out = []
        for i, ch in enumerate(self.name):
            if (
                ch.isupper()
                and i
                and (
                    not self.name[i - 1].isupper() or (i + 1 < len(self.name) and self.name[i + 1].islower())
                )
            ):
                out.append("_")
            out.append(ch.lower())
        return "".join(out)


IAM_PREFIX = {"resourcegroupstaggingapi": "tag"}

_OPS: list[Operation] = []


def _declare(service: str, scope: str, *names: str, absent: tuple[str, ...] = (), **actions: str) -> None:
    for name in names:
        _OPS.append(Operation(service, name, scope, actions.get(name, ""), frozenset(absent)))


# --- identity, accounts and regions ---------------------------------------------------------------------
_declare("sts", "identity", "GetCallerIdentity", GetCallerIdentity="sts:GetCallerIdentity")
_declare("sts", "identity", "AssumeRole")  # the one non-read action: only in organisation/role mode
_declare("ec2", "regions", "DescribeRegions")
_declare(
    "organizations",
    "organizations",
    "DescribeOrganization",
    "ListRoots",
    "ListOrganizationalUnitsForParent",
    "ListAccountsForParent",
    absent=("AWSOrganizationsNotInUseException",),
)
_declare(
    "organizations",
    "organizations.scps",
    "ListPolicies",
    "DescribePolicy",
    "ListTargetsForPolicy",
    absent=("AWSOrganizationsNotInUseException",),
)
# --- CloudOps: tagging, IaC, drift, self-service, cost ------------------------------------------------
_declare("resourcegroupstaggingapi", "tagging", "GetResources")
_declare("cloudformation", "cloudformation", "DescribeStacks", "ListStackResources")
_declare(
    "config",
    "config",
    "DescribeConfigurationRecorders",
    "DescribeConfigurationRecorderStatus",
    "DescribeConfigRules",
    "DescribeConformancePacks",
)
_declare("servicecatalog", "servicecatalog", "SearchProvisionedProducts")
_declare(
    "budgets",
    "budgets",
    "DescribeBudgets",
    "DescribeNotificationsForBudget",
    absent=("NotFoundException",),
    DescribeBudgets="budgets:ViewBudget",
    DescribeNotificationsForBudget="budgets:ViewBudget",
)
_declare("ce", "ce.anomaly", "GetAnomalyMonitors")
_declare("ce", "ce.tags", "ListCostAllocationTags")
_declare("ce", "ce.spend", "GetCostAndUsage", absent=("DataUnavailableException",))
# --- SecOps --------------------------------------------------------------------------------------------
_declare("cloudtrail", "cloudtrail", "DescribeTrails", "GetTrailStatus")
_declare("guardduty", "guardduty", "ListDetectors", "GetDetector")
_declare(
    "securityhub", "securityhub", "DescribeHub", "GetEnabledStandards", absent=("InvalidAccessException",)
)
_declare("iam", "iam.password_policy", "GetAccountPasswordPolicy", absent=("NoSuchEntity",))
_declare(
    "iam",
    "iam.credential_report",
    "GetCredentialReport",
    absent=("ReportNotPresent", "ReportExpired", "ReportInProgress", "ReportNotPresentException"),
)
_declare("iam", "iam.roles", "ListRoles")
_declare("ecr", "ecr", "DescribeRepositories", "GetRegistryScanningConfiguration")
# --- DataOps -------------------------------------------------------------------------------------------
_declare("s3", "s3", "ListBuckets", ListBuckets="s3:ListAllMyBuckets")
_declare(
    "s3",
    "s3",
    "GetBucketVersioning",
    "GetBucketEncryption",
    "GetPublicAccessBlock",
    "GetBucketLifecycleConfiguration",
    "GetBucketTagging",
    absent=(
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchLifecycleConfiguration",
        "NoSuchTagSet",
        "NoSuchTagSetError",
    ),
    GetBucketEncryption="s3:GetEncryptionConfiguration",
    GetPublicAccessBlock="s3:GetBucketPublicAccessBlock",
    GetBucketLifecycleConfiguration="s3:GetLifecycleConfiguration",
)
_declare("glue", "glue", "GetDatabases", "GetTables", "GetCrawlers")
_declare("glue", "glue.quality", "ListDataQualityRulesets", "ListDataQualityResults")
_declare("lakeformation", "lakeformation", "ListResources")
# --- MLOps: SageMaker ------------------------------------------------------------------------------------
_declare(
    "sagemaker",
    "sagemaker.endpoints",
    "ListEndpoints",
    "DescribeEndpoint",
    "DescribeEndpointConfig",
    "DescribeModel",
    "ListTags",
)
_declare("sagemaker", "sagemaker.registry", "ListModelPackageGroups", "ListModelPackages")
_declare("sagemaker", "sagemaker.training", "ListTrainingJobs", "DescribeTrainingJob")
_declare("sagemaker", "sagemaker.pipelines", "ListPipelines", "ListPipelineExecutions")
_declare("sagemaker", "sagemaker.projects", "ListProjects")
_declare("sagemaker", "sagemaker.model_cards", "ListModelCards")
_declare("sagemaker", "sagemaker.experiments", "ListExperiments")
_declare("sagemaker", "sagemaker.experiments.runs", "ListTrialComponents", "DescribeTrialComponent")
_declare("sagemaker", "sagemaker.monitoring", "ListMonitoringSchedules")
_declare("sagemaker", "sagemaker.feature_store", "ListFeatureGroups")
_declare("sagemaker", "sagemaker.notebooks", "ListNotebookInstances")
# --- DevOps: CodeBuild, CodePipeline --------------------------------------------------------------------
_declare("codebuild", "codebuild", "ListProjects", "ListBuildsForProject", "BatchGetBuilds")
_declare("codepipeline", "codepipeline", "ListPipelines", "ListPipelineExecutions")

OPERATIONS: dict[tuple[str, str], Operation] = {(op.service, op.name): op for op in _OPS}
ASSUME_ROLE = OPERATIONS[("sts", "AssumeRole")]


def operation(service: str, name: str) -> Operation:
    """The declaration of one operation; an undeclared call is a programming error."""
    try:
        return OPERATIONS[(service, name)]
    except KeyError:
        raise KeyError(f"{service}:{name} is not declared in assay/collectors/aws/operations.py") from None


def is_read_only(op: Operation) -> bool:
    """Whether the operation and its IAM action only read (List/Describe/Get/Search/BatchGet/View)."""
    action = op.iam_action.split(":", 1)[1]
    return op.name.startswith(READ_PREFIXES) and action.startswith(READ_ACTION_PREFIXES)


def read_actions() -> list[str]:
    """The IAM actions of every read operation, sorted and unique."""
    return sorted({op.iam_action for op in _OPS if op is not ASSUME_ROLE})


def iam_policy(role_name: str | None = None) -> dict[str, object]:
    """The least-privilege IAM policy for the collector: its read actions, plus AssumeRole when it hops."""
    statements: list[dict[str, object]] = [
        {"Sid": "AssayReadOnly", "Effect": "Allow", "Action": read_actions(), "Resource": "*"}
    ]
    if role_name:
        statements.append(
            {
                "Sid": "AssayAssumeAuditRole",
                "Effect": "Allow",
                "Action": [ASSUME_ROLE.iam_action],
                "Resource": f"arn:aws:iam::*:role/{role_name}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_text(role_name: str | None = "AssayReadOnly") -> str:
    """The policy as the JSON `assay permissions aws` prints, with a short preamble."""
    lines = [
        "# Attach the first statement to the read-only audit role in every audited account; the caller",
        "# (the management account in organisation mode) also needs the second, to assume that role.",
        "# Every action is a read: List*, Describe*, Get*, Search*, BatchGet* (budgets:ViewBudget).",
        json.dumps(iam_policy(role_name), indent=2),
    ]
    return "\n".join(lines) + "\n"
