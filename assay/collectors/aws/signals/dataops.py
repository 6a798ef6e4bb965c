"""DataOps signals from AWS: the Glue catalog and its coverage of data buckets, crawl freshness, data
quality, bucket versioning, classification and lifecycle, Lake Formation and the feature store."""

from __future__ import annotations

from assay.collectors.aws.signals.base import H, M, signals
from assay.collectors.derive import EvidenceView, Measured, member, ratio, require_population, share_of
from assay.evidence import Aggregate, SignalType
from assay.kinds import aws
from assay.kinds import cloud as c

FRESH_CRAWL_DAYS = 7
QUALITY_WINDOW_DAYS = 30
SUCCEEDED = ("SUCCEEDED", "COMPLETED")  # AWS says SUCCEEDED; some emulators say COMPLETED


def _tables(view: EvidenceView) -> list[dict[str, object]]:
    return [t for _, t in c.items(view, aws.GLUE_CATALOG, "tables")]


@signals.signal(
    "data.catalog.tables",
    type=SignalType.COUNT,
    confidence=H,
    unit="tables",
    description="Tables in the Glue Data Catalog.",
)
def catalog_tables(view: EvidenceView) -> Measured:
    """Catalogued tables across account × regions."""
    c.need(view, "glue")
    return Measured(len(_tables(view)), view.of_kind(aws.GLUE_CATALOG))


@signals.signal(
    "data.catalog.bucket_coverage",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of S3 data buckets (not log buckets) with at least one Glue table over their data.",
)
def bucket_coverage(view: EvidenceView) -> Measured:
    """Catalogued data buckets over data buckets."""
    c.need(view, "glue", "s3", "cloudtrail")
    buckets = c.data_buckets(view)
    require_population(len(buckets), "S3 data buckets", view.of_kind(aws.S3_BUCKETS))
    catalogued = {t.get("bucket") for t in _tables(view)}
    hits = sum(1 for _, b in buckets if b["name"] in catalogued)
    return Measured(
        ratio(hits, len(buckets)), [*view.of_kind(aws.S3_BUCKETS), *view.of_kind(aws.GLUE_CATALOG)]
    )


@signals.signal(
    "data.catalog.described_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of Glue tables with a description.",
)
def described_ratio(view: EvidenceView) -> Measured:
    """Described tables over tables."""
    c.need(view, "glue")
    tables = _tables(view)
    require_population(len(tables), "Glue tables", view.of_kind(aws.GLUE_CATALOG))
    return Measured(
        ratio(sum(1 for t in tables if t.get("described")), len(tables)), view.of_kind(aws.GLUE_CATALOG)
    )


@signals.signal(
    "data.catalog.fresh_crawls",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of Glue crawlers whose last crawl succeeded within 7 days.",
)
def fresh_crawls(view: EvidenceView) -> Measured:
    """Crawlers keeping the catalog current, over all crawlers."""
    c.need(view, "glue")
    crawlers = [cr for _, cr in c.items(view, aws.GLUE_CATALOG, "crawlers")]
    require_population(len(crawlers), "Glue crawlers", view.of_kind(aws.GLUE_CATALOG))
    ref = c.now(view)
    members = [
        member(
            _glue_arn(ev.subject, "crawler", cr.get("name", "?")),
            cr.get("last_status") in SUCCEEDED and c.within(cr.get("last_start"), ref, FRESH_CRAWL_DAYS),
            ev,
        )
        for ev, cr in c.items(view, aws.GLUE_CATALOG, "crawlers")
    ]
    return Measured(share_of(members), view.of_kind(aws.GLUE_CATALOG), members, Aggregate.RATIO)


def _glue_arn(cell: str, kind: str, name: str) -> str:
    account, _, region = cell.partition("/")
    return f"arn:aws:glue:{region}:{account}:{kind}/{name}"


