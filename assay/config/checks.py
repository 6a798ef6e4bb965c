"""Checks on audit.yaml values that every source shares: `*_env` names, URLs, rulesets and sources.

They are generic over the installed collectors' config models, so a new collector's `token_env`,
`url` or `*_uri` field is checked the same way without code of its own.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from assay.config.secrets import looks_like_secret
from assay.errors import ConfigError

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BASE_URL = re.compile(r"(^|_)url$")
_URI = re.compile(r"(^|_)uri$")


def check_env_names(section: dict[str, Any], origin: str, prefix: str) -> None:
    """Every `*_env` value names an environment variable; a pasted token, key or PEM is refused."""
    for key, value in section.items():
        if not str(key).endswith("_env") or value is None:
            continue
        where = f"{prefix}.{key}"
        items = value.items() if isinstance(value, dict) else [("", value)]
        for sub, name in items:
            here = f"{where}.{sub}" if sub else where
            if isinstance(name, str) and ENV_NAME.fullmatch(name) and not looks_like_secret(name):
                continue
            if isinstance(name, str) and (looks_like_secret(name) or len(name) > 40 or "\n" in name):
                raise ConfigError(
                    f"{origin}: {here} holds what looks like the secret itself; put it in an environment "
                    "variable and write that variable's NAME here (then rotate the secret)"
                )
            raise ConfigError(
                f"{origin}: {here} must be the NAME of an environment variable (letters, digits and "
                "underscores, like GITHUB_TOKEN)"
            )


def remember_env_secrets(section: dict[str, Any]) -> None:
    """Have the log filter redact the values of the variables this section's `*_env` keys name."""
    from assay.logs import remember_secret

    for key, value in section.items():
        if not str(key).endswith("_env") or value is None:
            continue
        for name in value.values() if isinstance(value, dict) else [value]:
            if isinstance(name, str) and ENV_NAME.fullmatch(name):
                remember_secret(os.environ.get(name))


def _env_keys(model: type[BaseModel]) -> str:
    keys = [name for name in model.model_fields if name.endswith("_env")]
    return ", ".join(keys) if keys else "environment-variable references (${NAME})"


def check_urls(section: BaseModel, origin: str, prefix: str) -> None:
    """Base URLs (`*url`) are http(s) with a host, no credentials, no query or fragment; `*uri` values that
    are http(s) URLs follow the same rules (other schemes, like sqlite:/// or databricks, pass)."""
    model = type(section)
    for name in model.model_fields:
        value = getattr(section, name, None)
        if not isinstance(value, str) or not value:
            continue
        is_http_uri = _URI.search(name) and value.lower().startswith(("http:", "https:"))
        if _BASE_URL.search(name) or is_http_uri:
            _check_url(value, origin, f"{prefix}.{name}", model, strict=True)


def _check_url(value: str, origin: str, where: str, model: type[BaseModel], *, strict: bool) -> None:
    shown = value if len(value) <= 80 else value[:77] + "..."
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"{origin}: {where} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not host:
        if "@" in value:
            shown = "(not shown: it holds an @)"
        raise ConfigError(
            f"{origin}: {where} is not an http(s) URL (got {shown!r}); write it as https://host[:port][/path]"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"{origin}: {where} carries a user name or password; remove it from the URL and use "
            f"{_env_keys(model)} instead"
        )
    if strict and parts.query:
        raise ConfigError(
            f"{origin}: {where} has a query string (?{parts.query.split('=')[0]}=...); a base URL cannot "
            f"carry one: API paths are appended to it. Put credentials in {_env_keys(model)}"
        )
    if strict and parts.fragment:
        raise ConfigError(f"{origin}: {where} has a #fragment; a base URL cannot carry one")


def require_enabled_source(config: Any) -> None:
    """Audit and collect need at least one enabled source: otherwise they would audit nothing."""
    if any(section.enabled for section in config.sections.values()):
        return
    disabled = [name for name, section in config.sections.items() if not section.enabled]
    why = f"every source is disabled ({', '.join(disabled)})" if disabled else "no source is configured"
    raise ConfigError(
        f"{config.origin}: {why}, so there is nothing to audit; add one under `collectors:`, e.g. "
        "`collectors: {github: {orgs: [my-org], token_env: GITHUB_TOKEN}}` (`assay init` writes every "
        "source's settings)"
    )
