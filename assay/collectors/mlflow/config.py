"""The ``collectors.mlflow`` section of an audit config."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from assay.collectors.base import SourceConfig

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class MlflowConfig(SourceConfig):
    """Where the MLflow tracking server (and model registry) lives and how far back to look."""

    tracking_uri: str = Field(
        ...,
        min_length=1,
        description=(
            "MLflow tracking URI: an http(s):// server, a sqlite:/// or other SQLAlchemy database URI, "
            "a file: store, or `databricks`. Credentials do not belong here: use token_env or "
            "username_env/password_env."
        ),
    )
    registry_uri: str | None = Field(
        None, description="Model registry URI when it differs from the tracking URI (default: the same)."
    )
    token_env: str | None = Field(
        None,
        description="Name of the environment variable holding a bearer token (never the token itself).",
    )
    username_env: str | None = Field(
        None, description="Name of the environment variable holding the basic-auth user name."
    )
    password_env: str | None = Field(
        None, description="Name of the environment variable holding the basic-auth password."
    )
    lookback_days: int = Field(
        90, ge=1, le=3650, description="Only runs started within this many days count as activity."
    )
    max_runs: int = Field(
        20000, ge=1, description="Stop reading runs after this many (newest first); the evidence says so."
    )
    max_retries: int = Field(
        2, ge=0, le=10, description="HTTP retries per request before the server counts as unreachable."
    )
    request_timeout: float = Field(30, gt=0, description="Seconds to wait for one HTTP response.")

    @field_validator("token_env", "username_env", "password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        # Catches the common slip of pasting a token or password where its variable's name belongs.
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores)")
        return value
