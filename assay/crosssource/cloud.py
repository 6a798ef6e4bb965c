"""Cloud signals merged across AWS and Azure: accounts, environment separation, tag coverage, IaC share,
self-service and preventive guardrails. Each reads whichever of the two clouds was collected."""

from __future__ import annotations

from typing import Any

from assay.collectors.derive import EvidenceView, Measured, member, require_population, share_of
from assay.crosssource.base import CLOUDS, H, M, signals
from assay.evidence import Aggregate, Evidence, Member, SignalType
from assay.kinds import aws
from assay.kinds import azure as az
from assay.kinds import cloud as c


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


@signals.signal(
    "sec.guardrails.deny",
    type=SignalType.COUNT,
    confidence=M,
    unit="guardrails",
    sources=CLOUDS,
    description="Preventive deny guardrails: attached service control policies (beyond FullAWSAccess) that "
    "deny, and enforced Azure policy assignments with the deny effect.",
)
def deny_guardrails(view: EvidenceView) -> Measured:
    """Deny SCPs plus Azure deny assignments."""
    use_aws, use_azure = c.clouds(view, ("organizations.scps",), ("policy",))
    count, cited = 0, []
    if use_aws:
        count += sum(
            1
            for _, p in c.items(view, aws.SCPS, "policies")
            if p["attached"] and p["deny"] and not p["aws_managed"]
        )
        cited += view.of_kind(aws.SCPS)
    if use_azure:
        count += sum(
            1
            for _, a in c.items(view, az.POLICY, "assignments")
            if a.get("effect") == "deny" and a.get("enforced", True)
        )
        cited += view.of_kind(az.POLICY)
    return Measured(count, cited)
