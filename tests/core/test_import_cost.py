"""What `assay --help` and a one-source `assay collect` import: the start-up budget, kept by module lists.

Wall time is measured in `benchmarks/startup.py`; these tests only keep heavy modules from creeping back
onto the two paths a user waits on. Each runs the real CLI in a fresh interpreter and lists `sys.modules`
at exit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from assay.cli import main
sys.argv[0] = "assay"
main()
"""


def _modules_loaded(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), *args], capture_output=True, cwd=tmp_path, timeout=120
    )
    return set(json.loads(out.read_text()))


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.startswith(prefixes))


def test_help_imports_no_configuration_collectors_or_sdks(tmp_path: Path) -> None:
    modules = _modules_loaded(tmp_path, "--help")
    assert "assay.cli.audit" in modules  # the probe really ran the CLI
    heavy = (
        "assay.config",
        "assay.collectors",
        "assay.scoring",
        "assay.reports",
        "assay.history",
        "pydantic",
        "yaml",
        "sqlalchemy",
        "cel",
        "boto3",
        "mlflow",
        "github",
        "azure",
        "jenkins",
    )
    assert _loaded(modules, heavy) == []


def test_one_source_collect_imports_no_scoring_reports_or_other_sdks(tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    # a closed port: the collector records a gap, which is all this test needs
    config.write_text(
        "scope: s\ncollectors:\n  prometheus:\n    url: http://127.0.0.1:9\n    timeout_seconds: 5\n"
    )
    modules = _modules_loaded(tmp_path, "-q", "collect", "-c", str(config), "--out", str(tmp_path / "out"))
    assert "assay.collectors.prometheus" in modules
    assert (tmp_path / "out" / "evidence.json.gz").is_file()  # the collect finished and wrote its bundle
    # audit.yaml's `rulesets:` is checked against a listing of package data, not the rules engine
    assert _loaded(modules, ("assay.scoring.",)) == ["assay.scoring.builtins"]
    heavy = (
        "assay.reports",
        "assay.history",
        "sqlalchemy",
        "cel",
        "prompt_toolkit",
        "boto3",
        "mlflow",
        "github",
        "azure",
        "jenkins",
        "weasyprint",
        "trestle",
    )
    assert _loaded(modules, heavy) == []
