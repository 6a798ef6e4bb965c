"""The engine: criteria outcomes, staged level ranges, cross-area references, next steps, determinism."""

from __future__ import annotations

import random

import pytest

from assay.errors import RulesetError
from assay.evidence import Bundle, UnknownReason
from assay.scoring import load_rulesets, results_to_json, score
from assay.scoring.results import AreaResult, CriterionReason, CriterionStatus, Results

ONE_CRITERION = """
- id: alpha
  title: Alpha
  sources: [mlflow, github]
  criteria:
    - id: alpha.runs
      level: 2
      title: Runs are tracked
      when: >-
        signals.ml.tracking.runs_90d >= params.min_runs
        && signals.ml.tracking.logged_ratio >= params.ratio
      recommendation: Track runs.
"""


def _score(test_ruleset, make_bundle, catalog, areas: str, values: dict, **kw) -> Results:
    rulesets = load_rulesets([], [test_ruleset(areas)], catalog)
    return score(make_bundle(values, **kw), rulesets, catalog)


def _area(results: Results, area_id: str) -> AreaResult:
    area = results.area(area_id)
    assert area is not None
    return area


@pytest.mark.parametrize(
    ("values", "status", "reason"),
    [
        ({"ml.tracking.runs_90d": 25, "ml.tracking.logged_ratio": 0.9}, "pass", None),
        ({"ml.tracking.runs_90d": 25, "ml.tracking.logged_ratio": 0.5}, "fail", None),
        ({"ml.tracking.runs_90d": 5, "ml.tracking.logged_ratio": 1}, "fail", None),
        ({"ml.tracking.runs_90d": 25}, "unknown", "not_configured"),
        ({"ml.tracking.runs_90d": 25, "ml.tracking.logged_ratio": UnknownReason.DENIED}, "unknown", "denied"),
        # three-valued logic: a known failing operand of && decides, whatever the unknown one would say
        ({"ml.tracking.runs_90d": 1, "ml.tracking.logged_ratio": UnknownReason.ERROR}, "fail", None),
        # ... but a passing operand cannot decide && while the other is unknown: unknown is never fail
        ({"ml.tracking.runs_90d": 30, "ml.tracking.logged_ratio": UnknownReason.ERROR}, "unknown", "error"),
    ],
)
def test_criterion_status(test_ruleset, make_bundle, catalog, values, status, reason) -> None:
    results = _score(test_ruleset, make_bundle, catalog, ONE_CRITERION, values)
    criterion = _area(results, "alpha").criteria[0]
    assert criterion.status == status
    assert criterion.reason == reason
    assert [s.name for s in criterion.signals] == ["ml.tracking.logged_ratio", "ml.tracking.runs_90d"]


EITHER_SOURCE = """
- id: alpha
  title: Alpha
  criteria:
    - id: alpha.either
      level: 2
      title: A training pipeline on either platform
      when: signals.ml.tracking.runs_90d >= 20 || signals.ml.registry.models >= 1
      recommendation: Run a pipeline.
"""


@pytest.mark.parametrize(
    ("values", "status", "reason"),
    [
        ({"ml.tracking.runs_90d": 25, "ml.registry.models": UnknownReason.NOT_CONFIGURED}, "pass", None),
        ({"ml.tracking.runs_90d": UnknownReason.DENIED, "ml.registry.models": 2}, "pass", None),
        # not applicable (an empty population) drops out: the known operand decides
        ({"ml.tracking.runs_90d": 3, "ml.registry.models": UnknownReason.NOT_APPLICABLE}, "fail", None),
        ({"ml.tracking.runs_90d": 3, "ml.registry.models": 0}, "fail", None),
        ({}, "unknown", "not_configured"),
    ],
)
def test_either_source_can_decide_an_or(test_ruleset, make_bundle, catalog, values, status, reason) -> None:
    """A ladder item any of several sources can show is one criterion with `||`, decided by whichever
    source is connected; only when no known operand passes does an unknown one keep it open."""
    results = _score(test_ruleset, make_bundle, catalog, EITHER_SOURCE, values)
    criterion = _area(results, "alpha").criteria[0]
    assert (criterion.status, criterion.reason) == (status, reason)


