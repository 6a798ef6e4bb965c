"""OSCAL assessment results: built with compliance-trestle's models and loaded back by trestle."""

from __future__ import annotations

import json
from pathlib import Path

from trestle.oscal.assessment_results import AssessmentResults

from assay.evidence import Bundle
from assay.reports.oscal import render_oscal
from assay.reports.outputs import ReportInputs, write_format
from assay.scoring import Results


def _load(tmp_path: Path, text: str) -> AssessmentResults:
    path = tmp_path / "assessment-results.json"
    path.write_text(text, encoding="utf-8")
    doc = AssessmentResults.oscal_read(path)
    assert doc is not None
    return doc


def test_one_finding_per_criterion_citing_evidence_and_subjects(
    tmp_path: Path, sample_results: Results, sample_bundle: Bundle
) -> None:
    doc = _load(tmp_path, render_oscal(sample_results, sample_bundle))
    assert [r.title.split(":")[0] for r in doc.results] == [
        "MLOps maturity model",
        "GSA AI capability maturity model",
    ]
    evidence = sample_bundle.evidence_by_id()
    for rs, result in zip(sample_results.rulesets, doc.results, strict=True):
        criteria = [c for a in rs.areas for c in a.criteria]
        assert [f.target.target_id for f in result.findings] == [c.id for c in criteria]
        observations = {o.uuid: o for o in result.observations}
        subjects = {i.uuid: i for i in result.local_definitions.inventory_items}
        for c, finding in zip(criteria, result.findings, strict=True):
            state = finding.target.status.state.value
            assert state == ("satisfied" if c.status == "pass" else "not-satisfied")
            if c.status == "unknown":
                assert finding.target.status.reason == "other"  # open, never a fail
                assert "Open, not failed" in finding.target.status.remarks
            (related,) = finding.related_observations
            observation = observations[related.observation_uuid]
            cited = [e.href for e in observation.relevant_evidence or []]
            assert cited == [f"urn:assay:evidence:{e}" for e in c.evidence]
            for ref in observation.subjects or []:
                item = subjects[ref.subject_uuid]
                assert any(evidence[e].subject in item.description for e in c.evidence)


def test_deterministic_and_written_under_its_fixed_name(
    tmp_path: Path, sample_results: Results, sample_bundle: Bundle
) -> None:
    first = render_oscal(sample_results, sample_bundle)
    assert first == render_oscal(sample_results, sample_bundle)
    (path,) = write_format("oscal", tmp_path, ReportInputs(sample_results, sample_bundle))
    assert path.name == "assessment-results.json"
    doc = json.loads(path.read_text())
    assert doc["assessment-results"]["metadata"]["oscal-version"].startswith("1.")


def test_without_the_bundle_the_ids_are_still_cited(tmp_path: Path, sample_results: Results) -> None:
    doc = _load(tmp_path, render_oscal(sample_results, None))
    cited = {e.href for r in doc.results for o in r.observations for e in o.relevant_evidence or []}
    ids = {e for rs in sample_results.rulesets for a in rs.areas for c in a.criteria for e in c.evidence}
    assert cited == {f"urn:assay:evidence:{e}" for e in ids}
