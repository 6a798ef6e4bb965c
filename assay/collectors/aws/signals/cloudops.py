"""CloudOps signals: accounts, environment separation, tag coverage, IaC share, cost controls, drift
detection and self-service (AWS, merged with Azure where the practice is the same)."""

from __future__ import annotations

from typing import Any

from assay.collectors.aws import kinds as aws
from assay.collectors.aws.signals import common as c
from assay.collectors.aws.signals.base import CLOUDS, H, M, signals
from assay.collectors.azure import kinds as az
from assay.collectors.derive import EvidenceView, Measured, member, ratio, require_population, share_of
from assay.evidence import Aggregate, Evidence, Member, SignalType


@signals.signal(
    "cloud.accounts",
    type=SignalType.COUNT,
    confidence=M,
    unit="accounts",
    sources=CLOUDS,
    description="AWS accounts and Azure subscriptions audited.",
)
def cloud_accounts(view: EvidenceView) -> Measured:
    """Accounts read in the AWS scan plus Azure subscriptions."""
    use_aws, use_azure = c.clouds(view)
    count = len(c.accounts(view)) if use_aws else 0
    subs = view.of_kind(az.SUBSCRIPTION) if use_azure else []
    return Measured(count + len(subs), [*view.of_kind(aws.SCOPE)[: 1 if use_aws else 0], *subs])


def _resource_envs(view: EvidenceView, use_aws: bool) -> dict[str, set[str]]:
    """Environment classes seen on tagged resources, per AWS account."""
    envs: dict[str, set[str]] = {}
    if use_aws:
        for ev, res in c.items(view, aws.TAGGING, "resources"):
            env = c.tag_env(res.get("tags"))
            if env:
                envs.setdefault(ev.subject.split("/")[0], set()).add(env)
    return envs


@signals.signal(
    "cloud.env.separated",
    type=SignalType.BOOL,
    confidence=H,
    sources=CLOUDS,
    description="Production and non-production run in separate accounts or subscriptions (by account, OU "
    "and subscription names, and environment tags), and no account mixes the two.",
)
def env_separated(view: EvidenceView) -> Measured:
    """At least one production and one non-production account/subscription, none hosting both."""
    use_aws, use_azure = c.clouds(view, ("tagging",), ("resources",))
    classes: list[str | None] = []
    mixed = False
    cited: list[Evidence] = []
    if use_aws:
        resource_envs = _resource_envs(view, True)
        for account in c.accounts(view):
            seen = resource_envs.get(account["id"], set())
            env = c.account_env(account) or (next(iter(seen)) if len(seen) == 1 else None)
            mixed |= len(seen) > 1 or (env is not None and bool(seen) and seen != {env})
            classes.append(env)
        cited += view.of_kind(aws.SCOPE)
    if use_azure:
        envs = c.azure_subscription_envs(view)
        for sub in view.of_kind(az.SUBSCRIPTION):
            seen = {
                e
                for ev, r in c.azure_resources(view)
                if ev.subject == sub.subject and (e := c.tag_env(r.get("tags")))
            }
            env = envs.get(sub.subject) or (next(iter(seen)) if len(seen) == 1 else None)
            mixed |= len(seen) > 1 or (env is not None and bool(seen) and seen != {env})
            classes.append(env)
            cited.append(sub)
    return Measured("prod" in classes and "nonprod" in classes and not mixed, cited)


def aws_resources(view: EvidenceView) -> dict[str, dict[str, Any]]:
    """Every long-lived AWS resource seen (tagging API plus enumerated buckets, endpoints, notebooks, model
    package groups), by ARN, with its tags; AWS's tagging API omits resources never tagged."""
    found: dict[str, dict[str, Any]] = {}
    for ev, res in c.items(view, aws.TAGGING, "resources"):
        found[res["arn"]] = {"tags": res.get("tags") or {}, "cell": ev.subject, "ev": ev}
    for ev, bucket in c.items(view, aws.S3_BUCKETS, "buckets"):
        found.setdefault(bucket["arn"], {"tags": bucket.get("tags") or {}, "cell": ev.subject, "ev": ev})
    for ev in view.of_kind(aws.ENDPOINT):
        found.setdefault(ev.subject, {"tags": ev.data.get("tags") or {}, "cell": ev.subject, "ev": ev})
    for ev, nb in c.items(view, aws.SM_NOTEBOOKS, "items"):
        account, region = ev.subject.split("/")
        arn = f"arn:aws:sagemaker:{region}:{account}:notebook-instance/{nb['name'].lower()}"
        found.setdefault(arn, {"tags": {}, "cell": ev.subject, "ev": ev})
    return found


