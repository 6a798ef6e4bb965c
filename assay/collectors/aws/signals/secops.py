"""SecOps signals from AWS (and Azure policy): audit trail, threat detection, container scanning, IAM
hygiene and guardrails."""

from __future__ import annotations

from fnmatch import fnmatch

from assay.collectors.aws.signals.base import H, M, signals
from assay.collectors.derive import EvidenceView, Measured, Unknown, member, require_population, share_of
from assay.evidence import Aggregate, SignalType, UnknownReason
from assay.kinds import aws
from assay.kinds import cloud as c

MIN_PASSWORD_LENGTH = 14


@signals.signal(
    "sec.audit_trail.coverage",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of AWS accounts covered by a multi-region CloudTrail trail that is logging with "
    "log-file validation (organisation trails count for every member).",
)
def audit_trail(view: EvidenceView) -> Measured:
    """Accounts with a trustworthy multi-region trail over all accounts."""
    c.need(view, "cloudtrail")
    accounts = c.accounts(view)
    require_population(len(accounts), "AWS accounts")
    trails = c.by_subject(view, aws.CLOUDTRAIL)
    members = [
        member(
            a["id"],
            any(
                t["multi_region"] and t["logging"] and t["validation"]
                for t in (trails[a["id"]].data.get("trails", []) if a["id"] in trails else [])
            ),
            trails.get(a["id"]) or c.scope_evidence(view),
        )
        for a in accounts
    ]
    return Measured(share_of(members), view.of_kind(aws.CLOUDTRAIL), members, Aggregate.RATIO)


def _cell_ratio(view: EvidenceView, kind: str, enabled: object) -> Measured:
    cells = c.cells(view)
    require_population(len(cells), "audited account × regions")
    found = c.by_subject(view, kind)
    on = {e.subject for e in found.values() if enabled(e.data)}  # type: ignore[operator]
    members = [member(cell, cell in on, found.get(cell) or c.scope_evidence(view)) for cell in cells]
    return Measured(share_of(members), view.of_kind(kind), members, Aggregate.RATIO)


@signals.signal(
    "sec.threat_detection.guardduty",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of audited account × regions with an enabled GuardDuty detector.",
)
def guardduty(view: EvidenceView) -> Measured:
    """Regions where GuardDuty watches, over every account × region read."""
    c.need(view, "guardduty")
    return _cell_ratio(
        view, aws.GUARDDUTY, lambda d: any(x["status"] == "ENABLED" for x in d.get("detectors", []))
    )


@signals.signal(
    "sec.threat_detection.securityhub",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of audited account × regions with Security Hub enabled and at least one standard.",
)
def securityhub(view: EvidenceView) -> Measured:
    """Regions where Security Hub checks a standard, over every account × region read."""
    c.need(view, "securityhub")
    return _cell_ratio(view, aws.SECURITYHUB, lambda d: d.get("enabled") and d.get("standards"))


def _scanned(repo: str, scan_type: str, rules: list[dict[str, object]]) -> bool:
    for rule in rules:
        filters = rule.get("filters") or []
        if any(fnmatch(repo, str(f)) for f in filters):  # type: ignore[union-attr]
            return scan_type == "ENHANCED" or rule.get("frequency") in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
    return False


def _ecr_arn(cell: str, name: str) -> str:
    account, _, region = cell.partition("/")
    return f"arn:aws:ecr:{region}:{account}:repository/{name}"


@signals.signal(
    "sec.container_scanning.ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of ECR repositories whose images are scanned: scan on push, or a registry scanning "
    "rule (basic or enhanced) that covers them.",
)
def container_scanning(view: EvidenceView) -> Measured:
    """Scanned repositories over all ECR repositories."""
    c.need(view, "ecr")
    evs = view.of_kind(aws.ECR)
    repos = [(e, r) for e in evs for r in e.data.get("repositories", [])]
    require_population(len(repos), "ECR repositories", evs)
    members = [
        member(
            r.get("arn") or _ecr_arn(e.subject, r["name"]),
            bool(
                r.get("scan_on_push")
                or _scanned(r["name"], e.data.get("scan_type", ""), e.data.get("rules", []))
            ),
            e,
        )
        for e, r in repos
    ]
    return Measured(share_of(members), evs, members, Aggregate.RATIO)


@signals.signal(
    "sec.iam.hygiene",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of AWS accounts with a password policy of at least 14 characters and MFA on the root "
    "user and every console user (from the IAM credential report).",
)
def iam_hygiene(view: EvidenceView) -> Measured:
    """Accounts passing both checks, over all accounts; unknown where no credential report exists."""
    c.need(view, "iam.password_policy", "iam.credential_report")
    accounts = c.accounts(view)
    require_population(len(accounts), "AWS accounts")
    policies = c.by_subject(view, aws.PASSWORD_POLICY)
    reports = c.by_subject(view, aws.CREDENTIAL_REPORT)
    missing = [
        a["id"] for a in accounts if not (reports.get(a["id"]) and reports[a["id"]].data.get("present"))
    ]
    if missing:
        raise Unknown(
            UnknownReason.NOT_APPLICABLE,
            f"no IAM credential report in account {missing[0]}; generate one "
            "(aws iam generate-credential-report) so MFA can be checked",
            list(reports.values()),
        )
    members = []
    for a in accounts:
        pol = policies.get(a["id"])
        rep = reports[a["id"]].data
        strong = bool(
            pol and pol.data.get("present") and pol.data.get("min_length", 0) >= MIN_PASSWORD_LENGTH
        )
        # The report's <root_account> row is absent only in emulators; there root MFA cannot be judged.
        root_ok = rep.get("root_mfa") is not False
        ok = strong and root_ok and rep.get("console_users_without_mfa", 1) == 0
        members.append(member(a["id"], ok, reports[a["id"]]))
    return Measured(share_of(members), [*policies.values(), *reports.values()], members, Aggregate.RATIO)


@signals.signal(
    "sec.guardrails.config_rules",
    type=SignalType.COUNT,
    confidence=M,
    unit="rules",
    description="Detective guardrails: AWS Config rules and conformance packs.",
)
def config_rules(view: EvidenceView) -> Measured:
    """Config rules plus conformance packs, across account × regions."""
    c.need(view, "config")
    evs = view.of_kind(aws.CONFIG)
    return Measured(
        sum(len(e.data.get("rules", [])) + len(e.data.get("conformance_packs", [])) for e in evs), evs
    )
