"""Keep secrets out of audit.yaml: they are referenced by environment variable name, never inlined."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Keys that would hold a secret if given a value; their *_env twin names the variable instead.
_SECRET_KEY = re.compile(
    r"(^|_)(token|password|passwd|secret|api_key|apikey|private_key|client_secret|access_key|secret_key|"
    r"credential|credentials)$",
    re.IGNORECASE,
)

# Shapes of well-known credentials, wherever they appear.
_SECRET_VALUE = re.compile(
    r"(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|(?:AKIA|ASIA)[0-9A-Z]{16}|"
    r"xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
)


def find_inline_secrets(doc: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (dotted path, why) for every value that looks like an inlined secret."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and value and _SECRET_KEY.search(str(key)):
                yield here, f"looks like a secret; set {key}_env: NAME_OF_AN_ENVIRONMENT_VARIABLE instead"
            else:
                yield from find_inline_secrets(value, here)
    elif isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from find_inline_secrets(item, f"{path}[{i}]")
    elif isinstance(doc, str) and _SECRET_VALUE.search(doc):
        yield path, "holds what looks like a credential; reference it by environment variable (*_env) instead"


def looks_like_secret(text: str) -> bool:
    """True when `text` holds one of the well-known credential shapes (a token, key id, PEM key, JWT)."""
    return bool(_SECRET_VALUE.search(text))


def secret_value_pattern() -> re.Pattern[str]:
    """The credential shapes the loader refuses, for redacting logs with the same knowledge."""
    return _SECRET_VALUE
