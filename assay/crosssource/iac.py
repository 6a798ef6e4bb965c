"""Infrastructure as code in the repositories that deploy, across GitHub and Jenkins deployments."""

from __future__ import annotations

from assay.collectors.derive import EvidenceView, Measured, require_population
from assay.crosssource.base import M, signals
from assay.crosssource.delivery import automated_deploy_repos
from assay.evidence import SignalType
from assay.kinds.github import active, has

IAC = (
    "*.tf",
    "*.bicep",
    "terraform/",
    "infra/",
    "infrastructure/",
    "iac/",
    "cdk.json",
    "pulumi.y*ml",
    "template.y*ml",
    "cloudformation/",
    "serverless.y*ml",
    "*.tfvars",
)


@signals.signal(
    "cloud.iac.repo_ratio",
    type=SignalType.RATIO,
    confidence=M,
    sources=("github", "jenkins"),
    description="Share of deploying repositories (automated deployments in 90 days, or a deploying "
    "workflow) that define their infrastructure as code (Terraform, Bicep, CloudFormation/SAM, CDK, "
    "Pulumi or Serverless files at the root).",
)
def iac_repo_ratio(view: EvidenceView) -> Measured:
    """IaC-defining repos over repos that deploy."""
    deployed, _ = automated_deploy_repos(view)
    population = [
        r
        for r in active(view)
        if r.subject.lower() in deployed or any(w.get("deploy") for w in r.data.get("workflows") or [])
    ]
    require_population(len(population), "deploying repositories")
    return Measured.share(population, [r for r in population if has(r.data, *IAC)])
