"""Infrastructure as code in the repositories that deploy, across GitHub and Jenkins deployments.

A service repository holding no IaC still has its infrastructure as code when its organisation keeps it
in a central infrastructure repository (Terraform, Bicep, CloudFormation or Pulumi) whose workflows plan
and apply it: the common platform-team pattern (SIGNALS.md, CloudOps).
"""

from __future__ import annotations

import re

from assay.collectors.derive import EvidenceView, Measured, require_population
from assay.crosssource.base import M, signals
from assay.crosssource.delivery import automated_deploy_repos
from assay.evidence import Evidence, SignalType
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

IAC_LANGUAGES = frozenset({"hcl", "bicep", "terraform"})
INFRA_NAME = re.compile(
    r"(^|[-_.])(infra|infrastructure|terraform|tf|opentofu|iac|platform|landing-?zone|live|environments?|"
    r"cloud|bicep|pulumi|cfn|cloudformation)([-_.]|$)",
    re.IGNORECASE,
)


def defines_iac(repo: Evidence) -> bool:
    """IaC files at the root, or a workflow that plans or applies infrastructure as code."""
    return has(repo.data, *IAC) or any(w.get("infrastructure") for w in repo.data.get("workflows") or [])


def infrastructure_repos(view: EvidenceView) -> list[Evidence]:
    """Central infrastructure repositories: active, with a workflow that plans or applies IaC, and an
    infrastructure repository by its language (HCL, Bicep) or its name (infra, terraform, platform, ...),
    so that one serverless service deploying its own template does not count as the organisation's."""
    return [
        r
        for r in active(view, "workflows")
        if any(w.get("infrastructure") for w in r.data.get("workflows") or [])
        and (
            str(r.data.get("language") or "").lower() in IAC_LANGUAGES
            or INFRA_NAME.search(str(r.data.get("name") or r.subject.rsplit("/", 1)[-1]))
        )
    ]


@signals.signal(
    "cloud.iac.repo_ratio",
    type=SignalType.RATIO,
    confidence=M,
    sources=("github", "jenkins"),
    requires=("github",),
    description="Share of deploying repositories (automated deployments in 90 days, or a deploying "
    "workflow) whose infrastructure is code: Terraform, Bicep, CloudFormation/SAM, CDK, Pulumi or "
    "Serverless files at the root, or a central infrastructure repository of the same organisation whose "
    "workflows plan and apply it.",
)
def iac_repo_ratio(view: EvidenceView) -> Measured:
    """Repos defining their IaC, or served by a central infrastructure repository, over repos that deploy."""
    deployed, _ = automated_deploy_repos(view)
    population = [
        r
        for r in active(view)
        if r.subject.lower() in deployed or any(w.get("deploy") for w in r.data.get("workflows") or [])
    ]
    require_population(len(population), "deploying repositories")
    central = infrastructure_repos(view)
    served = {_org(r) for r in central}
    covered = [r for r in population if defines_iac(r) or _org(r) in served]
    cited = list({e.id: e for e in [*population, *central]}.values())
    return Measured.share(population, covered, evidence=cited)


def _org(repo: Evidence) -> str:
    return str(repo.data.get("org") or repo.subject.split("/", 1)[0]).lower()