def azure_estate(view: EvidenceView) -> list[tuple[Evidence, dict[str, Any]]]:
    return [(ev, r) for ev, r in c.azure_resources(view) if r["type"].lower() not in az.UNTAGGED_BY_DESIGN]


@signals.signal(
    "cloud.tags.coverage",
    type=SignalType.RATIO,
    confidence=H,
    sources=CLOUDS,
    description="Share of cloud resources tagged with owner, environment and project.",
)
def tag_coverage(view: EvidenceView) -> Measured:
    """Fully tagged resources over all resources seen in AWS and Azure."""
    use_aws, use_azure = c.clouds(view, ("tagging", "s3", "sagemaker.endpoints"), ("resources",))
    members = (
        [member(arn, c.fully_tagged(r["tags"]), r["ev"]) for arn, r in aws_resources(view).items()]
        if use_aws
        else []
    )
    if use_azure:
        members += [member(r["id"], c.fully_tagged(r.get("tags")), ev) for ev, r in azure_estate(view)]
    cited = [
        *(view.of_kind(aws.TAGGING) if use_aws else []),
        *(view.of_kind(az.RESOURCES) if use_azure else []),
    ]
    require_population(len(members), "cloud resources", cited)
    return Measured(share_of(members), cited, members, Aggregate.RATIO)


def _stack_ids(view: EvidenceView) -> set[str]:
    """Physical ids (and ARNs) of every resource a CloudFormation stack manages."""
    return {
        r["physical_id"]
        for _, s in c.items(view, aws.CLOUDFORMATION, "stacks")
        for r in s.get("resources", [])
    }


def _aws_managed(arn: str, tags: dict[str, str], stack_ids: set[str]) -> bool:
    tail = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return c.iac_tagged(tags) or arn in stack_ids or tail in stack_ids


@signals.signal(
    "cloud.iac.managed_ratio",
    type=SignalType.RATIO,
    confidence=M,
    sources=CLOUDS,
    description="Share of cloud resources managed as code: in a CloudFormation stack or an ARM deployment, "
    "or tagged as created by Terraform/CDK/Bicep.",
)
def iac_ratio(view: EvidenceView) -> Measured:
    """Resources created by infrastructure-as-code over all resources seen."""
    use_aws, use_azure = c.clouds(
        view, ("tagging", "s3", "sagemaker.endpoints", "cloudformation"), ("resources", "deployments")
    )
    members: list[Member] = []
    cited: list[Evidence] = []
    if use_aws:
        stack_ids = _stack_ids(view)
        members += [
            member(arn, _aws_managed(arn, r["tags"], stack_ids), r["ev"])
            for arn, r in aws_resources(view).items()
        ]
        cited += [*view.of_kind(aws.CLOUDFORMATION), *view.of_kind(aws.TAGGING)]
    if use_azure:
        deployed = {
            rid.lower()
            for _, d in c.items(view, az.DEPLOYMENTS, "deployments")
            for rid in d.get("resources", [])
        }
        members += [
            member(r["id"], r["id"].lower() in deployed or c.iac_tagged(r.get("tags")), ev)
            for ev, r in azure_estate(view)
        ]
        cited += [*view.of_kind(az.DEPLOYMENTS), *view.of_kind(az.RESOURCES)]
    require_population(len(members), "cloud resources", cited)
    return Measured(share_of(members), cited, members, Aggregate.RATIO)


