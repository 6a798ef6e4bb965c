"""SARIF and JUnit follow the gate: unmet goals above the next level (or --fail-under) are not alarms."""

from __future__ import annotations

import json
from pathlib import Path

from junitparser import Failure, JUnitXml, Skipped

from assay.reports.gate import GateTargets
from assay.reports.junit import render_junit
from assay.reports.sarif import render_sarif
from assay.scoring import Results

RETRAINING = "mlops-report/monitoring.retraining"  # level 4 of an area the evidence puts at level 2


def sarif_levels(results: Results, gate: GateTargets | None = None) -> dict[str, tuple[str, str]]:
    log = json.loads(render_sarif(results, "audit.yaml", gate))
    return {r["ruleId"]: (r["kind"], r["level"]) for r in log["runs"][0]["results"]}


def junit_case(tmp_path: Path, results: Results, gate: GateTargets | None, suite: str, case: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(results, gate), encoding="utf-8")
    suites = {s.name: s for s in JUnitXml.fromfile(str(path))}
    return {c.name.split(":")[0]: c for c in suites[suite]}[case]


def test_a_goal_beyond_the_next_level_is_a_note_not_an_error(sample_results: Results) -> None:
    monitoring = sample_results.area("monitoring")
    assert monitoring is not None and monitoring.level == 2
    levels = sarif_levels(sample_results)
    assert levels[RETRAINING] == ("fail", "note")
    assert levels["mlops-report/model-development.reproducibility"] == ("fail", "error"), "level 3 of a 2"
    errors = {rule for rule, (_, level) in levels.items() if level in ("error", "warning")}
    for rs in sample_results.rulesets:
        for area in rs.areas:
            for c in area.criteria:
                if f"{rs.id}/{c.id}" in errors:
                    assert c.status == "fail" and c.level <= area.level + 1


def test_fail_under_raises_the_bar(sample_results: Results) -> None:
    assert sarif_levels(sample_results, GateTargets(areas={"monitoring": 4}))[RETRAINING] == ("fail", "error")
    assert sarif_levels(sample_results, GateTargets(overall=4))[RETRAINING] == ("fail", "error")
    assert sarif_levels(sample_results, GateTargets(areas={"ai-cmm:mlops": 5}))[RETRAINING] == (
        "fail",
        "note",
    )


def test_junit_shows_goals_beyond_the_gate_as_not_yet_required(
    tmp_path: Path, sample_results: Results
) -> None:
    case = junit_case(tmp_path, sample_results, None, "mlops-report:monitoring", "L4 monitoring.retraining")
    (skipped,) = case.result
    assert isinstance(skipped, Skipped)
    assert skipped.message == (
        "Level 4 not yet required (this gate asks for level 3 of Monitoring & Maintenance): "
        "Retraining rests on a defined development process"
    )
    gate = GateTargets(areas={"mlops-report:monitoring": 4})
    case = junit_case(tmp_path, sample_results, gate, "mlops-report:monitoring", "L4 monitoring.retraining")
    (failure,) = case.result
    assert isinstance(failure, Failure)