@signals.signal(
    "data.quality.rulesets",
    type=SignalType.COUNT,
    confidence=H,
    unit="rulesets",
    description="Glue Data Quality rulesets.",
)
def quality_rulesets(view: EvidenceView) -> Measured:
    """Data quality rulesets across account × regions."""
    c.need(view, "glue.quality")
    return Measured(len(c.items(view, aws.GLUE_QUALITY, "rulesets")), view.of_kind(aws.GLUE_QUALITY))


@signals.signal(
    "data.quality.recent_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of Glue tables with a data-quality evaluation result in the last 30 days.",
)
def quality_recent(view: EvidenceView) -> Measured:
    """Tables checked recently over catalogued tables."""
    c.need(view, "glue", "glue.quality")
    tables = {f"{t['database']}.{t['name']}" for t in _tables(view)}
    require_population(len(tables), "Glue tables", view.of_kind(aws.GLUE_CATALOG))
    ref = c.now(view)
    checked = {
        r["table"]
        for _, r in c.items(view, aws.GLUE_QUALITY, "results")
        if c.within(r.get("started"), ref, QUALITY_WINDOW_DAYS)
    }
    return Measured(
        ratio(len(tables & checked), len(tables)),
        [*view.of_kind(aws.GLUE_CATALOG), *view.of_kind(aws.GLUE_QUALITY)],
    )


def _bucket_ratio(view: EvidenceView, test: object) -> Measured:
    c.need(view, "s3", "cloudtrail")
    buckets = c.data_buckets(view)
    require_population(len(buckets), "S3 data buckets", view.of_kind(aws.S3_BUCKETS))
    members = [member(b["arn"], bool(test(b)), ev) for ev, b in buckets]  # type: ignore[operator]
    return Measured(share_of(members), view.of_kind(aws.S3_BUCKETS), members, Aggregate.RATIO)


@signals.signal(
    "data.versioning.bucket_ratio",
    type=SignalType.RATIO,
    confidence=H,
    description="Share of S3 data buckets with versioning enabled.",
)
def versioning_ratio(view: EvidenceView) -> Measured:
    """Versioned data buckets over data buckets."""
    return _bucket_ratio(view, lambda b: b.get("versioning"))


@signals.signal(
    "data.classification.bucket_ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of S3 data buckets tagged with a data classification (data-classification, "
    "classification, sensitivity).",
)
def classification_ratio(view: EvidenceView) -> Measured:
    """Classified data buckets over data buckets."""
    return _bucket_ratio(view, lambda b: c.has_any(c.tags_of(b.get("tags")), c.CLASSIFICATION_KEYS))


@signals.signal(
    "data.lifecycle.bucket_ratio",
    type=SignalType.RATIO,
    confidence=M,
    description="Share of S3 data buckets with an enabled lifecycle rule.",
)
def lifecycle_ratio(view: EvidenceView) -> Measured:
    """Data buckets with lifecycle rules over data buckets."""
    return _bucket_ratio(view, lambda b: b.get("lifecycle_rules", 0) > 0)


@signals.signal(
    "data.governance.lakeformation_locations",
    type=SignalType.COUNT,
    confidence=M,
    unit="locations",
    description="Data lake locations registered with Lake Formation.",
)
def lakeformation_locations(view: EvidenceView) -> Measured:
    """Registered Lake Formation locations."""
    c.need(view, "lakeformation")
    return Measured(len(c.items(view, aws.LAKEFORMATION, "locations")), view.of_kind(aws.LAKEFORMATION))


@signals.signal(
    "data.feature_store.groups",
    type=SignalType.COUNT,
    confidence=M,
    unit="feature groups",
    description="SageMaker Feature Store feature groups that were created successfully.",
)
def feature_groups(view: EvidenceView) -> Measured:
    """Feature groups in service."""
    c.need(view, "sagemaker.feature_store")
    found = [
        g for _, g in c.items(view, aws.SM_FEATURE_GROUPS, "items") if g.get("status") in (None, "Created")
    ]
    return Measured(len(found), view.of_kind(aws.SM_FEATURE_GROUPS))