@signals.signal(
    "cloud.cost.budgets",
    type=SignalType.COUNT,
    confidence=H,
    unit="budgets",
    description="AWS budgets that send at least one notification.",
)
def budgets_with_alerts(view: EvidenceView) -> Measured:
    """Budgets with notifications, across accounts."""
    c.need(view, "budgets")
    found = [b for _, b in c.items(view, aws.BUDGETS, "budgets") if b.get("notifications", 0) > 0]
    return Measured(len(found), view.of_kind(aws.BUDGETS))


@signals.signal(
    "cloud.cost.project_budgets",
    type=SignalType.COUNT,
    confidence=H,
    unit="projects",
    description="Projects (initiatives) with their own alerting AWS budget, scoped by a project tag filter.",
)
def project_budgets(view: EvidenceView) -> Measured:
    """Distinct projects that a notifying budget is scoped to."""
    c.need(view, "budgets")
    projects = {
        b["project"]
        for _, b in c.items(view, aws.BUDGETS, "budgets")
        if b.get("project") and b.get("notifications")
    }
    return Measured(len(projects), view.of_kind(aws.BUDGETS))


@signals.signal(
    "cloud.cost.anomaly_monitors",
    type=SignalType.COUNT,
    confidence=H,
    unit="monitors",
    description="Cost Explorer anomaly monitors.",
)
def anomaly_monitors(view: EvidenceView) -> Measured:
    """Anomaly monitors across accounts."""
    c.need(view, "ce.anomaly")
    found = c.items(view, aws.ANOMALY_MONITORS, "monitors")
    return Measured(len(found), view.of_kind(aws.ANOMALY_MONITORS))


@signals.signal(
    "cloud.cost.allocation_tags",
    type=SignalType.LIST,
    confidence=H,
    description="Active user-defined cost-allocation tag keys.",
)
def allocation_tags(view: EvidenceView) -> Measured:
    """The union of active cost-allocation tags."""
    c.need(view, "ce.tags")
    keys = {k for e in view.of_kind(aws.ALLOCATION_TAGS) for k in e.data.get("active", [])}
    return Measured(sorted(keys), view.of_kind(aws.ALLOCATION_TAGS))


@signals.signal(
    "cloud.drift.coverage",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of audited account × regions with drift detection: an AWS Config recorder recording, "
    "or CloudFormation drift checks on the stacks there.",
)
def drift_coverage(view: EvidenceView) -> Measured:
    """Account × regions with Config recording or drift-checked stacks, over all audited."""
    c.need(view, "config", "cloudformation")
    cells = c.cells(view)
    require_population(len(cells), "audited account × regions")
    recording = {
        e.subject
        for e in view.of_kind(aws.CONFIG)
        if any(r.get("recording") for r in e.data.get("recorders", []))
    }
    checked = {
        e.subject
        for e in view.of_kind(aws.CLOUDFORMATION)
        if any(s.get("drift_status") not in (None, "NOT_CHECKED") for s in e.data.get("stacks", []))
    }
    covered = sum(1 for cell in cells if cell in recording or cell in checked)
    return Measured(
        ratio(covered, len(cells)), [*view.of_kind(aws.CONFIG), *view.of_kind(aws.CLOUDFORMATION)]
    )


@signals.signal(
    "cloud.selfservice.projects",
    type=SignalType.COUNT,
    confidence=M,
    unit="projects",
    sources=CLOUDS,
    description="Projects provisioned through self-service: SageMaker Projects, Service Catalog products and "
    "Azure template specs.",
)
def self_service(view: EvidenceView) -> Measured:
    """Self-service launches across both clouds."""
    use_aws, use_azure = c.clouds(view, ("sagemaker.projects", "servicecatalog"), ("resources",))
    count, cited = 0, []
    if use_aws:
        count += len(c.items(view, aws.SM_PROJECTS, "items"))
        count += len(c.items(view, aws.SERVICECATALOG, "provisioned_products"))
        cited += [*view.of_kind(aws.SM_PROJECTS), *view.of_kind(aws.SERVICECATALOG)]
    if use_azure:
        count += sum(1 for _, r in c.azure_resources(view) if r["type"].lower() == az.TEMPLATE_SPEC)
        cited += view.of_kind(az.RESOURCES)
    return Measured(count, cited)
