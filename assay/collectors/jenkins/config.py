"""The ``collectors.jenkins`` section of an audit config."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from assay.collectors.base import SourceConfig

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JenkinsConfig(SourceConfig):
    """Where the Jenkins controller lives, who reads it, and how much build history to read."""

    url: str = Field(..., min_length=1, description="Jenkins base URL, e.g. https://ci.example.com/.")
    user: str | None = Field(
        None, description="User whose API token is used (basic auth). Omit for anonymous read access."
    )
    token_env: str | None = Field(
        None, description="Name of the environment variable holding the user's API token (never the token)."
    )
    include: list[str] = Field(
        default_factory=list,
        description="Glob patterns of job full names (folders included, e.g. `ml/*`) to read; default all.",
    )
    exclude: list[str] = Field(
        default_factory=list, description="Glob patterns of job full names to skip (applied after include)."
    )
    verify_tls: bool = Field(True, description="Verify the server's TLS certificate.")
    ca_bundle: str | None = Field(None, description="Path to a CA bundle that signs the server certificate.")
    window_days: int = Field(30, ge=1, le=365, description="Only builds started within this many days count.")
    max_builds: int = Field(50, ge=1, le=1000, description="Read at most this many recent builds per job.")
    max_jobs: int = Field(5000, ge=1, description="Stop after this many jobs; the evidence says so.")
    concurrency: int = Field(8, ge=1, le=64, description="Parallel requests while reading builds.")
    request_timeout: float = Field(30, gt=0, description="Seconds to wait for one HTTP response.")
    retries: int = Field(
        2, ge=0, le=10, description="Retries per request: connection errors and HTTP 429/502/503/504."
    )
    max_retry_wait_seconds: float = Field(
        60,
        ge=0,
        description="Longest wait for one retry (a 429/503 Retry-After); a longer one is not waited for "
        "and the request is reported as a gap. Waits never run past timeout_seconds.",
    )

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores)")
        return value
