"""The audit configuration (audit.yaml): the top level here, one section per collector owned by it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assay.collectors.base import SourceConfig
from assay.defaults import DEFAULT_HISTORY, DEFAULT_RULESETS

__all__ = ["DEFAULT_HISTORY", "DEFAULT_RULESETS", "AuditConfig", "AuditSettings", "ReportSettings"]


class ReportSettings(BaseModel):
    """The `report:` section: who a report is for and who prepared it (shown on the PDF cover)."""

    model_config = ConfigDict(extra="forbid")

    client: str = Field("", description="Who the report is for, e.g. the client's name.")
    prepared_by: str = Field("", description="Who prepared the report: a person, team or firm.")
    logo: Path | None = Field(
        None, description="A PNG, JPEG or SVG logo for the cover (relative to the config file)."
    )


class AuditSettings(BaseModel):
    """The keys of audit.yaml outside ``collectors``."""

    model_config = ConfigDict(extra="forbid")

    scope: str = Field("", description="A name for what is audited (an organisation); shown in reports.")
    rulesets: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RULESETS), description="Built-in rulesets to score against."
    )
    ruleset_files: list[Path] = Field(
        default_factory=list, description="Your own ruleset files: new rulesets or overrides (extends: ...)."
    )
    timeout_seconds: float = Field(300, gt=0, description="Default time limit per collector, in seconds.")
    history: str | None = Field(
        DEFAULT_HISTORY,
        description=(
            "Where each audit is recorded for `assay history`, `assay diff` and the HTML trend: a SQLite "
            "file path (relative to the working directory) or any SQLAlchemy URL; null turns history off."
        ),
    )
    report: ReportSettings = Field(
        default_factory=ReportSettings, description="Who the report is for and who prepared it."
    )
    attestations: Path | None = Field(
        None,
        description="A file of signed attestations for practices no infrastructure shows (relative to this "
        "config); `assay attest` appends to it.",
    )
    waivers: Path | None = Field(
        None,
        description="A file of accepted exceptions: whole criteria, or resources matching a glob "
        "(relative to this config).",
    )
    collectors: dict[str, Any] = Field(default_factory=dict, description="One section per source.")


class AuditConfig(BaseModel):
    """A validated audit configuration: settings plus each configured source's own model."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: AuditSettings
    sections: dict[str, SourceConfig]
    origin: str
    digest: str
