"""Shared fixtures for the scoring tests: the signal catalog, bundles and ruleset files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assay.evidence import Bundle, CollectorRun, Signal, SignalSpec, UnknownReason

# The signals the MLflow collector declares: name -> (type, confidence).
MLFLOW_SIGNALS: dict[str, tuple[str, str]] = {
    "ml.tracking.runs_90d": ("count", "H"),
    "ml.tracking.experiments_active": ("count", "H"),
    "ml.tracking.logged_ratio": ("ratio", "H"),
    "ml.repro.git_commit_ratio": ("ratio", "H"),
    "ml.repro.ratio": ("ratio", "H"),
    "ml.registry.models": ("count", "H"),
    "ml.registry.versioned_models": ("count", "H"),
    "ml.registry.linked_ratio": ("ratio", "H"),
    "ml.production.models": ("list", "M"),
    "ml.production.count": ("count", "M"),
    "ml.governance.ratio": ("ratio", "H"),
    "ml.ct.retrain_ratio": ("ratio", "M"),
    "collab.experiments.shared": ("count", "M"),
    "collab.experiments.shared_ratio": ("ratio", "L"),
    "data.versioning.run_datasets_ratio": ("ratio", "H"),
    "data.lineage.versions_ratio": ("ratio", "M"),
}

CREATED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def catalog() -> dict[str, SignalSpec]:
    """The installed collectors' catalog (the built-in rulesets read every source's signals), with the
    MLflow entries pinned to the types and tags these tests were written against."""
    from assay.collectors.base import installed_collectors

    pinned = {
        name: SignalSpec(name=name, type=kind, confidence=conf, description=name, source="mlflow")
        for name, (kind, conf) in MLFLOW_SIGNALS.items()
    }
    return {**installed_collectors().catalog(), **pinned}


def _signal(name: str, value: Any) -> Signal:
    if isinstance(value, UnknownReason):
        return Signal.unknown(name, "mlflow", value, f"{name} could not be read", [f"ev-{name}"])
    return Signal.ok(name, "mlflow", value, [f"ev-{name}"])


@pytest.fixture
def make_bundle() -> Callable[..., Bundle]:
    """make_bundle({"ml.tracking.runs_90d": 30, "x": UnknownReason.DENIED}, collectors={"mlflow": "ok"})."""

    def build(values: dict[str, Any], collectors: dict[str, str] | None = None, scope: str = "") -> Bundle:
        runs = [CollectorRun(name=n, status=s) for n, s in (collectors or {"mlflow": "ok"}).items()]
        signals = [_signal(name, value) for name, value in values.items()]
        return Bundle(
            tool_version="test", created_at=CREATED_AT, scope=scope, signals=signals, collectors=runs
        ).seal()

    return build


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[[str, str], Path]:
    """write_rules("name.yaml", yaml_text) -> path of the (dedented) file in a temp folder."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


HEADER = """\
id: t
title: Test ruleset
levels: {1: one, 2: two, 3: three, 4: four, 5: five}
params: {min_runs: 20, ratio: 0.7}
areas:
"""


@pytest.fixture
def test_ruleset(write_rules: Callable[[str, str], Path]) -> Callable[[str], Path]:
    """test_ruleset(areas_yaml) -> a complete ruleset file `t` with the given (dedented) `areas:` body."""

    def write(areas: str) -> Path:
        return write_rules("t.yaml", HEADER + textwrap.indent(textwrap.dedent(areas).strip("\n"), "  "))

    return write
