"""Reading AWS and Azure evidence: tag vocabulary, environments, accounts, production endpoints.

Pure helpers shared by the AWS signals and the cross-source cloud signals: no SDK, no clock. "Now" is the
evidence's own observation time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import EvidenceView, Unknown
from assay.evidence import Evidence, UnknownReason
from assay.kinds import aws
from assay.kinds import azure as az

BASE_SCOPES = ("identity", "regions")
NONPROD_WORDS = frozenset(
    {
        "nonprod",
        "nonproduction",
        "dev",
        "development",
        "test",
        "testing",
        "qa",
        "staging",
        "stage",
        "sandbox",
        "sbx",
        "uat",
        "preprod",
        "lab",
        "experimental",
        "nprd",
        "np",
    }
)
PROD_WORDS = frozenset({"prod", "production", "prd", "live"})
OWNER_KEYS = frozenset({"owner", "team", "contact", "ownedby", "owneremail", "teamname"})
ENV_KEYS = frozenset({"env", "environment", "stage", "tier"})
PROJECT_KEYS = frozenset(
    {"project", "application", "app", "workload", "product", "initiative", "projectname"}
)
USE_CASE_KEYS = frozenset({"usecase", "aiusecase", "businessusecase"})
CLASSIFICATION_KEYS = frozenset({"dataclassification", "classification", "sensitivity", "confidentiality"})
IAC_TAG_KEYS = frozenset({"managedby", "createdby", "provisionedby", "iac", "terraform", "deployedby"})
IAC_TAG_VALUES = ("terraform", "cloudformation", "cdk", "pulumi", "bicep", "arm", "opentofu", "crossplane")
CFN_STACK_TAG = "aws:cloudformation:stack-name"
LOG_BUCKET = re.compile(r"(^|[-_.])(logs?|cloudtrail|trail|access-?logs?|audit)([-_.]|$)")


# ---- sources -------------------------------------------------------------------------------------------


def speaks(view: EvidenceView, source: str, scopes: Iterable[str] = ()) -> bool:
    """Whether a source contributes: False when not configured; Unknown when configured but unread."""
    run = view.runs.get(source)
    if run is None or run.status == "not_configured":
        return False
    view.require(source)
    for scope in (*(BASE_SCOPES if source == aws.SOURCE else ()), *scopes):
        view.require(source, scope)
    return True


def clouds(
    view: EvidenceView, aws_scopes: Iterable[str] = (), azure_scopes: Iterable[str] = ()
) -> tuple[bool, bool]:
    """(AWS speaks, Azure speaks) for a merged signal; Unknown when neither does or one failed."""
    use_aws = speaks(view, aws.SOURCE, aws_scopes)
    use_azure = speaks(view, az.SOURCE, azure_scopes)
    if not (use_aws or use_azure):
        raise view.unavailable_reason(aws.SOURCE)
    return use_aws, use_azure


def need(view: EvidenceView, *scopes: str) -> None:
    """An AWS-only signal: every scope must have been read."""
    if not speaks(view, aws.SOURCE, scopes):
        raise view.unavailable_reason(aws.SOURCE)


def now(view: EvidenceView, source: str = aws.SOURCE) -> datetime:
    return view.reference_time(source)


def parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


def within(ts: str | None, reference: datetime, days: int) -> bool:
    when = parse(ts)
    return when is not None and when >= reference - timedelta(days=days)


# ---- words, tags and environments ----------------------------------------------------------------


def norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def tags_of(tags: dict[str, str] | None) -> dict[str, str]:
    """Tags with normalised keys (``Cost-Center`` -> ``costcenter``)."""
    return {norm(k): str(v) for k, v in (tags or {}).items()}


def has_any(tags: dict[str, str], keys: frozenset[str]) -> bool:
    return any(k in keys and v.strip() for k, v in tags.items())


def fully_tagged(tags: dict[str, str] | None) -> bool:
    """Owner, environment and project tags all present."""
    t = tags_of(tags)
    return has_any(t, OWNER_KEYS) and has_any(t, ENV_KEYS) and has_any(t, PROJECT_KEYS)


def env_class(*texts: str | None) -> str | None:
    """ "prod", "nonprod" or None from names, OU paths or tag values (non-prod words win over prod)."""
    words = {w for text in texts if text for w in re.split(r"[^a-z0-9]+", text.lower()) if w}
    if words & NONPROD_WORDS or ("non" in words and "prod" in words):
        return "nonprod"
    if words & PROD_WORDS:
        return "prod"
    return None


def tag_env(tags: dict[str, str] | None) -> str | None:
    t = tags_of(tags)
    return env_class(*(v for k, v in t.items() if k in ENV_KEYS))


def iac_tagged(tags: dict[str, str] | None) -> bool:
    """Tags that say infrastructure-as-code created the resource."""
    if tags and CFN_STACK_TAG in tags:
        return True
    t = tags_of(tags)
    return any(k in IAC_TAG_KEYS and any(word in v.lower() for word in IAC_TAG_VALUES) for k, v in t.items())


# ---- AWS scope and accounts ----------------------------------------------------------------------


def scan(view: EvidenceView) -> dict[str, Any]:
    found = view.one(aws.SCOPE)
    if found is None:
        raise Unknown(UnknownReason.ERROR, "the AWS collection recorded no scope (accounts and regions)")
    return found.data


def scope_evidence(view: EvidenceView) -> Evidence | None:
    """The scan's scope (accounts and regions): what an account or region member cites when nothing else
    was read for it."""
    return view.one(aws.SCOPE)


def accounts(view: EvidenceView) -> list[dict[str, Any]]:
    return list(scan(view)["accounts"])


def cells(view: EvidenceView) -> list[str]:
    """Every ``account/region`` read."""
    return [f"{a['id']}/{r}" for a in accounts(view) for r in a["regions"]]


def account_env(account: dict[str, Any]) -> str | None:
    return env_class(account.get("name"), *account.get("ou_path", []))


def account_envs(view: EvidenceView) -> dict[str, str | None]:
    return {a["id"]: account_env(a) for a in accounts(view)}


def by_subject(view: EvidenceView, kind: str) -> dict[str, Evidence]:
    return {e.subject: e for e in view.of_kind(kind)}


def items(view: EvidenceView, kind: str, key: str) -> list[tuple[Evidence, dict[str, Any]]]:
    """(evidence, item) for every item in the list ``key`` of every evidence of ``kind``."""
    return [(e, item) for e in view.of_kind(kind) for item in e.data.get(key, [])]


# ---- production models ---------------------------------------------------------------------------------


def production_endpoints(view: EvidenceView) -> list[Evidence]:
    """InService SageMaker endpoints not marked non-production by their tags or their account."""
    envs = account_envs(view)
    return [
        e
        for e in view.of_kind(aws.ENDPOINT)
        if e.data.get("status") == "InService"
        and tag_env(e.data.get("tags")) != "nonprod"
        and (tag_env(e.data.get("tags")) == "prod" or envs.get(e.data.get("account")) != "nonprod")
    ]


def azure_subscription_envs(view: EvidenceView) -> dict[str, str | None]:
    return {
        e.subject: env_class(e.data.get("name")) or tag_env(e.data.get("tags"))
        for e in view.of_kind(az.SUBSCRIPTION)
    }


def azure_production_endpoints(view: EvidenceView) -> list[Evidence]:
    """Azure ML online endpoints that succeeded and are not marked non-production."""
    envs = azure_subscription_envs(view)
    return [
        e
        for e in view.of_kind(az.ONLINE_ENDPOINT)
        if str(e.data.get("provisioning_state", "Succeeded")).lower() == "succeeded"
        and tag_env(e.data.get("tags")) != "nonprod"
        and (tag_env(e.data.get("tags")) == "prod" or envs.get(e.data.get("subscription")) != "nonprod")
    ]


def azure_resources(view: EvidenceView) -> list[tuple[Evidence, dict[str, Any]]]:
    return items(view, az.RESOURCES, "resources")


# ---- S3 data buckets -------------------------------------------------------------------------------------


def data_buckets(view: EvidenceView) -> list[tuple[Evidence, dict[str, Any]]]:
    """Buckets that hold data: not CloudTrail destinations and not named or tagged as log buckets."""
    trail_buckets = {t.get("bucket") for _, t in items(view, aws.CLOUDTRAIL, "trails")}
    found = []
    for ev, bucket in items(view, aws.S3_BUCKETS, "buckets"):
        purpose = " ".join(v for k, v in tags_of(bucket.get("tags")).items() if k in {"purpose", "datatype"})
        if bucket["name"] in trail_buckets or LOG_BUCKET.search(bucket["name"]) or "log" in purpose.lower():
            continue
        found.append((ev, bucket))
    return found
