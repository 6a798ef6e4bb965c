"""GitHub Actions as deploy pipelines (scanning, automatic promotion) and IaC kept in one central
infrastructure repository: pure signals over hand-built evidence."""

from __future__ import annotations

from typing import Any

import pytest

from assay.collectors.github.summaries import workflow_flags
from assay.evidence import UnknownReason
from tests.collectors.test_github_signals import ago, repo, unknown, value


def wf(text: str, name: str = "deploy.yml") -> dict[str, Any]:
    return workflow_flags(name, text)


DEPLOY = "jobs:\n  deploy:\n    environment: production\n"
PROD_BY_BOT = {"environment": "production", "created_at": ago(3), "by_bot": True, "state": "SUCCESS"}


@pytest.mark.parametrize(
    ("text", "scan"),
    [
        ("steps:\n  - uses: github/codeql-action/analyze@v3\n", True),
        ("steps:\n  - uses: actions/dependency-review-action@v4\n", True),
        ("steps:\n  - uses: aquasecurity/trivy-action@0.28.0\n", True),
        ("steps:\n  - run: grype myimage:latest --fail-on high\n", True),
        ("steps:\n  - uses: snyk/actions/docker@master\n", True),
        ("steps:\n  - uses: anchore/scan-action@v4\n", True),
        ("steps:\n  - run: pytest\n", False),
    ],
)
def test_workflow_steps_that_scan(text: str, scan: bool) -> None:
    assert wf(text)["security_scan"] is scan


@pytest.mark.parametrize(
    ("text", "iac"),
    [
        ("steps:\n  - run: terraform plan -out plan\n", True),
        ("steps:\n  - uses: hashicorp/setup-terraform@v3\n", True),
        ("steps:\n  - uses: pulumi/actions@v5\n", True),
        ("steps:\n  - run: az deployment group create -f main.bicep\n", True),
        ("steps:\n  - run: aws cloudformation deploy --template-file t.yaml\n", True),
        ("steps:\n  - run: npm test\n", False),
    ],
)
def test_workflow_steps_that_plan_or_apply_infrastructure(text: str, iac: bool) -> None:
    assert wf(text)["infrastructure"] is iac


def test_pipeline_scan_ratio_over_repositories_deploying_from_actions() -> None:
    scanned = repo("a", workflows=[wf(DEPLOY + "    steps:\n      - uses: aquasecurity/trivy-action@v1\n")])
    codeql = repo(
        "b", workflows=[wf(DEPLOY), wf("steps:\n  - uses: github/codeql-action/analyze@v3\n", "c.yml")]
    )
    bare = repo("c", workflows=[wf(DEPLOY)])
    library = repo("d", workflows=[wf("steps:\n  - run: pytest\n", "ci.yml")])  # deploys nothing
    assert value("secops.github.pipeline_scan_ratio", scanned, codeql, bare, library) == round(2 / 3, 4)
    assert unknown("secops.github.pipeline_scan_ratio", library).reason is UnknownReason.NOT_APPLICABLE


def test_auto_promotion_needs_no_required_reviewer_and_a_gate() -> None:
    gated = [wf(DEPLOY + "    steps:\n      - run: pytest\n")]
    trusted = repo(
        "a",
        workflows=gated,
        deployments=[PROD_BY_BOT],
        environments=[{"name": "production", "protection": ["BRANCH_POLICY", "WAIT_TIMER"]}],
    )
    manual = repo(
        "b",
        workflows=gated,
        deployments=[PROD_BY_BOT],
        environments=[{"name": "production", "protection": ["REQUIRED_REVIEWERS"]}],
    )
    ungated = repo(
        "c",
        workflows=[wf(DEPLOY)],
        deployments=[PROD_BY_BOT],
        environments=[{"name": "production", "protection": []}],
    )
    by_hand = repo("d", workflows=gated, deployments=[{**PROD_BY_BOT, "by_bot": False}])
    assert value("secops.github.auto_promotion_ratio", trusted, manual, ungated, by_hand) == round(1 / 3, 4)
    assert unknown("secops.github.auto_promotion_ratio", by_hand).reason is UnknownReason.NOT_APPLICABLE


def test_a_central_infrastructure_repository_serves_repositories_holding_none() -> None:
    services = [repo(n, workflows=[wf(DEPLOY)]) for n in ("api", "web", "worker")]
    own = repo("billing", workflows=[wf(DEPLOY)], tree={"": ["README.md", "main.tf"]})
    assert value("cloud.iac.repo_ratio", *services, own) == 0.25
    central = repo(
        "cloud-platform",
        language="TypeScript",
        tree={"": ["Pulumi.yaml", "index.ts"]},
        workflows=[wf("steps:\n  - uses: pulumi/actions@v5\n", "apply.yml")],
    )
    assert value("cloud.iac.repo_ratio", *services, own, central) == 1.0
    # another organisation's central repository does not serve these
    elsewhere = repo(
        "infra",
        org="other",
        language="HCL",
        workflows=[wf("steps:\n  - run: terraform apply -auto-approve\n", "apply.yml")],
    )
    assert value("cloud.iac.repo_ratio", *services, own, elsewhere) == round(
        2 / 5, 4
    )  # it deploys and holds IaC itself


def test_a_service_deploying_its_own_template_is_not_a_central_repository() -> None:
    services = [repo(n, workflows=[wf(DEPLOY)]) for n in ("api", "web")]
    sam = repo(
        "orders",
        language="Python",
        tree={"": ["template.yaml"]},
        workflows=[wf("steps:\n  - run: sam deploy --no-confirm-changeset\n")],
    )
    assert value("cloud.iac.repo_ratio", *services, sam) == round(1 / 3, 4)
