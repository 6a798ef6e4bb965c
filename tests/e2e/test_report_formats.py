"""The client-facing report formats of a full estate, end to end: `assay demo --org cygnus-ai`."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from tests.e2e.test_cli import run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cygnus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cygnus") / "assay-out"
    proc = run("demo", "--org", "cygnus-ai", "--out", out, "--format", "all", "--no-history", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_register_lists_each_evidence_item_once(cygnus: Path) -> None:
    report = (cygnus / "report.md").read_text()
    bundle = json.loads(gzip.decompress((cygnus / "evidence.json.gz").read_bytes()))
    register = report.split("## Appendix B: evidence register\n", 1)[1]
    ids = re.findall(r'^\| <a id="ev-([0-9a-f]{12})"></a>', register, flags=re.M)
    assert len(ids) == len(set(ids)) == len(bundle["evidence"]) > 100
    assert set(ids) == {e["id"][:12] for e in bundle["evidence"]}
    # every id a criterion cites is in the register; the old appendix repeated items per criterion
    cited = set(re.findall(r"\[`([0-9a-f]{12})`\]\(#ev-", report))
    assert cited <= set(ids)
    assert report.count("\n") < 1500


def test_narrative_of_a_fully_connected_estate(cygnus: Path) -> None:
    report = (cygnus / "report.md").read_text()
    summary = report.split("## Executive summary\n", 1)[1].split("\n## ", 1)[0]
    assert "not connected" not in summary, "every source was connected: what is open is attestations"
    assert "signed attestation" in summary
    assert "at least Repeatable" not in report and "MLOps Optimized" not in report
    conclusion = report.split("## Conclusion\n", 1)[1].split("\n## ", 1)[0]
    assert conclusion.rstrip().endswith("Cygnus AI is currently at Level 4 of MLOps maturity.")
    assert "What the gaps lead to." in report
