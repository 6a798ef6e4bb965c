"""Cost and threat-detection controls of one subscription: Cost Management budgets (with their
notifications and what they are scoped or filtered to) and Microsoft Defender for Cloud plans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.collectors.azure import kinds
from assay.collectors.azure.values import enum_text
from assay.evidence import Evidence
from assay.kinds.cloud import PROJECT_KEYS, norm

if TYPE_CHECKING:
    from assay.collectors.azure.fetch import SubscriptionReader


def budgets(reader: SubscriptionReader) -> list[Evidence]:
    """Every budget the subscription scope lists (its own and its resource groups' budgets)."""
    cm = reader.clients.consumption(reader.sub_id)
    scope = f"subscriptions/{reader.sub_id}"
    found = [_budget(b) for b in reader.paged("budgets.list", lambda: cm.budgets.list(scope))]
    data = {"budgets": sorted(found, key=lambda b: b["id"])}
    return [reader.ctx.evidence(kinds.BUDGETS, reader.sub_id, f"budgets.list {reader.sub_id}", data)]


def _budget(b: Any) -> dict[str, Any]:
    rid = (b.id or "").lstrip("/")
    parts = rid.split("/")
    group = parts[3] if len(parts) > 3 and parts[2].lower() == "resourcegroups" else ""
    notes = (b.notifications or {}).values()
    alerting = [
        n
        for n in notes
        if getattr(n, "enabled", False)
        and (n.contact_emails or getattr(n, "contact_groups", None) or getattr(n, "contact_roles", None))
    ]
    return {
        "id": "/" + rid.lower(),
        "name": b.name or "",
        "resource_group": group,
        "time_grain": enum_text(b.time_grain),
        "notifications": len(alerting),
        "project": _project(b.filter) or group or None,
    }


def _project(flt: Any) -> str | None:
    """The project a budget's filter scopes it to: a project tag, or a single resource group."""
    if flt is None:
        return None
    parts = [flt, *(flt.and_property or [])] if hasattr(flt, "and_property") else [flt]
    for part in parts:
        tags = getattr(part, "tags", None)
        if tags and norm(tags.name or "") in PROJECT_KEYS and len(_values(tags)) == 1:
            return _values(tags)[0]
    for part in parts:
        dims = getattr(part, "dimensions", None)
        if dims and norm(dims.name or "") == "resourcegroupname" and len(_values(dims)) == 1:
            return _values(dims)[0]
    return None


def _values(expression: Any) -> list[str]:
    """A comparison expression's values (the SDK names the field ``values_property``: its models are
    mappings, whose ``values`` is the mapping method)."""
    return [str(v) for v in (getattr(expression, "values_property", None) or [])]


def defender(reader: SubscriptionReader) -> list[Evidence]:
    """The subscription's Defender for Cloud plans and their tiers."""
    sc = reader.clients.security(reader.sub_id)
    scope = f"subscriptions/{reader.sub_id}"
    listing = reader.listed("pricings.list", lambda: sc.pricings.list(scope))
    plans = [
        {
            "name": p.name or "",
            "tier": enum_text(p.pricing_tier),
            "sub_plan": p.sub_plan or None,
            "deprecated": bool(getattr(p, "deprecated", False)),
        }
        for p in (listing.value or [])
    ]
    data = {"plans": sorted(plans, key=lambda p: p["name"].lower())}
    return [reader.ctx.evidence(kinds.DEFENDER, reader.sub_id, f"pricings.list {reader.sub_id}", data)]
