"""The crosswalk maps a ruleset's basis areas onto Microsoft's, Google's and AWS's MLOps levels; the ML Test
Score scores the tests the evidence can observe (0 / 0.5 / 1), takes the minimum section, and says it is a
lower bound."""

from __future__ import annotations

import pytest

from assay.collectors.base import installed_collectors
from assay.errors import RulesetError
from assay.evidence import UnknownReason
from assay.scoring import builtin_ruleset_ids, load_rulesets, score
from assay.scoring.crosswalk import TABLE
from assay.scoring.ml_test_score import rubric, rubric_signals
from assay.scoring.results import ML_TEST_SCORE_LABEL

CROSSWALKED = """
- id: alpha
  title: Alpha
  criteria:
    - {id: a.two, level: 2, title: Two, when: "signals.ml.tracking.runs_90d >= 20", recommendation: Do.}
    - {id: a.three, level: 3, title: Three, when: "signals.ml.repro.ratio >= 0.7", recommendation: Do.}
- id: beta
  title: Beta
  criteria:
    - {id: b.two, level: 2, title: Two, when: "signals.ml.registry.models >= 1", recommendation: Do.}
"""


def test_crosswalk_rests_on_the_named_areas(test_ruleset, make_bundle, catalog) -> None:
    path = test_ruleset(CROSSWALKED)
    path.write_text(path.read_text().replace("areas:\n", "crosswalk: {areas: [alpha]}\nareas:\n", 1))
    rulesets = load_rulesets([], [path], catalog)
    values = {"ml.tracking.runs_90d": 30, "ml.repro.ratio": 0.9, "ml.registry.models": 0}
    rs = score(make_bundle(values), rulesets, catalog).rulesets[0]
    assert rs.overall.level == 1  # beta holds the overall level back...
    cw = rs.crosswalk
    assert cw is not None and (cw.level, cw.upper, cw.areas) == (3, 5, ["alpha"])  # ...not the crosswalk
    assert (cw.microsoft, cw.google, cw.aws) == TABLE[3] == ("2–3", "1", "Reliable")
    assert "alpha" in cw.note


def test_crosswalk_defaults_to_every_area_and_notes_the_range(test_ruleset, make_bundle, catalog) -> None:
    rulesets = load_rulesets([], [test_ruleset(CROSSWALKED)], catalog)
    rs = score(
        make_bundle({"ml.tracking.runs_90d": 30, "ml.registry.models": 2}), rulesets, catalog
    ).rulesets[0]
    cw = rs.crosswalk
    assert cw is not None and (cw.level, cw.upper, cw.areas) == (2, 5, ["alpha", "beta"])
    assert (cw.microsoft, cw.google, cw.aws) == ("1–2", "0→1", "Repeatable")
    assert "up to level 5" in cw.note


def test_crosswalk_naming_an_unknown_area_is_a_ruleset_error(test_ruleset, catalog) -> None:
    path = test_ruleset(CROSSWALKED)
    path.write_text(path.read_text().replace("areas:\n", "crosswalk: {areas: [gamma]}\nareas:\n", 1))
    with pytest.raises(RulesetError, match=r"crosswalk\.areas names 'gamma'"):
        load_rulesets([], [path], catalog)


def test_builtin_rulesets_declare_their_crosswalk() -> None:
    catalog = installed_collectors().catalog()
    found = {rs.id: rs.crosswalk for rs in load_rulesets(builtin_ruleset_ids(), [], catalog)}
    assert found["ai-cmm"] is not None and found["ai-cmm"].areas == ["devops", "dataops", "mlops"]
    assert found["mlops-report"] is not None and len(found["mlops-report"].areas) == 3


def test_the_rubric_has_28_tests_16_observable_over_known_signals() -> None:
    tests = [t for s in rubric() for t in s["tests"]]
    assert len(tests) == 28 and [len(s["tests"]) for s in rubric()] == [7, 7, 7, 7]
    assert sum(1 for t in tests if t.get("exists")) == 16
    assert rubric_signals() <= set(installed_collectors().catalog())


def test_ml_test_score_is_the_minimum_section_and_a_lower_bound(test_ruleset, make_bundle, catalog) -> None:
    rulesets = load_rulesets([], [test_ruleset(CROSSWALKED)], catalog)
    values = {
        "data.quality.rulesets": 2,
        "data.quality.recent_ratio": 0.8,  # data.1 runs automatically: 1
        "ml.experiments.git_commit_ratio": 0.4,  # model.1 exists: 0.5
        "ml.experiments.repro_ratio": 0.9,
        "ml.pipeline.executions_30d": 3,  # infrastructure.1 automatic, .3 exists
        "monitoring.model.coverage": UnknownReason.NOT_APPLICABLE,  # no production model: 0
        "monitoring.model.alerted_coverage": UnknownReason.NOT_APPLICABLE,
        "monitoring.service.instrumented_jobs": 1,  # monitoring.6 exists
        "secops.dependency_scanning.ratio": UnknownReason.DENIED,  # monitoring.1 unknown: 0, listed
    }
    mlts = score(make_bundle(values), rulesets, catalog).ml_test_score
    assert (
        mlts is not None and mlts.label == ML_TEST_SCORE_LABEL == "a lower bound from infrastructure evidence"
    )
    by_id = {t.id: t for s in mlts.sections for t in s.tests}
    assert (by_id["data.1"].score, by_id["data.1"].status) == (1.0, "automatic")
    assert (by_id["model.1"].score, by_id["model.1"].status) == (0.5, "exists")
    assert (by_id["infrastructure.1"].score, by_id["infrastructure.3"].score) == (1.0, 0.5)
    assert by_id["monitoring.7"].score == 0.0 and by_id["monitoring.7"].status == "absent"
    assert by_id["monitoring.1"].status == "unknown" and "monitoring.1" in mlts.unknown
    assert by_id["data.2"].status == "not_observable" and len(mlts.not_observable) == 12
    sections = {s.id: s.score for s in mlts.sections}
    assert sections["model"] == 0.5 and mlts.score == min(sections.values()) == 0.5
    assert [s.observable for s in mlts.sections] == [3, 1, 6, 6]
