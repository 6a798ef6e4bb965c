"""The ``collectors.github`` section of an audit config."""

from __future__ import annotations

import re
from typing import Self

from pydantic import Field, field_validator, model_validator

from assay.collectors.base import SourceConfig

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"


class GithubConfig(SourceConfig):
    """Which organisations to read, how to authenticate, and how hard to push GitHub's API."""

    orgs: list[str] = Field(..., min_length=1, description="Organisation logins to audit.")
    include: list[str] = Field(
        default_factory=list,
        description="Only repositories whose name matches one of these glob patterns (default: all).",
    )
    exclude: list[str] = Field(
        default_factory=list, description="Skip repositories whose name matches one of these glob patterns."
    )
    base_url: str = Field(
        "https://api.github.com",
        description="REST API root; for GitHub Enterprise Server https://HOST/api/v3 (GraphQL is derived).",
    )
    token_env: str | None = Field(
        None,
        description=f"Environment variable holding a token (default {DEFAULT_TOKEN_ENV} unless a GitHub App "
        "is configured). `assay permissions github` lists the scopes it needs.",
    )
    app_id: int | None = Field(None, description="GitHub App id, to authenticate as an App installation.")
    private_key_env: str | None = Field(
        None, description="Environment variable holding the GitHub App's PEM private key."
    )
    installation_id: int | None = Field(None, description="The App's installation id in the organisation.")
    page_size: int = Field(
        50, ge=5, le=100, description="Repositories per GraphQL query (halved when GitHub times out)."
    )
    workflow_batch: int = Field(
        50, ge=1, le=100, description="Repositories per GraphQL query that reads workflow files."
    )
    concurrency: int = Field(4, ge=1, le=16, description="Requests in flight at once.")
    alerts: bool = Field(True, description="Read Dependabot, code-scanning and secret-scanning alerts.")
    max_retries: int = Field(3, ge=0, le=10, description="Retries of a request answered with a 5xx.")
    retry_backoff_seconds: float = Field(
        1.0, ge=0, le=60, description="First back-off after a 5xx; it doubles on each retry."
    )
    max_rate_limit_wait_seconds: float = Field(
        900, ge=0, description="Longest wait for a rate limit to reset before giving up on that call."
    )
    request_timeout: int = Field(30, ge=1, le=600, description="Seconds to wait for one HTTP response.")
    request_interval_seconds: float = Field(
        0.0, ge=0, le=10, description="Minimum pause between two requests (0: none; assay sends few)."
    )
    verify: bool | str = Field(True, description="TLS verification: true, false, or a CA bundle path.")

    @field_validator("token_env", "private_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores)")
        return value

    @model_validator(mode="after")
    def _one_auth(self) -> Self:
        app = [self.app_id, self.private_key_env, self.installation_id]
        if any(v is not None for v in app):
            if not all(v is not None for v in app):
                raise ValueError("a GitHub App needs app_id, private_key_env and installation_id together")
            if self.token_env is not None:
                raise ValueError("configure either token_env or a GitHub App (app_id ...), not both")
        elif self.token_env is None:
            self.token_env = DEFAULT_TOKEN_ENV
        return self

    @property
    def uses_app(self) -> bool:
        return self.app_id is not None