def test_missing_signal_says_no_collector_produced_it(test_ruleset, make_bundle, catalog) -> None:
    results = _score(test_ruleset, make_bundle, catalog, ONE_CRITERION, {"ml.tracking.runs_90d": 25})
    criterion = _area(results, "alpha").criteria[0]
    assert criterion.message == "ml.tracking.logged_ratio: no installed collector produced it"
    missing = next(s for s in criterion.signals if s.name == "ml.tracking.logged_ratio")
    assert (missing.status, missing.value, missing.reason) == ("unknown", None, "not_configured")
    assert criterion.evidence == ["ev-ml.tracking.runs_90d"]


def test_unknown_signal_message_and_evidence_are_cited(test_ruleset, make_bundle, catalog) -> None:
    values = {"ml.tracking.runs_90d": UnknownReason.DENIED, "ml.tracking.logged_ratio": UnknownReason.DENIED}
    criterion = _area(_score(test_ruleset, make_bundle, catalog, ONE_CRITERION, values), "alpha").criteria[0]
    assert criterion.message == (
        "ml.tracking.logged_ratio: ml.tracking.logged_ratio could not be read (and 1 more unknown signals)"
    )
    assert criterion.evidence == ["ev-ml.tracking.logged_ratio", "ev-ml.tracking.runs_90d"]


def test_attestation_is_always_unknown(test_ruleset, make_bundle, catalog) -> None:
    areas = """
    - id: alpha
      title: Alpha
      criteria:
        - {id: a.att, level: 2, title: Culture, attestation: true, recommendation: Attest it.}
        - id: a.att2
          level: 2
          title: Culture with an expression
          attestation: true
          when: signals.ml.tracking.runs_90d >= 0
          recommendation: Attest it.
    """
    area = _area(_score(test_ruleset, make_bundle, catalog, areas, {"ml.tracking.runs_90d": 3}), "alpha")
    assert [(c.status, c.reason, c.attestation) for c in area.criteria] == [
        ("unknown", "attestation", True)
    ] * 2
    assert "signed attestation" in (area.criteria[0].message or "")
    assert (area.level, area.upper, area.coverage, area.confidence) == (1, 5, 0.0, "low")


def test_disabled_criteria_are_skipped(test_ruleset, make_bundle, catalog) -> None:
    areas = """
    - id: alpha
      title: Alpha
      criteria:
        - {id: a.one, level: 2, title: One, when: "signals.ml.repro.ratio >= 0.5", recommendation: Do.}
        - id: a.off
          level: 2
          title: Switched off
          when: signals.ml.repro.ratio >= 0.9
          recommendation: Do.
          disabled: true
    """
    area = _area(_score(test_ruleset, make_bundle, catalog, areas, {"ml.repro.ratio": 0.6}), "alpha")
    assert [c.id for c in area.criteria] == ["a.one"]
    assert (area.level, area.coverage) == (2, 1.0)


STAGED = """
- id: alpha
  title: Alpha
  criteria:
    - {id: a.l3, level: 3, title: L3, when: "signals.ml.repro.ratio >= 0.7", recommendation: Reproduce.}
    - {id: a.l2, level: 2, title: L2, when: "signals.ml.tracking.runs_90d >= 20", recommendation: Track.}
    - id: a.s1
      level: 2
      kind: supporting
      title: S1
      when: signals.ml.registry.models >= 1
      recommendation: Register.
    - id: a.s2
      level: 2
      kind: supporting
      title: S2
      when: signals.ml.production.count >= 1
      recommendation: Ship.
    - {id: a.l4, level: 4, title: L4, when: "signals.ml.governance.ratio >= 0.8", recommendation: Govern.}
"""


