"""Fixture estates: a declarative description of an organisation's estate, one folder per organisation.

An estate folder holds ``estate.yaml`` (name, title, the levels it is designed to have) and one YAML file
per source (``mlflow.yaml``, ``github.yaml``, ...) that the source's materializer reads.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assay.errors import EstateError
from assay.safeio import read_yaml_file

_ESTATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class EstateInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    description: str = ""
    designed_levels: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="ruleset id -> area id -> the level this estate is built to show"
    )


class Estate:
    """One fixture estate on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def info(self) -> EstateInfo:
        doc = _read_yaml(self.path / "estate.yaml")
        try:
            return EstateInfo.model_validate(doc)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise EstateError(f"{self.path / 'estate.yaml'}: {where}: {first['msg']}") from None

    @property
    def name(self) -> str:
        return self.info.name

    def sources(self) -> list[str]:
        """The sources this estate describes, in a stable order."""
        return sorted(p.stem for p in self.path.glob("*.yaml") if p.stem != "estate")

    def source(self, name: str) -> dict[str, Any] | None:
        """The fixture of one source, or None when the estate does not describe it."""
        path = self.path / f"{name}.yaml"
        if not path.exists():
            return None
        doc = _read_yaml(path)
        if not isinstance(doc, dict):
            raise EstateError(f"{path}: expected a mapping at the top level")
        return doc


def estates_root() -> Path:
    """Where the estates live: package data in an installed wheel, fixtures/ in a checkout."""
    packaged = Path(str(files("assay.sandbox"))) / "estates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "fixtures" / "estates"


def list_estates() -> list[str]:
    root = estates_root()
    return sorted(p.name for p in root.iterdir() if (p / "estate.yaml").exists()) if root.is_dir() else []


def load_estate(name: str) -> Estate:
    path = estates_root() / name
    # a name, not a path: `--org ../x` or `--org /tmp/x` must not read files outside the estates folder
    if not _ESTATE_NAME.fullmatch(name) or not (path / "estate.yaml").exists():
        known = ", ".join(list_estates()) or "none"
        raise EstateError(f"unknown sandbox estate {name!r}; known estates: {known}")
    return Estate(path)


def _read_yaml(path: Path) -> Any:
    return read_yaml_file(path, what="estate file", error=EstateError)
