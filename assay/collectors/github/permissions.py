"""What `assay permissions github` prints: the least access each read needs, and which signals use it.

Every read is read-only; the collector never writes. A test checks that every declared signal is listed.
"""

from __future__ import annotations

from collections.abc import Iterable

from assay.evidence import SignalSpec

# read -> (classic token scopes, fine-grained token / GitHub App permissions, note)
READS: dict[str, tuple[str, str, str]] = {
    "repositories": (
        "repo (public_repo if every repository is public)",
        "Repository: Metadata, Contents, Pull requests, Issues, Checks, Commit statuses, Deployments, "
        "Environments, Administration (all read)",
        "GraphQL organization.repositories: files, history, pull requests, checks, deployments, protection",
    ),
    "workflows": (
        "repo",
        "Repository: Contents (read)",
        "GraphQL repository.object(.github/workflows) for active repositories only",
    ),
    "teams": ("read:org", "Organization: Members (read)", "GraphQL organization.teams"),
    "projects": ("read:project", "Organization: Projects (read)", "GraphQL organization.projectsV2"),
    "security_settings": (
        "repo, and the account must be an admin of the repositories or an organisation security manager",
        "Repository: Administration (read)",
        "REST GET /orgs/{org}/repos (security_and_analysis)",
    ),
    "alerts.dependabot": (
        "security_events (organisation owner or security manager)",
        "Repository: Dependabot alerts (read)",
        "REST GET /orgs/{org}/dependabot/alerts",
    ),
    "alerts.code_scanning": (
        "security_events (organisation owner or security manager)",
        "Repository: Code scanning alerts (read)",
        "REST GET /orgs/{org}/code-scanning/alerts",
    ),
    "alerts.secret_scanning": (
        "repo or security_events (organisation owner or security manager)",
        "Repository: Secret scanning alerts (read)",
        "REST GET /orgs/{org}/secret-scanning/alerts",
    ),
}

ALERTS = ["alerts.dependabot", "alerts.code_scanning", "alerts.secret_scanning"]

# signal -> the reads it depends on (besides "repositories", which every signal needs)
SIGNAL_READS: dict[str, list[str]] = {
    "repos.active": [],
    "repos.ml": [],
    "devops.ci.coverage": [],
    "devops.ci.ml_coverage": [],
    "devops.ci.success_rate": [],
    "devops.ci.tests_ratio": ["workflows"],
    "devops.ci.ml_tests_ratio": ["workflows"],
    "devops.pr_flow": [],
    "devops.cd.repos": [],
    "devops.environments.promotion": [],
    "devops.environments.protected_production": [],
    "devops.containers.ratio": [],
    "devops.dora.deployment_days": [],
    "devops.dora.lead_time": [],
    "devops.dora.change_failure_rate": [],
    "devops.dora.recovery_time": [],
    "secops.branch_protection.ratio": [],
    "secops.secret_scanning.ratio": ["security_settings"],
    "secops.push_protection.ratio": ["security_settings"],
    "secops.automated_remediation.ratio": ["security_settings"],
    "secops.dependency_scanning.ratio": [],
    "secops.code_scanning.ratio": ["workflows"],
    "secops.github.pipeline_scan_ratio": ["workflows"],
    "secops.github.auto_promotion_ratio": [],
    "secops.alerts.critical_open_over_30d": ALERTS,
    "secops.alerts.critical_open_max_age_days": ALERTS,
    "secops.remediation.median_days": ALERTS,
    "collab.review.coverage": [],
    "collab.review.cross_team_ratio": ["teams"],
    "collab.review.latency": [],
    "collab.ownership.mixed_ratio": ["teams"],
    "collab.tracking.ratio": [],
    "collab.tracking.linked_pr_ratio": [],
    "collab.docs.ratio": [],
    "people.ml_contributors": [],
    "people.ml_teams": ["teams"],
    "people.team_ownership.ratio": [],
    "people.bus_factor.ratio": [],
    "people.onboarding.ratio": [],
    "data.versioning.dvc_ratio": [],
    "aiops.intake": ["projects"],
    "aiops.governance.rai_checklist_ratio": [],
    "cloud.iac.repo_ratio": ["workflows"],
    "maintenance.dependency_prs_merged": [],
}


def cross_source_specs() -> list[SignalSpec]:
    """The cross-source signals that read GitHub evidence (GitHub merged with Jenkins): same access."""
    from assay.crosssource import signals  # here: assay.crosssource imports the collectors' base package

    return [s for s in signals.specs if "github" in s.reads]


def permissions_text(specs: Iterable[SignalSpec]) -> str:
    """The minimal access, per read and per signal, as plain text."""
    lines = [
        "GitHub: read-only access; assay never writes.",
        "",
        "Minimal classic personal access token scopes: repo, read:org, read:project, security_events",
        "Fine-grained token or GitHub App (installed on the organisation, all repositories), read-only:",
        "  Repository: Metadata, Contents, Pull requests, Issues, Checks, Commit statuses, Deployments,",
        "              Environments, Administration, Dependabot alerts, Code scanning alerts,",
        "              Secret scanning alerts",
        "  Organization: Members, Projects",
        "",
        "Per read (a read that is denied makes only the signals below it unknown, reason `denied`):",
    ]
    for read, (classic, fine, what) in READS.items():
        lines += [
            f"  {read}: {what}",
            f"    classic token: {classic}",
            f"    fine-grained / GitHub App: {fine}",
        ]
    lines += ["", "Per signal (every signal also needs `repositories`):"]
    for spec in sorted([*specs, *cross_source_specs()], key=lambda s: s.name):
        extra = SIGNAL_READS.get(spec.name)
        needs = ", ".join(extra) if extra else "repositories only"
        lines.append(f"  {spec.name}: {needs if extra is not None else 'see the reads above'}")
    lines += [
        "",
        "Jenkins evidence (when the Jenkins collector runs) is merged into the CI, CD and DORA signals;",
        "it needs no GitHub access.",
    ]
    return "\n".join(lines) + "\n"