@pytest.mark.parametrize(
    ("values", "level", "upper"),
    [
        ({}, 1, 5),
        ({"ml.tracking.runs_90d": 30, "ml.registry.models": 1, "ml.production.count": 0}, 2, 5),
        ({"ml.tracking.runs_90d": 30, "ml.registry.models": 0, "ml.production.count": 0}, 1, 1),
        (
            {
                "ml.tracking.runs_90d": 30,
                "ml.registry.models": 0,
                "ml.production.count": 1,
                "ml.repro.ratio": 0.8,
                "ml.governance.ratio": 0.9,
            },
            4,
            5,  # level 5 has no criteria: undecided
        ),
        ({"ml.tracking.runs_90d": 30, "ml.registry.models": 2, "ml.repro.ratio": 0.1}, 2, 2),
    ],
)
def test_staged_levels_through_the_engine(test_ruleset, make_bundle, catalog, values, level, upper) -> None:
    area = _area(_score(test_ruleset, make_bundle, catalog, STAGED, values), "alpha")
    assert (area.level, area.upper) == (level, upper)
    assert [c.id for c in area.criteria] == ["a.l2", "a.s1", "a.s2", "a.l3", "a.l4"]  # (level, position)


def test_area_without_criteria_is_level_1_upper_5(test_ruleset, make_bundle, catalog) -> None:
    area = _area(_score(test_ruleset, make_bundle, catalog, "- {id: empty, title: Empty}", {}), "empty")
    assert (area.level, area.upper, area.coverage, area.confidence) == (1, 5, 0.0, "low")
    assert area.next_steps == []


def test_coverage_confidence_and_next_steps(test_ruleset, make_bundle, catalog) -> None:
    values = {"ml.tracking.runs_90d": 30, "ml.registry.models": 1, "ml.production.count": 0}
    area = _area(_score(test_ruleset, make_bundle, catalog, STAGED, values), "alpha")
    # decided: l2 (H), l2s1 (H), l2s2 (M) of 5 criteria -> 0.6 x mean(1, 1, 0.7) = 0.54
    assert (area.coverage, area.confidence) == (0.6, "medium")
    assert [(s.id, s.status, s.reason) for s in area.next_steps] == [("a.l3", "unknown", "not_configured")]
    step = area.next_steps[0]
    assert (step.level, step.kind, step.recommendation) == (3, "required", "Reproduce.")


def test_next_steps_list_failing_and_unknown_of_the_next_level(test_ruleset, make_bundle, catalog) -> None:
    area = _area(_score(test_ruleset, make_bundle, catalog, STAGED, {"ml.tracking.runs_90d": 3}), "alpha")
    assert area.level == 1
    assert [(s.id, s.status) for s in area.next_steps] == [
        ("a.l2", "fail"),
        ("a.s1", "unknown"),
        ("a.s2", "unknown"),
    ]
    assert "reason" not in area.next_steps[0].model_dump()


def test_no_next_steps_at_level_5(test_ruleset, make_bundle, catalog) -> None:
    areas = '- {id: a, title: A, criteria: [{id: a.x, level: 5, title: X, when: "true", recommendation: R.}]}'
    results = _score(test_ruleset, make_bundle, catalog, areas, {})
    # levels 2..4 have no criteria, so the level stays at the floor even though level 5's criterion passes
    assert (_area(results, "a").level, _area(results, "a").upper) == (1, 5)


def test_sources_missing_lists_declared_sources_that_did_not_run(test_ruleset, make_bundle, catalog) -> None:
    areas = "- {id: a, title: A, sources: [mlflow, github, aws, jenkins]}"
    collectors = {"mlflow": "ok", "github": "failed", "aws": "partial", "jenkins": "not_configured"}
    results = _score(test_ruleset, make_bundle, catalog, areas, {}, collectors=collectors)
    assert _area(results, "a").sources_missing == ["github", "jenkins"]


CROSS = """
- id: base
  title: Base
  criteria:
    - {id: base.l2, level: 2, title: L2, when: "signals.ml.tracking.runs_90d >= 20", recommendation: Track.}
    - {id: base.l3, level: 3, title: L3, when: "signals.ml.repro.ratio >= 0.7", recommendation: Reproduce.}
- id: top
  title: Top
  criteria:
    - {id: top.l2, level: 2, title: Base at 2, when: "areas.base.level >= 2", recommendation: Lift base.}
    - {id: top.l3, level: 3, title: Base at 3, when: "areas.base.level >= 3", recommendation: Lift base more.}
"""


