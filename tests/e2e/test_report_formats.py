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
    # per-resource verdicts: which repositories to fix, with the counts
    assert re.search(r"Resources \(\d+ pass, \d+ fail\), to fix: cygnus-ai/", report)


def test_pdf_of_the_estate(cygnus: Path, tmp_path: Path) -> None:
    import shutil
    import subprocess

    pdf = cygnus / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    pdftotext, pdfinfo = shutil.which("pdftotext"), shutil.which("pdfinfo")
    assert pdftotext and pdfinfo, ".ci/run installs poppler-utils"
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Cygnus AI is currently at Level 3 of AI capability maturity (GSA AI CMM)." in text
    assert "currently at Level" in text and "Evidence register" in text
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 20 <= pages <= 120


def test_oscal_assessment_results_load_in_trestle(cygnus: Path) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    doc = AssessmentResults.oscal_read(cygnus / "assessment-results.json")
    assert doc is not None
    results = json.loads((cygnus / "results.json").read_text())
    criteria = {rs["id"]: [c["id"] for a in rs["areas"] for c in a["criteria"]] for rs in results["rulesets"]}
    assert [[f.target.target_id for f in r.findings] for r in doc.results] == list(criteria.values())
    assert all(r.local_definitions and r.local_definitions.inventory_items for r in doc.results)


def test_oscal_subjects_carry_the_per_resource_verdicts(cygnus: Path) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    doc = AssessmentResults.oscal_read(cygnus / "assessment-results.json")
    assert doc is not None
    verdicts = {
        p.value
        for r in doc.results
        for o in r.observations
        for s in o.subjects or []
        for p in s.props or []
        if p.name == "verdict"
    }
    assert verdicts == {"pass", "fail"}
