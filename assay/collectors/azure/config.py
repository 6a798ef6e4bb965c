"""The ``collectors.azure`` section of an audit config."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from assay.collectors.base import SourceConfig

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class AzureConfig(SourceConfig):
    """Which Azure subscriptions to read and how to authenticate."""

    subscriptions: list[str] = Field(
        default_factory=list, description="Subscription ids to audit (default: every subscription visible)."
    )
    tenant_id: str | None = Field(None, description="Tenant for a service principal (with client_id).")
    client_id: str | None = Field(None, description="Service principal application id.")
    client_secret_env: str | None = Field(
        None,
        description="Name of the environment variable holding the service principal's secret; without it "
        "DefaultAzureCredential is used (environment, managed identity, Azure CLI).",
    )
    authority: str | None = Field(None, description="Microsoft Entra authority host (default: public cloud).")
    base_url: str | None = Field(
        None,
        description="Azure Resource Manager endpoint (default: public cloud), e.g. "
        "https://management.usgovcloudapi.net or https://management.chinacloudapi.cn.",
    )
    credential_scope: str | None = Field(
        None,
        description="Token scope for base_url (default: base_url + /.default); Azure Stack Hub: the "
        "audience its metadata endpoint lists, + /.default.",
    )
    ca_bundle: str | None = Field(None, description="A CA bundle to verify the endpoints' TLS certificates.")
    concurrency: int = Field(4, ge=1, le=32, description="Subscriptions read concurrently.")
    max_retries: int = Field(4, ge=0, le=10, description="Retries per request (429 honours Retry-After).")

    @field_validator("client_secret_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores)")
        return value

    @model_validator(mode="after")
    def _principal(self) -> AzureConfig:
        if self.client_secret_env and not (self.tenant_id and self.client_id):
            raise ValueError("client_secret_env needs tenant_id and client_id")
        return self
