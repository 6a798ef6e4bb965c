"""The sandbox leaves out a source whose local prerequisite is missing, and fails on anything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assay.errors import EstateError, SandboxUnavailable
from assay.sandbox import MATERIALIZERS, Materialized, Sandbox
from assay.sandbox.estate import Estate


class Ready:
    source = "ready"
    stopped = False

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        return Materialized(config={"url": "http://127.0.0.1:1"}, env={"ASSAY_TEST_SANDBOX_ENV": "set"})

    def stop(self) -> None:
        type(self).stopped = True


class Missing(Ready):
    source = "missing"

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        raise SandboxUnavailable("the missing stand-in needs a package that is not installed")


class Broken(Ready):
    source = "broken"

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        raise EstateError("broken.yaml: malformed fixture")


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Estate:
    root = tmp_path / "acme"
    root.mkdir()
    (root / "estate.yaml").write_text("name: acme\ntitle: Acme\n")
    for source in ("ready", "missing", "broken"):
        (root / f"{source}.yaml").write_text("{}\n")
    monkeypatch.setitem(MATERIALIZERS, "ready", "tests.core.test_sandbox:Ready")
    monkeypatch.setitem(MATERIALIZERS, "missing", "tests.core.test_sandbox:Missing")
    monkeypatch.setitem(MATERIALIZERS, "broken", "tests.core.test_sandbox:Broken")
    return Estate(root)


def test_a_missing_prerequisite_leaves_the_source_out_and_says_why(estate: Estate) -> None:
    import os

    with Sandbox(estate, sources=["ready", "missing"]) as sb:
        assert sb.config["collectors"] == {"ready": {"url": "http://127.0.0.1:1"}}
        assert sb.unavailable == ["the missing stand-in needs a package that is not installed"]
        assert os.environ["ASSAY_TEST_SANDBOX_ENV"] == "set"
    assert "ASSAY_TEST_SANDBOX_ENV" not in os.environ, "the environment is restored"
    assert Ready.stopped


def test_a_malformed_fixture_still_fails_and_stops_what_started(estate: Estate) -> None:
    Ready.stopped = False
    with pytest.raises(EstateError, match="malformed fixture"), Sandbox(estate, sources=["ready", "broken"]):
        pass
    assert Ready.stopped
