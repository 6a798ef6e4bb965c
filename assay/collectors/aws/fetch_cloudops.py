"""CloudOps evidence per account and region: tags, CloudFormation stacks and drift, Config and
Service Catalog."""

from __future__ import annotations

from typing import Any

from assay.collectors.aws import kinds
from assay.collectors.aws.api import Api
from assay.collectors.aws.shapes import iso, tag_dict

# Short-lived resources say nothing about how an estate is governed; tag coverage leaves them out.
EPHEMERAL = ("-job", "pipeline-execution", "trial", "experiment", "endpoint-config", "model-package")


def tagging(api: Api) -> list[Any]:
    """Every resource the Resource Groups Tagging API knows here (AWS returns the tagged ones)."""
    mappings = api.pages("resourcegroupstaggingapi", "GetResources", "ResourceTagMappingList")
    resources = []
    for m in mappings:
        arn = m["ResourceARN"]
        rtype = resource_type(arn)
        if any(marker in rtype for marker in EPHEMERAL):
            continue
        resources.append({"arn": arn, "type": rtype, "tags": tag_dict(m.get("Tags"))})
    data = {"resources": sorted(resources, key=lambda r: r["arn"])}
    return [api.evidence(kinds.TAGGING, api.cell, "resourcegroupstaggingapi:GetResources", data)]


def resource_type(arn: str) -> str:
    """``service:type`` of an ARN, e.g. ``sagemaker:endpoint`` or ``s3:bucket``."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "unknown"
    service, rest = parts[2], parts[5]
    if service == "s3" and "/" not in rest:
        return "s3:bucket"
    head = rest.split("/", 1)[0].split(":", 1)[0]
    return f"{service}:{head}"


def cloudformation(api: Api) -> list[Any]:
    """Stacks with their drift status and the resources they manage (type and physical id only)."""
    stacks = []
    for stack in api.pages("cloudformation", "DescribeStacks", "Stacks"):
        if stack.get("StackStatus", "").startswith("DELETE"):
            continue
        resources = api.pages(
            "cloudformation", "ListStackResources", "StackResourceSummaries", StackName=stack["StackName"]
        )
        drift = stack.get("DriftInformation") or {}
        stacks.append(
            {
                "name": stack["StackName"],
                "status": stack.get("StackStatus"),
                "drift_status": drift.get("StackDriftStatus", "NOT_CHECKED"),
                "drift_checked": iso(drift.get("LastCheckTimestamp")),
                "resources": [
                    {"type": r.get("ResourceType"), "physical_id": r.get("PhysicalResourceId")}
                    for r in resources
                    if r.get("PhysicalResourceId")
                ],
            }
        )
    data = {"stacks": sorted(stacks, key=lambda s: s["name"])}
    return [api.evidence(kinds.CLOUDFORMATION, api.cell, "cloudformation:DescribeStacks", data)]


def config(api: Api) -> list[Any]:
    """AWS Config: recorders and whether they record, rules and conformance packs."""
    recorders = (api.call("config", "DescribeConfigurationRecorders") or {}).get(
        "ConfigurationRecorders"
    ) or []
    statuses = (api.call("config", "DescribeConfigurationRecorderStatus") or {}).get(
        "ConfigurationRecordersStatus"
    ) or []
    recording = {s.get("name"): bool(s.get("recording")) for s in statuses}
    rules = api.pages("config", "DescribeConfigRules", "ConfigRules")
    packs = api.pages("config", "DescribeConformancePacks", "ConformancePackDetails")
    data = {
        "recorders": [
            {"name": r.get("name"), "recording": recording.get(r.get("name"), False)} for r in recorders
        ],
        "rules": sorted(r.get("ConfigRuleName", "") for r in rules),
        "conformance_packs": sorted(p.get("ConformancePackName", "") for p in packs),
    }
    return [api.evidence(kinds.CONFIG, api.cell, "config:DescribeConfigurationRecorders", data)]


def servicecatalog(api: Api) -> list[Any]:
    """Provisioned products: self-service infrastructure teams launched from the catalog."""
    products = api.pages(
        "servicecatalog",
        "SearchProvisionedProducts",
        "ProvisionedProducts",
        AccessLevelFilter={"Key": "Account", "Value": "self"},
    )
    data = {
        "provisioned_products": sorted(
            (
                {"name": p.get("Name", ""), "type": p.get("Type", ""), "status": p.get("Status", "")}
                for p in products
            ),
            key=lambda p: p["name"],
        )
    }
    return [api.evidence(kinds.SERVICECATALOG, api.cell, "servicecatalog:SearchProvisionedProducts", data)]