@pytest.mark.parametrize(
    ("values", "base", "statuses", "top"),
    [
        ({"ml.tracking.runs_90d": 30, "ml.repro.ratio": 0.9}, (3, 5), ["pass", "pass"], (3, 5)),
        ({"ml.tracking.runs_90d": 30, "ml.repro.ratio": 0.1}, (2, 2), ["pass", "fail"], (2, 2)),
        ({"ml.tracking.runs_90d": 1}, (1, 1), ["fail", "fail"], (1, 1)),
        # base is 2..5: "base >= 2" holds at both ends, "base >= 3" only at the upper end
        ({"ml.tracking.runs_90d": 30}, (2, 5), ["pass", "unknown"], (2, 5)),
        ({}, (1, 5), ["unknown", "unknown"], (1, 5)),
    ],
)
def test_area_references_evaluate_at_level_and_upper(
    test_ruleset, make_bundle, catalog, values, base, statuses, top
) -> None:
    results = _score(test_ruleset, make_bundle, catalog, CROSS, values)
    base_area, top_area = _area(results, "base"), _area(results, "top")
    assert (base_area.level, base_area.upper) == base
    assert [c.status for c in top_area.criteria] == statuses
    assert (top_area.level, top_area.upper) == top
    assert top_area.criteria[0].areas[0].model_dump() == {"id": "base", "level": base[0], "upper": base[1]}
    for criterion in top_area.criteria:
        if criterion.status == CriterionStatus.UNKNOWN:
            assert criterion.reason == CriterionReason.AREA_RANGE
            assert f"base {base[0]}..{base[1]}" in (criterion.message or "")


