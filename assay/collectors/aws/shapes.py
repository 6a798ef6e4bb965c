"""Small conversions from boto3 shapes to the compact JSON evidence keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_TAG_VALUE = 100


def iso(value: Any) -> str | None:
    """A boto3 timestamp (datetime, epoch or string) as ISO-8601 UTC with second precision."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def tag_dict(tags: Any) -> dict[str, str]:
    """Tags from either AWS shape ([{Key, Value}] or {key: value}), values shortened."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        pairs = tags.items()
    else:
        pairs = ((t.get("Key") or t.get("key"), t.get("Value") or t.get("value") or "") for t in tags)
    return {str(k): str(v)[:MAX_TAG_VALUE] for k, v in sorted(pairs) if k}
