"""Every report shows per-resource verdicts and what is attested or waived rather than observed."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from assay.reports.explain import print_explanation
from assay.reports.html import render_html
from assay.reports.junit import render_junit
from assay.reports.markdown import render_markdown
from assay.reports.sarif import render_sarif
from assay.scoring import Results
from assay.scoring.results import (
    AttestationEntry,
    AttestationNote,
    AttestationsApplied,
    Basis,
    CriterionStatus,
    Resource,
    ResourceCounts,
    WaiverEntry,
    WaiverNote,
    WaiversApplied,
)

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
WAIVER = WaiverNote(justification="sandbox account", approver="Head of platform", expires=date(2099, 1, 31))
PUBLIC = "https://github.com/acme/models"
PASS = CriterionStatus.PASS


@pytest.fixture(scope="module")
def findings(sample_results: Results) -> tuple[Results, str, str, str]:
    """The sample results with one failing criterion listing resources (one waived), one attested
    criterion and one waived criterion, as a paperwork-applying scoring run writes them."""
    results = sample_results.model_copy(deep=True)
    area = results.rulesets[0].areas[0]
    failing = next(c for a in results.rulesets[0].areas for c in a.criteria if c.status == "fail")
    failing.resources = [
        Resource(subject="acme/models", status="fail", url=PUBLIC, source="github", signals=["x.ratio"]),
        Resource(subject="acme/sandbox", status="fail", url=None, source="github", waiver=WAIVER),
        Resource(subject="acme/api", status="pass", url="https://github.com/acme/api", source="github"),
    ]
    failing.resource_counts = ResourceCounts(passed=1, fail=1, waived=1)
    attested = area.criteria[-1]
    attested.status, attested.basis, attested.reason, attested.message = PASS, Basis.ATTESTED, None, None
    attested.attested = AttestationNote(
        statement="Teams own their services",
        attested_by="Dana Reyes (CPO)",
        date=date(2026, 1, 5),
        expires=date(2099, 1, 5),
        evidence="doc://board/2026-01",
    )
    waived = area.criteria[-2]
    waived.status, waived.basis, waived.reason, waived.message = PASS, Basis.WAIVED, None, None
    waived.waiver = WaiverNote(justification="moving org chart", approver="CTO", expires=date(2099, 2, 1))
    area.observed_level = max(1, area.level - 1)
    results.rulesets[0].overall.observed_level = max(1, results.rulesets[0].overall.level - 1)
    results.attestations = AttestationsApplied(
        file="attestations.yaml",
        sha256="a" * 64,
        entries=[AttestationEntry(criterion=attested.id, state="applied", **attested.attested.model_dump())],
    )
    results.waivers = WaiversApplied(
        file="waivers.yaml",
        sha256="b" * 64,
        entries=[
            WaiverEntry(
                criterion=waived.id, state="applied", **waived.waiver.model_dump(exclude={"resource"})
            ),
            WaiverEntry(
                criterion=failing.id,
                state="applied",
                resource="acme/sand*",
                matched=["acme/sandbox"],
                **WAIVER.model_dump(exclude={"resource"}),
            ),
        ],
    )
    return Results.model_validate(results.model_dump(by_alias=True)), failing.id, attested.id, waived.id


def test_markdown_lists_failing_resources_and_the_paperwork(findings, sample_bundle) -> None:  # type: ignore[no-untyped-def]
    results, failing, attested, _ = findings
    text = render_markdown(results, sample_bundle)
    listed = (
        f"Resources (1 pass, 1 fail, 1 waived), to fix: [acme/models]({PUBLIC}); acme/sandbox (fails, waived"
    )
    assert listed in text
    assert "waived by Head of platform until 2099-01-31: sandbox account" in text
    assert (
        "met (attested by Dana Reyes (CPO) on 2026-01-05)" in text and "met (waived: moving org chart" in text
    )
    assert "(observed alone: Level" in text
    assert "## Appendix: attested, not observed" in text
    assert f"| `{attested}` | applied | Teams own their services | Dana Reyes (CPO)" in text
    assert "resources matching acme/sand* (1: acme/sandbox)" in text
    assert "acme/api" not in text.split(f"`{failing}`")[1].split("\n- ")[0], (
        "passing members are counted, not listed"
    )


def test_html_shows_badges_and_resources(findings, sample_bundle) -> None:  # type: ignore[no-untyped-def]
    results, *_ = findings
    page = render_html(results, sample_bundle)
    assert 'class="pill basis-attested"' in page and 'class="pill basis-waived"' in page
    assert f'<a href="{PUBLIC}">acme/models</a>' in page
    assert '<span class="pill st-waived">waived</span> acme/sandbox' in page
    assert "Attested, not observed" in page


def test_sarif_one_result_per_failing_resource_with_stable_fingerprints(findings) -> None:  # type: ignore[no-untyped-def]
    results, _, attested, waived = findings
    log = json.loads(render_sarif(results))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(log))
    found = log["runs"][0]["results"]
    per_resource = [r for r in found if "assayResource/v1" in r["partialFingerprints"]]
    assert [r["properties"]["resource"] for r in per_resource] == ["acme/models", "acme/sandbox"]
    models, sandbox = per_resource
    assert models["level"] in ("error", "warning") and models["properties"]["url"] == PUBLIC
    assert "suppressions" not in models
    assert sandbox["suppressions"][0]["kind"] == "external" and sandbox["properties"]["basis"] == "waived"
    again = json.loads(render_sarif(results))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in again] == [r["partialFingerprints"] for r in found]
    assert len({r["partialFingerprints"]["assayResource/v1"] for r in per_resource}) == 2
    bases = {r["ruleId"].split("/", 1)[1]: r["properties"].get("basis") for r in found if r["kind"] == "pass"}
    assert bases == {attested: "attested", waived: "waived"}


def test_junit_failure_text_lists_resources_and_basis(findings) -> None:  # type: ignore[no-untyped-def]
    results, failing, attested, _ = findings
    root = ET.fromstring(render_junit(results).split("\n", 1)[1])
    cases = {c.get("name", "").split(": ")[0].split(" ", 1)[1]: c for c in root.iter("testcase")}
    failure = cases[failing].find("failure")
    assert failure is not None and failure.text is not None
    assert f"fail acme/models {PUBLIC}" in failure.text and "waived acme/sandbox" in failure.text
    out = cases[attested].find("system-out")
    assert out is not None and "Basis: attested, not observed" in (out.text or "")


def test_explain_prints_resources_and_observed_level(findings, sample_bundle) -> None:  # type: ignore[no-untyped-def]
    results, failing, *_ = findings
    rs = results.rulesets[0]
    area = next(a for a in rs.areas if any(c.id == failing for c in a.criteria))
    buffer = io.StringIO()
    print_explanation(Console(file=buffer, width=200), results, sample_bundle, f"{rs.id}:{area.id}")
    text = buffer.getvalue()
    assert f"fail   acme/models  {PUBLIC}" in text
    first = rs.areas[0]
    buffer = io.StringIO()
    print_explanation(Console(file=buffer, width=200), results, sample_bundle, f"{rs.id}:{first.id}")
    text = buffer.getvalue()
    assert f"On observed evidence alone (no attestation or waiver): level {first.observed_level}" in text
    assert "Attested, not observed: Teams own their services" in text
