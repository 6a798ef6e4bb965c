"""JUnit XML: one test suite per area, one test case per criterion, so any CI shows them natively.

pass -> a passing case; fail -> <failure> when the gate requires the criterion now (its level is at most
the area's next level, or the `--fail-under` target: `assay.reports.gate`), else <skipped> "not yet
required"; unknown -> <skipped> with the reason (unknown is not fail).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from assay.reports import facts, findings, formatting
from assay.reports.gate import GateTargets, not_yet_required
from assay.scoring import AreaResult, CriterionResult, Results, RulesetResult


def render_junit(results: Results, gate: GateTargets | None = None) -> str:
    """The results as JUnit XML (the common Surefire/Jenkins dialect), UTF-8 with an XML declaration;
    `gate` holds the `--fail-under` targets (default: each area's next level)."""
    gate = gate or GateTargets()
    root = ET.Element("testsuites", name=f"assay {results.scope}".strip())
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for rs in results.rulesets:
        for area in rs.areas:
            suite = _suite(results, rs, area, gate.target(rs, area))
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
    for key, count in totals.items():
        root.set(key, str(count))
    root.set("errors", "0")
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(results: Results, rs: RulesetResult, area: AreaResult, target: int) -> ET.Element:
    failures = sum(1 for c in area.criteria if c.status == "fail" and c.level <= target)
    skipped = len(area.criteria) - failures - sum(1 for c in area.criteria if c.status == "pass")
    suite = ET.Element(
        "testsuite",
        name=f"{rs.id}:{area.id}",
        tests=str(len(area.criteria)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time="0",
        timestamp=results.generated_at.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("title", area.title),
        ("level", str(area.level)),
        ("upper", str(area.upper)),
        ("level_name", formatting.level_name(rs.levels, area.level)),
        ("coverage", str(area.coverage)),
        ("confidence", area.confidence),
        ("sources_missing", ",".join(area.sources_missing)),
        ("bundle_sha256", results.bundle_sha256),
        ("gate_target", str(target)),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for criterion in area.criteria:
        suite.append(_case(rs, area, criterion, target))
    return suite


def _case(rs: RulesetResult, area: AreaResult, c: CriterionResult, target: int) -> ET.Element:
    case = ET.Element(
        "testcase", name=f"L{c.level} {c.id}: {c.title}", classname=f"assay.{rs.id}.{area.id}", time="0"
    )
    observed = facts.observed(c)
    if c.status == "fail" and c.level > target:
        message = f"Level {c.level} {not_yet_required(area, target)}: {c.title}"
        ET.SubElement(case, "skipped", message=message)
    elif c.status == "fail":
        failure = ET.SubElement(
            case, "failure", message=f"Level {c.level} {c.kind} criterion not met: {c.title}", type=c.kind
        )
        failure.text = "\n".join(
            [f"Observed: {observed}", f"Recommendation: {c.recommendation}", *findings.resource_lines(c)]
        )
    elif c.status == "unknown":
        reason = facts.reason_words(c.reason)
        ET.SubElement(case, "skipped", message=f"unknown ({reason}): {c.message or observed}")
    elif c.status == "not_applicable":  # an empty population: neither met nor failed
        ET.SubElement(case, "skipped", message=f"not applicable: {c.message or observed}")
    if c.status != "unknown" or c.evidence:
        out = ET.SubElement(case, "system-out")
        failed = c.status == "fail" and c.level <= target  # the <failure> says what was observed
        lines = [] if failed else [f"Observed: {observed}"]
        if c.basis != "observed" or c.attested is not None:  # say so whenever paperwork is involved
            lines += [f"Basis: {findings.BASIS_WORDS[c.basis]}", findings.basis_note(c)]
        lines += [] if failed else findings.resource_lines(c)
        lines += [f"Evidence: {', '.join(formatting.short_id(e) for e in c.evidence) or 'none'}"]
        out.text = "\n".join(lines)
    return case
