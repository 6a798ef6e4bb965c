"""Reading values out of azure-mgmt-* models: SDK enums through their enum type, never ``str()``.

``str(EnforcementMode.DO_NOT_ENFORCE)`` is ``"EnforcementMode.DO_NOT_ENFORCE"``, not the wire value
``"DoNotEnforce"``; a value the SDK's enum does not know arrives as a plain string. Both read alike.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


def enum_text(value: Any, default: str = "") -> str:
    """The wire value of an SDK enum member (or of a string the enum did not know)."""
    if value is None:
        return default
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def tag_map(tags: Any) -> dict[str, str]:
    """Tags as a sorted str->str map; values are cut at 100 characters (ARM allows 256)."""
    return {str(k): ("" if v is None else str(v))[:100] for k, v in sorted((tags or {}).items())}
