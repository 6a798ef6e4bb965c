"""The ``collectors.aws`` section of an audit config."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assay.collectors.base import SourceConfig

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class AwsAccount(BaseModel):
    """One account to audit when not listing them through Organizations."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^\d{12}$", description="The 12-digit account id.")
    name: str = Field("", description="A display name (environment words such as prod/dev count).")
    role_arn: str | None = Field(None, description="A role to assume in this account (overrides role_name).")


class AwsConfig(SourceConfig):
    """Which AWS accounts and regions to read, and how to reach them."""

    profile: str | None = Field(None, description="A named profile; default: the default credential chain.")
    organization: bool = Field(
        False,
        description="List the accounts through AWS Organizations (run from the management account or a "
        "delegated administrator) and assume role_name in each.",
    )
    accounts: list[AwsAccount] = Field(
        default_factory=list,
        description="Explicit accounts to audit (default without organization: the caller's account).",
    )
    role_name: str | None = Field(
        None, description="Read-only role to assume in every audited account (see `assay permissions aws`)."
    )
    external_id: str | None = Field(None, description="The external id the audit role's trust policy wants.")
    regions: list[str] | Literal["all"] = Field(
        default_factory=lambda: ["us-east-1"],
        description='Regions to read, or "all" for every region enabled in each account.',
    )
    concurrency: int = Field(8, ge=1, le=64, description="Concurrent account × region reads.")
    max_attempts: int = Field(6, ge=1, le=20, description="Attempts per call (botocore adaptive retries).")
    lookback_days: int = Field(
        90, ge=1, le=365, description="Training jobs and builds older than this are ignored."
    )
    max_training_jobs: int = Field(50, ge=0, description="Training jobs described per account and region.")
    max_experiment_runs: int = Field(
        200,
        ge=0,
        description="SageMaker Experiments runs (trial components) described per account and region, newest "
        "first; every run in the window is counted, the logged/reproducible shares are measured over those "
        "described.",
    )
    endpoint_url: str | None = Field(None, description="Sandbox only: send every call to this endpoint.")
    ca_bundle: str | None = Field(None, description="A CA bundle to verify the endpoint's TLS certificate.")
    access_key_id_env: str | None = Field(
        None,
        description="Name of the environment variable holding an access key id (default chain if unset).",
    )
    secret_access_key_env: str | None = Field(
        None, description="Name of the environment variable holding the secret access key."
    )

    @field_validator("access_key_id_env", "secret_access_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores)")
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list):
            bad = [r for r in value if not _REGION.fullmatch(r)]
            if bad:
                raise ValueError(f"not an AWS region name: {bad[0]!r}")
            if not value:
                raise ValueError('list at least one region, or write "all"')
        return value

    @model_validator(mode="after")
    def _keys_together(self) -> AwsConfig:
        if bool(self.access_key_id_env) != bool(self.secret_access_key_env):
            raise ValueError("set both access_key_id_env and secret_access_key_env, or neither")
        if self.organization and self.accounts:
            raise ValueError("choose organization: true or an explicit accounts list, not both")
        return self
