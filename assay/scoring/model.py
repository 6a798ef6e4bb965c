"""The ruleset model: rulesets hold areas, areas hold criteria, criteria hold one CEL expression each.

These are the shapes a ruleset YAML file must have. Override files (``extends: <id>``) have their own,
smaller shapes at the end of this module.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

ParamValue = bool | int | float | str | list[str]

MIN_CRITERION_LEVEL = 2
MAX_LEVEL = 5
AREA_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
CRITERION_ID_PATTERN = r"^[A-Za-z][\w.-]*$"


class Origin(BaseModel):
    """Where a criterion's expression was written, so errors and reports can point at it."""

    model_config = ConfigDict(frozen=True)

    file: str = "<memory>"
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class Located(BaseModel):
    """A model that remembers the file and line it was read from (not part of its data)."""

    _origin: Origin = PrivateAttr(default_factory=Origin)

    @property
    def origin(self) -> Origin:
        """Where this was written: for a criterion, the line of its `when`."""
        return self._origin

    def located(self, origin: Origin) -> Self:
        """Record where this was written and return it."""
        self._origin = origin
        return self


class Criterion(Located):
    """One testable practice at one level of one area."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CRITERION_ID_PATTERN)
    level: int
    title: str
    when: str | None = None
    kind: Literal["required", "supporting"] = "required"
    recommendation: str
    consequence: str = ""  # what a gap here leads to, in one sentence (reports quote it)
    attestation: bool = False
    disabled: bool = False

    @field_validator("level")
    @classmethod
    def _level_in_range(cls, value: int) -> int:
        if not MIN_CRITERION_LEVEL <= value <= MAX_LEVEL:
            raise ValueError(f"level {value} is outside 2..5 (level 1 is the floor and needs no criteria)")
        return value

    @model_validator(mode="after")
    def _needs_expression(self) -> Criterion:
        if not self.attestation and not (self.when and self.when.strip()):
            raise ValueError("a criterion needs a `when` expression unless it is `attestation: true`")
        return self


class Area(Located):
    """An operational area: a titled list of criteria, decided by the evidence of its sources."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=AREA_ID_PATTERN)
    title: str
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """The name CEL expressions use for this area: `areas.<key>.level`."""
        return area_key(self.id)


class CrosswalkBasis(BaseModel):
    """Which areas a ruleset's crosswalk to the published MLOps models rests on (default: all)."""

    model_config = ConfigDict(extra="forbid")

    areas: list[str] = Field(default_factory=list)


class Ruleset(Located):
    """A maturity model: level names, named thresholds and its areas."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=AREA_ID_PATTERN)
    title: str
    description: str = ""
    source: str = ""
    levels: dict[int, str]
    params: dict[str, ParamValue] = Field(default_factory=dict)
    areas: list[Area] = Field(min_length=1)
    crosswalk: CrosswalkBasis | None = None

    @field_validator("levels")
    @classmethod
    def _five_levels(cls, value: dict[int, str]) -> dict[int, str]:
        if sorted(value) != list(range(1, MAX_LEVEL + 1)):
            raise ValueError("levels must name exactly the levels 1, 2, 3, 4 and 5")
        return dict(sorted(value.items()))

    def criteria(self) -> list[tuple[Area, Criterion]]:
        """Every criterion with its area, in file order."""
        return [(area, c) for area in self.areas for c in area.criteria]


def area_key(area_id: str) -> str:
    """CEL identifiers cannot hold hyphens, so `model-development` is read as `areas.model_development`."""
    return area_id.replace("-", "_")


# --- override files -------------------------------------------------------------------------------------


class CriterionOverride(BaseModel):
    """Changes to one existing criterion; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    level: int | None = None
    when: str | None = None
    kind: Literal["required", "supporting"] | None = None
    recommendation: str | None = None
    consequence: str | None = None
    attestation: bool | None = None
    disabled: bool | None = None


class AreaAddition(BaseModel):
    """A new area, or extra criteria (and sources) appended to an existing one."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=AREA_ID_PATTERN)
    title: str | None = None
    description: str | None = None
    sources: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list)


class RulesetOverride(BaseModel):
    """A user file that changes a loaded ruleset instead of defining a new one."""

    model_config = ConfigDict(extra="forbid")

    extends: str
    params: dict[str, ParamValue] = Field(default_factory=dict)
    criteria: dict[str, CriterionOverride] = Field(default_factory=dict)
    areas: list[AreaAddition] = Field(default_factory=list)
