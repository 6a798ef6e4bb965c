"""DevOps and PeopleOps facts that live in AWS: CodeBuild and CodePipeline activity, ML persona roles.

No default criterion reads these yet (the GitHub and Jenkins collectors own DevOps and PeopleOps); they are
in the catalog for rulesets that want them.
"""

from __future__ import annotations

from assay.collectors.aws.signals.base import H, L, signals
from assay.collectors.derive import EvidenceView, Measured
from assay.evidence import SignalType
from assay.kinds import aws
from assay.kinds import cloud as c

WINDOW_DAYS = 30


@signals.signal(
    "devops.aws.codebuild_builds_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="builds",
    description="CodeBuild builds started in the last 30 days.",
)
def codebuild_builds(view: EvidenceView) -> Measured:
    """CI activity on AWS."""
    c.need(view, "codebuild")
    ref = c.now(view)
    found = [
        b for _, b in c.items(view, aws.CODEBUILD, "builds") if c.within(b.get("started"), ref, WINDOW_DAYS)
    ]
    return Measured(len(found), view.of_kind(aws.CODEBUILD))


@signals.signal(
    "devops.aws.codepipeline_successes_30d",
    type=SignalType.COUNT,
    confidence=H,
    unit="executions",
    description="CodePipeline executions that succeeded in the last 30 days.",
)
def codepipeline_successes(view: EvidenceView) -> Measured:
    """CD activity on AWS."""
    c.need(view, "codepipeline")
    ref = c.now(view)
    found = [
        x
        for _, p in c.items(view, aws.CODEPIPELINE, "pipelines")
        for x in p.get("executions", [])
        if x.get("status") == "Succeeded" and c.within(x.get("started"), ref, WINDOW_DAYS)
    ]
    return Measured(len(found), view.of_kind(aws.CODEPIPELINE))


@signals.signal(
    "people.aws.persona_roles",
    type=SignalType.LIST,
    confidence=L,
    description="IAM roles named for ML personas (data scientist, ML engineer, MLOps, data engineer).",
)
def persona_roles(view: EvidenceView) -> Measured:
    """Role separation as the IAM estate shows it."""
    c.need(view, "iam.roles")
    names = {n for e in view.of_kind(aws.ROLES) for n in e.data.get("persona_roles", [])}
    return Measured(sorted(names), view.of_kind(aws.ROLES))
