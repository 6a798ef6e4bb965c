"""No secret reaches any output: audit a sandbox estate with and without --debug, then grep both streams
and every file written (bundle inflated, history database included) for the tokens the sources use."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assay.sandbox import Sandbox, load_estate

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ESTATE = "cygnus-ai"  # AWS over three accounts: botocore signs hundreds of requests
# Shaped like real credentials (so the shape rules apply too), referenced by the config, never sent.
EXTRA_CANARIES = {
    "ASSAY_CANARY_PROM_TOKEN": "canary-prometheus-bearer-5f1d7c2e9a",
    "ASSAY_CANARY_HEADER": "canary-header-value-a81be0",
}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The estate's services running in this process, its config written out, and the canaries: the
    secrets the sandbox put in the environment for the collectors (tokens, AWS key id, client secret)."""
    before = dict(os.environ)
    with Sandbox(load_estate(ESTATE)) as sandbox:
        added = {k: v for k, v in os.environ.items() if before.get(k) != v}
        config = sandbox.config
        prometheus = config["collectors"].get("prometheus")
        if prometheus is not None:  # no auth on the stand-in: the headers are sent and ignored
            prometheus["headers_env"] = {"X-Scope-OrgID": "ASSAY_CANARY_HEADER"}
        folder = tmp_path_factory.mktemp("canary")
        path = folder / "audit.yaml"
        path.write_text(yaml.safe_dump(config))
        canaries = {k: v for k, v in added.items() if len(v) >= 12}
        yield path, {**canaries, **EXTRA_CANARIES}


def _outputs(folder: Path) -> Iterator[tuple[Path, bytes]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            yield path, gzip.decompress(data) if path.suffix == ".gz" else data


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_no_canary_in_any_output(estate: tuple[Path, dict[str, str]], tmp_path: Path, debug: bool) -> None:
    config, canaries = estate
    assert len(canaries) >= 4, f"the sandbox should hand the collectors several secrets: {sorted(canaries)}"
    out = tmp_path / "out"
    args = [sys.executable, "-m", "assay", *(["--debug"] if debug else [])]
    args += [
        "audit",
        "-c",
        str(config),
        "--out",
        str(out),
        "--format",
        "all",
        "--history",
        str(tmp_path / "h.db"),
    ]
    env = {**os.environ, **EXTRA_CANARIES, "COLUMNS": "200"}
    proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode in (0, 4), proc.stderr[-3000:]
    written = list(_outputs(tmp_path))
    assert any(p.name == "evidence.json.gz" for p, _ in written) and any(p.name == "h.db" for p, _ in written)
    for name, value in canaries.items():
        assert value not in proc.stdout, f"{name} leaked to stdout"
        assert value not in proc.stderr, f"{name} leaked to stderr"
        for path, data in written:
            assert value.encode() not in data, f"{name} leaked into {path.name}"
    if debug:
        # the leak paths were exercised: SDK DEBUG lines were logged, and something in them was redacted
        assert "DEBUG botocore" in proc.stderr and "DEBUG urllib3" in proc.stderr
        assert "[REDACTED]" in proc.stderr
