"""The ``collectors.prometheus`` section of an audit config."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from assay.collectors.base import SourceConfig

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER = re.compile(r"[A-Za-z0-9-]+")


class PrometheusConfig(SourceConfig):
    """Where Prometheus (and optionally Alertmanager) answers, and how to authenticate."""

    url: str = Field(
        ..., min_length=1, description="Prometheus base URL, e.g. https://prometheus.example.com."
    )
    bearer_token_env: str | None = Field(
        None, description="Name of the environment variable holding a bearer token (never the token)."
    )
    headers_env: dict[str, str] = Field(
        default_factory=dict,
        description="Extra HTTP headers: header name -> NAME of the environment variable holding its value "
        "(e.g. X-Scope-OrgID for Mimir/Cortex).",
    )
    verify_tls: bool = Field(True, description="Verify the server's TLS certificate.")
    ca_bundle: str | None = Field(None, description="Path to a CA bundle that signs the server certificate.")
    alertmanager_url: str | None = Field(
        None, description="Alertmanager base URL, to list receivers (same credentials and TLS settings)."
    )
    alert_step_seconds: int = Field(
        3600,
        ge=240,
        le=86400,
        description="Resolution of the 30-day ALERTS history range query, in seconds.",
    )
    max_series_rows: int = Field(
        20000, ge=100, description="Keep at most this many (job, metric, model) rows; the evidence says so."
    )
    request_timeout: float = Field(30, gt=0, description="Seconds to wait for one HTTP response.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries per request on connection errors and 5xx.")

    @field_validator("bearer_token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores)")
        return value

    @field_validator("headers_env")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for header, env in value.items():
            if not _HEADER.fullmatch(header):
                raise ValueError(f"{header!r} is not an HTTP header name")
            if not _ENV_NAME.fullmatch(env):
                raise ValueError(f"{header}: must be the NAME of an environment variable, not its value")
        return value
