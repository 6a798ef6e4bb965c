"""DataOps evidence: S3 buckets (versioning, encryption, public access, lifecycle, tags), the Glue catalog,
crawlers and data-quality rulesets/results, Lake Formation locations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api
from assay.collectors.aws.shapes import iso, tag_dict

BUCKET_WORKERS = 4
QUALITY_LOOKBACK_DAYS = 90


def s3_buckets(api: Api) -> list[Any]:
    """Every bucket of the account with the settings DataOps and SecOps signals read."""
    listed = api.pages("s3", "ListBuckets", "Buckets")

    def describe(bucket: dict[str, Any]) -> dict[str, Any]:
        name = bucket["Name"]
        versioning = api.call("s3", "GetBucketVersioning", Bucket=name) or {}
        encryption = api.call("s3", "GetBucketEncryption", Bucket=name)
        block = (api.call("s3", "GetPublicAccessBlock", Bucket=name) or {}).get(
            "PublicAccessBlockConfiguration"
        )
        lifecycle = (api.call("s3", "GetBucketLifecycleConfiguration", Bucket=name) or {}).get("Rules") or []
        tags = (api.call("s3", "GetBucketTagging", Bucket=name) or {}).get("TagSet")
        return {
            "name": name,
            "arn": f"arn:{api.partition}:s3:::{name}",
            "region": bucket.get("BucketRegion"),
            "versioning": versioning.get("Status") == "Enabled",
            "encrypted": encryption is not None,
            "public_access_blocked": bool(block) and all(block.values()),
            "lifecycle_rules": sum(1 for r in lifecycle if r.get("Status") == "Enabled"),
            "tags": tag_dict(tags),
        }

    buckets = api.ctx.map(describe, listed, max_workers=BUCKET_WORKERS)
    data = {"buckets": sorted(buckets, key=lambda b: b["name"])}
    return [api.evidence(kinds.S3_BUCKETS, api.account.id, "s3:ListBuckets", data)]


def glue_catalog(api: Api) -> list[Any]:
    """Glue databases and tables (where each table's data lives, whether it is described) and crawlers."""
    tables = []
    databases = api.pages("glue", "GetDatabases", "DatabaseList")
    for db in databases:
        for table in api.pages("glue", "GetTables", "TableList", DatabaseName=db["Name"]):
            location = ((table.get("StorageDescriptor") or {}).get("Location")) or ""
            tables.append(
                {
                    "database": db["Name"],
                    "name": table["Name"],
                    "bucket": _bucket_of(location),
                    "described": bool((table.get("Description") or "").strip()),
                }
            )
    crawlers = [
        {
            "name": c["Name"],
            "state": c.get("State"),
            "last_status": (c.get("LastCrawl") or {}).get("Status"),
            "last_start": iso((c.get("LastCrawl") or {}).get("StartTime")),
        }
        for c in api.pages("glue", "GetCrawlers", "Crawlers")
    ]
    data = {
        "databases": sorted(db["Name"] for db in databases),
        "tables": sorted(tables, key=lambda t: (t["database"], t["name"])),
        "crawlers": sorted(crawlers, key=lambda c: c["name"]),
    }
    return [api.evidence(kinds.GLUE_CATALOG, api.cell, "glue:GetTables", data)]


def _bucket_of(location: str) -> str | None:
    if location.startswith(("s3://", "s3a://", "s3n://")):
        return location.split("://", 1)[1].split("/", 1)[0] or None
    return None


def glue_quality(api: Api) -> list[Any]:
    """Glue Data Quality rulesets (on which table) and evaluation results of the last 90 days."""
    since = api.ctx.now - timedelta(days=QUALITY_LOOKBACK_DAYS)
    rulesets = api.pages("glue", "ListDataQualityRulesets", "Rulesets")
    results = api.pages("glue", "ListDataQualityResults", "Results", Filter={"StartedAfter": since})

    def table_of(target: dict[str, Any] | None) -> str | None:
        target = target or {}
        return f"{target['DatabaseName']}.{target['TableName']}" if target.get("TableName") else None

    data = {
        "rulesets": sorted(
            ({"name": r["Name"], "table": table_of(r.get("TargetTable"))} for r in rulesets),
            key=lambda r: r["name"],
        ),
        "results": sorted(
            (
                {
                    "id": r["ResultId"],
                    "table": table_of((r.get("DataSource") or {}).get("GlueTable")),
                    "started": iso(r.get("StartedOn")),
                }
                for r in results
            ),
            key=lambda r: r["id"],
        ),
    }
    return [api.evidence(kinds.GLUE_QUALITY, api.cell, "glue:ListDataQualityResults", data)]


def lakeformation(api: Api) -> list[Any]:
    """Data lake locations registered with Lake Formation."""
    found = api.pages("lakeformation", "ListResources", "ResourceInfoList")
    data = {"locations": sorted(r["ResourceArn"] for r in found if r.get("ResourceArn"))}
    return [api.evidence(kinds.LAKEFORMATION, api.cell, "lakeformation:ListResources", data)]
