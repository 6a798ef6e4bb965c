"""The wheel as a pip user gets it: built from this checkout, installed into a new virtualenv, and the demo
run from an empty folder with no npm and no checkout in sight. It must audit every source, GitHub included
(its stand-in's GraphQL schema ships inside the wheel), and reach the levels `make demo` reaches.

The new virtualenv gets assay's dependencies from the test environment (a path entry, not an install), so
the test needs no network; assay itself comes only from the wheel.
"""

from __future__ import annotations

import gzip
import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("wheel")]

ROOT = Path(__file__).resolve().parents[2]


def sh(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    built = sh(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", root / "dist", ROOT
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("assay-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "assay/sandbox/github_standin/data/schema.graphql.gz" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)
    venv = root / "venv"
    made = sh(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    target = Path(
        sh(
            venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    (target / "assay-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = sh(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel
    )
    assert pip.returncode == 0, pip.stderr
    return venv


def test_the_wheels_demo_in_an_empty_folder_includes_github(installed: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "ASSAY_NODE_MODULES"}}
    where = sh(
        installed / "bin" / "python", "-c", "import assay; print(assay.__file__)", cwd=tmp_path, env=env
    )
    assert where.stdout.startswith(str(installed)), "assay must come from the wheel, not the checkout"
    proc = sh(installed / "bin" / "assay", "demo", "--out", "out", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "left out" not in proc.stderr, proc.stderr
    bundle = json.loads(gzip.decompress((tmp_path / "out" / "evidence.json.gz").read_bytes()))
    statuses = {c["name"]: c["status"] for c in bundle["collectors"]}
    assert statuses == dict.fromkeys(("aws", "azure", "github", "jenkins", "mlflow", "prometheus"), "ok")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    ranges = {(a["level"], a["upper"]) for rs in results["rulesets"] for a in rs["areas"]}
    assert ranges == {(1, 1)}, "aurora-dynamics is at Level 1 in every area, as `make demo` shows"