def test_overall_is_the_minimum_of_the_areas(test_ruleset, make_bundle, catalog) -> None:
    results = _score(test_ruleset, make_bundle, catalog, CROSS, {"ml.tracking.runs_90d": 30})
    ruleset = results.rulesets[0]
    assert [(a.level, a.upper) for a in ruleset.areas] == [(2, 5), (2, 5)]
    assert (ruleset.overall.level, ruleset.overall.upper) == (2, 5)
    results = _score(test_ruleset, make_bundle, catalog, CROSS + "- {id: empty, title: E}", {})
    assert (results.rulesets[0].overall.level, results.rulesets[0].overall.upper) == (1, 5)
    assert ruleset.levels == {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five"}


def test_areas_are_reported_in_file_order_though_scored_in_dependency_order(
    test_ruleset, make_bundle, catalog
) -> None:
    reordered = CROSS.split("- id: top")
    text = "- id: top" + reordered[1] + reordered[0]
    results = _score(test_ruleset, make_bundle, catalog, text, {"ml.tracking.runs_90d": 30})
    assert [a.id for a in results.rulesets[0].areas] == ["top", "base"]
    assert _area(results, "top").criteria[0].status == "pass"


def test_keyerror_from_cel_becomes_a_ruleset_error(test_ruleset, make_bundle, catalog) -> None:
    # the load-time trial run short-circuits past the bad index; real data reaches it
    areas = """
    - id: alpha
      title: Alpha
      criteria:
        - id: alpha.odd
          level: 2
          title: Odd
          when: signals.ml.tracking.runs_90d >= 1 || params["missing_threshold"] > 1
          recommendation: Fix.
    """
    rulesets = load_rulesets([], [test_ruleset(areas)], catalog)
    with pytest.raises(RulesetError) as err:
        score(make_bundle({"ml.tracking.runs_90d": 0}), rulesets, catalog)
    message = str(err.value)
    assert "t.yaml:" in message and "alpha.odd" in message and "'missing_threshold'" in message


def test_type_mismatch_in_data_is_unknown_error(test_ruleset, make_bundle, catalog) -> None:
    areas = """
    - id: a
      title: A
      criteria:
        - {id: a.x, level: 2, title: X, when: "signals.ml.repro.ratio >= 0.5", recommendation: R.}
    """
    results = _score(test_ruleset, make_bundle, catalog, areas, {"ml.repro.ratio": ["not", "a", "number"]})
    criterion = _area(results, "a").criteria[0]
    assert (criterion.status, criterion.reason) == ("unknown", "error")


def _full_values() -> dict:
    return {
        "ml.tracking.runs_90d": 40,
        "ml.tracking.logged_ratio": 0.9,
        "ml.repro.git_commit_ratio": 0.8,
        "ml.repro.ratio": UnknownReason.DENIED,
        # The tracking signals read across MLflow and SageMaker; here MLflow alone gives them.
        "ml.experiments.runs_90d": 40,
        "ml.experiments.logged_ratio": 0.9,
        "ml.experiments.git_commit_ratio": 0.8,
        "ml.experiments.repro_ratio": UnknownReason.DENIED,
        "ml.registry.versioned_models": 2,
        "ml.production.models": ["churn", "fraud"],
        "ml.production.count": 2,
        "collab.experiments.shared": 0,
    }


def test_results_are_byte_identical(make_bundle, catalog) -> None:
    rulesets = load_rulesets(["ai-cmm", "mlops-report"], [], catalog)
    values = _full_values()
    first = results_to_json(score(make_bundle(values), rulesets, catalog))
    again = results_to_json(score(make_bundle(values), rulesets, catalog))
    shuffled = list(values.items())
    random.Random(7).shuffle(shuffled)
    reordered = results_to_json(score(make_bundle(dict(shuffled)), rulesets, catalog))
    assert first == again == reordered
    assert first.endswith("}\n")


def test_results_cite_the_bundle(make_bundle, catalog) -> None:
    bundle: Bundle = make_bundle({}, scope="org:aurora")
    results = score(bundle, load_rulesets(["ai-cmm"], [], catalog), catalog)
    dumped = results.model_dump(mode="json", by_alias=True)
    assert dumped["schema"] == "assay/result/v1"
    assert dumped["generated_at"] == "2025-03-01T12:00:00Z"
    assert dumped["bundle_sha256"] == bundle.sha256()
    assert (dumped["tool_version"], dumped["scope"]) == ("test", "org:aurora")


def test_builtin_rulesets_score_an_mlflow_estate(make_bundle, catalog) -> None:
    """Only MLflow's signals are in this bundle: every criterion reading another source must be unknown
    (never fail), every criterion reading only MLflow signals must be decided. The built-in rulesets grow
    with each source, so this checks those invariants rather than pinning their contents."""
    rulesets = load_rulesets(["ai-cmm", "mlops-report"], [], catalog)
    results = score(make_bundle(_full_values()), rulesets, catalog)
    assert [rs.id for rs in results.rulesets] == ["ai-cmm", "mlops-report"]
    present = set(_full_values())
    for rs in results.rulesets:
        for area in rs.areas:
            assert area.level <= area.upper
            for c in area.criteria:
                names = {sig.name for sig in c.signals}
                if c.attestation:
                    assert (c.status, c.reason) == ("unknown", "attestation")
                elif names and not (names & present) and not c.areas:
                    assert c.status == "unknown", f"{c.id} reads only signals no source produced"
                elif names and not c.areas:
                    assert c.status in ("pass", "fail") or c.reason == "denied", c.id
    tracking = {c.id: c for c in _area(results, "mlops").criteria}["mlops.tracking"]
    assert tracking.status == "pass"
    repro = {c.id: c for c in _area(results, "mlops").criteria}["mlops.reproducibility"]
    assert (repro.status, repro.reason) == ("unknown", "denied")
    mlops = _area(results, "mlops")
    model_dev = {c.id: c for c in _area(results, "model-development").criteria}["model-development.mlops-3"]
    if mlops.level < 3 <= mlops.upper:
        assert (model_dev.status, model_dev.reason) == ("unknown", "area_range")
    assert _area(results, "aiops").criteria[-1].reason == "attestation"
    assert {"aws", "azure", "github"} <= set(_area(results, "cloudops").sources_missing)
    for rs in results.rulesets:
        assert rs.overall.level == min(a.level for a in rs.areas)
        assert rs.overall.upper == min(a.upper for a in rs.areas)


def test_scoring_a_subset_of_dependent_rulesets_is_refused(make_bundle, catalog) -> None:
    ai_cmm = load_rulesets(["ai-cmm"], [], catalog)[0]  # reads areas.monitoring of mlops-report
    with pytest.raises(RulesetError, match=r"criterion mlops\.monitoring: unknown area 'monitoring'"):
        score(make_bundle({}), [ai_cmm], catalog)
