"""Ruleset loading: builtins, user rulesets, override files, validation errors and the YAML round trip."""

from __future__ import annotations

import re

import pytest

from assay.errors import RulesetError
from assay.scoring import builtin_ruleset_ids, dump_ruleset_yaml, load_rulesets, score
from assay.scoring.expressions import references
from assay.scoring.model import Ruleset

AI_CMM_AREAS = ["peopleops", "cloudops", "secops", "devops", "dataops", "mlops", "aiops"]


def _criteria(rulesets: list[Ruleset]) -> dict:
    return {c.id: c for rs in rulesets for _, c in rs.criteria()}


def test_builtin_ids() -> None:
    assert builtin_ruleset_ids() == ["ai-cmm", "mlops-report"]


def test_builtins_load_against_exactly_the_mlflow_catalog(catalog) -> None:
    rulesets = load_rulesets(["ai-cmm", "mlops-report"], [], catalog)
    ai_cmm, report = rulesets
    assert [a.id for a in ai_cmm.areas] == AI_CMM_AREAS
    assert [a.title for a in ai_cmm.areas] == [
        "PeopleOps", "CloudOps", "SecOps", "DevOps", "DataOps", "MLOps", "AIOps"
    ]  # fmt: skip
    assert [a.id for a in report.areas] == ["collaboration", "model-development", "monitoring"]
    assert report.levels == {1: "Ad-hoc", 2: "Repeatable", 3: "Defined", 4: "Managed", 5: "Optimized"}
    assert ai_cmm.levels[1] == "Initial / Ad Hoc — Individual Project"
    assert {a.id: a.sources for a in ai_cmm.areas}["mlops"] == [
        "mlflow", "aws", "azure", "jenkins", "github", "prometheus"
    ]  # fmt: skip
    read = {
        s for _, c in [*ai_cmm.criteria(), *report.criteria()] if c.when for s in references(c.when).signals
    }
    assert read <= set(catalog)


def test_builtin_attestation_levels(catalog) -> None:
    rulesets = load_rulesets(["ai-cmm", "mlops-report"], [], catalog)
    attested = sorted(
        (area.id, c.level) for rs in rulesets for area in rs.areas for c in area.criteria if c.attestation
    )
    assert attested == [("aiops", 5), ("collaboration", 5), ("peopleops", 4), ("peopleops", 5)]


def test_builtin_mlops_ladder(catalog) -> None:
    """The MLflow-decided rungs of SIGNALS.md's MLOps ladder sit at their levels (other sources add more)."""
    mlops = next(a for a in load_rulesets(["ai-cmm"], [], catalog)[0].areas if a.id == "mlops")
    by_id = {c.id: c for c in mlops.criteria}
    expected = {
        "mlops.tracking": 2,
        "mlops.version-control": 2,
        "mlops.registry": 3,
        "mlops.reproducibility": 3,
        "mlops.governance": 4,
        "mlops.monitoring": 4,
        "mlops.continuous-training": 5,
    }
    assert {cid: (by_id[cid].level, by_id[cid].kind) for cid in expected} == {
        cid: (level, "required") for cid, level in expected.items()
    }
    assert references(by_id["mlops.monitoring"].when or "").areas == ("monitoring",)


def test_loading_one_builtin_brings_in_the_builtin_whose_areas_it_reads(catalog) -> None:
    assert [rs.id for rs in load_rulesets(["ai-cmm"], [], catalog)] == ["ai-cmm", "mlops-report"]
    assert [rs.id for rs in load_rulesets(["mlops-report"], [], catalog)] == ["mlops-report", "ai-cmm"]


def test_unknown_builtin_id(catalog) -> None:
    with pytest.raises(RulesetError, match=r"unknown builtin ruleset 'ai-cm'; did you mean 'ai-cmm'\?"):
        load_rulesets(["ai-cm"], [], catalog)


# --- overrides -------------------------------------------------------------------------------------------


def test_override_params_when_disabled_and_additions(write_rules, catalog, make_bundle) -> None:
    override = write_rules(
        "ours.yaml",
        """
        extends: ai-cmm
        params:
          tracking_min_runs: 5
          min_prod: 2
        criteria:
          mlops.version-control: {disabled: true}
          mlops.registry:
            when: signals.ml.registry.models >= 1
            kind: supporting
            recommendation: Register at least one model.
        areas:
          - id: mlops
            sources: [github]
            criteria:
              - id: mlops.production
                level: 3
                title: Models reach production
                when: signals.ml.production.count >= params.min_prod
                recommendation: Ship.
          - id: edgeops
            title: EdgeOps
            description: Models on devices.
            sources: [aws]
            criteria:
              - {id: edgeops.mlops, level: 2, title: M, when: "areas.mlops.level >= 2", recommendation: R.}
        """,
    )
    rulesets = load_rulesets(["ai-cmm"], [override], catalog)
    ai_cmm = rulesets[0]
    assert ai_cmm.params["tracking_min_runs"] == 5
    by_id = _criteria(rulesets)
    assert by_id["mlops.version-control"].disabled
    assert by_id["mlops.registry"].kind == "supporting"
    assert by_id["mlops.registry"].title == "Models are versioned in a registry"  # untouched fields stay
    assert by_id["mlops.registry"].origin.file == str(override)
    mlops = next(a for a in ai_cmm.areas if a.id == "mlops")
    assert mlops.sources.count("github") == 1 and mlops.criteria[-1].id == "mlops.production"
    assert ai_cmm.areas[-1].id == "edgeops" and ai_cmm.areas[-1].sources == ["aws"]

    results = score(
        make_bundle({"ml.experiments.runs_90d": 6, "ml.experiments.logged_ratio": 1.0}), rulesets, catalog
    )
    area = results.area("mlops")
    assert area is not None and area.level == 2  # 6 runs now enough; version control disabled
    assert "mlops.version-control" not in [c.id for c in area.criteria]
    edge = results.area("edgeops")
    assert edge is not None and (edge.level, edge.criteria[0].status) == (2, "pass")


def test_override_extends_a_builtin_that_was_not_asked_for(write_rules, catalog) -> None:
    override = write_rules("o.yaml", "extends: mlops-report\nparams: {shared_experiments_min: 3}\n")
    rulesets = load_rulesets([], [override], catalog)
    assert [rs.id for rs in rulesets] == ["mlops-report", "ai-cmm"]
    assert rulesets[0].params["shared_experiments_min"] == 3


def test_a_new_complete_ruleset_file(test_ruleset, catalog) -> None:
    path = test_ruleset(
        '- {id: new, title: New, criteria: [{id: n.x, level: 2, title: X, when: "true", recommendation: R}]}'
    )
    rulesets = load_rulesets(["ai-cmm"], [path], catalog)
    assert [rs.id for rs in rulesets] == ["ai-cmm", "t", "mlops-report"]


OVERRIDE_ERRORS = [
    pytest.param(
        "extends: ai-cmm\ncriteria:\n  mlops.trackng: {disabled: true}\n",
        r"o\.yaml:3: criterion 'mlops\.trackng' does not exist in ruleset 'ai-cmm'; "
        r"did you mean 'mlops\.tracking'\?",
        id="unknown criterion id",
    ),
    pytest.param(
        "extends: ai-cmm\ncriteria:\n  mlops.tracking: {threshold: 3}\n",
        r"o\.yaml:3: criterion mlops\.tracking: unknown key 'threshold'",
        id="unknown key in a criterion override",
    ),
    pytest.param(
        "extends: ai-cmm\nparams: {tracking_min_runs: 5}\nrules: []\n",
        r"o\.yaml:3: unknown key 'rules'",
        id="unknown top-level key",
    ),
    pytest.param(
        "extends: ai-cmm\nparams:\n  tracking_min_run: 5\n",
        r"o\.yaml:3: param 'tracking_min_run' does not exist .* did you mean 'tracking_min_runs'\?",
        id="misspelt param",
    ),
    pytest.param(
        "extends: ai-cmmm\n",
        r"o\.yaml:1: `extends: ai-cmmm` names no loaded or builtin ruleset; did you mean 'ai-cmm'\?",
        id="unknown extends",
    ),
    pytest.param(
        "extends: ai-cmm\nareas:\n  - id: mlops\n    title: Renamed\n",
        r"o\.yaml:4: area 'mlops' already exists in ruleset 'ai-cmm'; an override can only append",
        id="retitling an existing area",
    ),
    pytest.param(
        "extends: ai-cmm\nareas:\n  - id: newarea\n",
        r"o\.yaml:3: new area 'newarea' needs a `title`",
        id="new area without title",
    ),
    pytest.param(
        "extends: ai-cmm\ncriteria:\n  mlops.tracking:\n    level: 7\n",
        r"o\.yaml:4: criterion mlops\.tracking: field 'level': level 7 is outside 2\.\.5",
        id="override level outside 2..5",
    ),
    pytest.param(
        "extends: ai-cmm\ncriteria:\n  mlops.tracking:\n    when: signals.ml.tracking.runs >= 1\n",
        r"o\.yaml:4: criterion mlops\.tracking: unknown signal 'ml\.tracking\.runs'",
        id="overridden when is validated where it was written",
    ),
]


@pytest.mark.parametrize(("text", "pattern"), OVERRIDE_ERRORS)
def test_override_errors(write_rules, catalog, text, pattern) -> None:
    path = write_rules("o.yaml", text)
    with pytest.raises(RulesetError, match=pattern):
        load_rulesets(["ai-cmm"], [path], catalog)


# --- validation errors: file, rule id and position ----------------------------------------------------


def _criterion(when: str, cid: str = "t.bad", level: int = 2) -> str:
    return f"""
    - id: alpha
      title: Alpha
      criteria:
        - id: {cid}
          level: {level}
          title: Bad
          when: {when}
          recommendation: Fix it.
    """


VALIDATION_ERRORS = [
    pytest.param(
        _criterion("signals.ml.tracking.run_90d >= 20"),
        r"t\.yaml:12: criterion t\.bad: unknown signal 'ml\.tracking\.run_90d'; "
        r"did you mean 'ml\.tracking\.runs_90d'\?",
        id="typo'd signal with suggestion",
    ),
    pytest.param(
        _criterion("signals.ml.tracking.runs_90d >= "),
        r"t\.yaml:12: criterion t\.bad: CEL syntax error at 1:32 of `when`: mismatched input",
        id="CEL syntax error",
    ),
    pytest.param(
        _criterion("areas.secopz.level >= 2"),
        r"t\.yaml:12: criterion t\.bad: unknown area 'secopz' in `areas\.secopz\.level`; "
        r"did you mean 'secops'\?",
        id="unknown area",
    ),
    pytest.param(
        _criterion("areas.mlops.upper >= 2"),
        r"t\.yaml:12: criterion t\.bad: `areas\.mlops\.upper` cannot be read",
        id="area field other than level",
    ),
    pytest.param(
        _criterion("signals.ml.tracking.runs_90d >= params.min_runz"),
        r"t\.yaml:12: criterion t\.bad: unknown param 'min_runz'; did you mean 'min_runs'\?",
        id="unknown param",
    ),
    pytest.param(
        _criterion("signals.ml.tracking.runs_90d"),
        r"t\.yaml:12: criterion t\.bad: `when` must give true or false, but gives a int",
        id="not a boolean",
    ),
    pytest.param(
        _criterion("sise(signals.ml.production.models) > 0"),
        r"t\.yaml:12: criterion t\.bad: `when` cannot be evaluated: Undefined variable or function: 'sise'",
        id="unknown function",
    ),
    pytest.param(
        _criterion("signals.ml.production.models >= 1"),
        r"t\.yaml:12: criterion t\.bad: `when` cannot be evaluated: No such overload",
        id="type error",
    ),
    pytest.param(
        _criterion("signals.ml.tracking.runs_90d >= 1", cid="mlops.tracking"),
        r"t\.yaml:12: criterion mlops\.tracking: duplicate criterion id, "
        r"already defined at .*ai-cmm\.yaml:\d+",
        id="duplicate criterion id across rulesets",
    ),
    pytest.param(
        _criterion("signals.ml.tracking.runs_90d >= 1", level=6),
        r"t\.yaml:10: criterion t\.bad: field 'level': level 6 is outside 2\.\.5",
        id="level outside 2..5",
    ),
    pytest.param(
        _criterion("signals.ml.tracking.runs_90d >= 1", level=1),
        r"t\.yaml:10: criterion t\.bad: field 'level': level 1 is outside 2\.\.5",
        id="level 1 has no criteria",
    ),
    pytest.param(
        """
        - id: alpha
          title: Alpha
          criteria:
            - {id: t.a, level: 2, title: A, when: "true", recommendation: R., severity: high}
        """,
        r"t\.yaml:9: criterion t\.a: unknown key 'severity'",
        id="unknown key in a criterion",
    ),
    pytest.param(
        """
        - id: alpha
          title: Alpha
          criteria:
            - {id: t.a, level: 2, title: A, recommendation: R.}
        """,
        r"t\.yaml:9: criterion t\.a: a criterion needs a `when` expression unless it is `attestation: true`",
        id="missing when",
    ),
    pytest.param(
        """
        - id: alpha
          title: Alpha
          criteria:
            - {id: t.a, level: 2, title: A, when: "true", kind: optional, recommendation: R.}
        """,
        r"t\.yaml:9: criterion t\.a: field 'kind': Input should be 'required' or 'supporting'",
        id="bad kind",
    ),
    pytest.param(
        "- {id: mlops, title: Clash}",
        r"t\.yaml:6: area 'mlops' of ruleset 't' clashes with area 'mlops' of ruleset 'ai-cmm'",
        id="area id clash",
    ),
]


@pytest.mark.parametrize(("areas", "pattern"), VALIDATION_ERRORS)
def test_validation_errors_name_file_rule_and_line(test_ruleset, catalog, areas, pattern) -> None:
    path = test_ruleset(areas)
    with pytest.raises(RulesetError, match=pattern):
        load_rulesets(["ai-cmm"], [path], catalog)


def test_cel_position_points_into_a_multiline_expression(test_ruleset, catalog) -> None:
    areas = """
    - id: alpha
      title: Alpha
      criteria:
        - id: t.multi
          level: 2
          title: Multi
          when: |
            signals.ml.tracking.runs_90d >= 1 &&
            signals.ml.repro.ratio >=
          recommendation: R.
    """
    with pytest.raises(
        RulesetError, match=r"t\.yaml:12: criterion t\.multi: CEL syntax error at 3:1 of `when`"
    ):
        load_rulesets([], [test_ruleset(areas)], catalog)


def test_area_cycle_is_named(write_rules, catalog) -> None:
    override = write_rules(
        "cycle.yaml",
        """
        extends: mlops-report
        areas:
          - id: monitoring
            criteria:
              - id: monitoring.mlops
                level: 2
                title: MLOps first
                when: areas.mlops.level >= 2
                recommendation: R.
        """,
    )
    with pytest.raises(RulesetError) as err:
        load_rulesets(["ai-cmm", "mlops-report"], [override], catalog)
    message = str(err.value)
    assert "cycle (mlops -> monitoring -> mlops)" in message
    assert re.search(r"ai-cmm\.yaml:\d+: criterion mlops\.monitoring", message)


def test_self_reference_is_a_cycle(test_ruleset, catalog) -> None:
    with pytest.raises(RulesetError, match=r"t\.yaml:12: criterion t\.bad: .*cycle \(alpha -> alpha\)"):
        load_rulesets([], [test_ruleset(_criterion("areas.alpha.level >= 2"))], catalog)


def test_disabled_criteria_do_not_make_cycles(write_rules, catalog) -> None:
    override = write_rules(
        "o.yaml",
        """
        extends: ai-cmm
        criteria:
          mlops.monitoring: {disabled: true}
        areas:
          - id: dataops
            criteria:
              - {id: dataops.mlops, level: 2, title: T, when: "areas.mlops.level >= 2", recommendation: R.}
        """,
    )
    extra = write_rules(
        "p.yaml",
        """
        extends: mlops-report
        areas:
          - id: monitoring
            criteria:
              - {id: monitoring.mlops, level: 2, title: T, when: "areas.mlops.level >= 2", recommendation: R.}
        """,
    )
    assert len(load_rulesets([], [override, extra], catalog)) == 2


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("id: t\ntitle: [unclosed\n", r"bad\.yaml:3: invalid YAML: "),
        ("id: t\n  title: x\n", r"bad\.yaml:2: invalid YAML: mapping values are not allowed here"),
        ("- just\n- a list\n", r"bad\.yaml:1: a ruleset file must be a YAML mapping"),
        (
            "id: t\ntitle: T\nlevels: {1: a}\nareas: [{id: a, title: A}]\n",
            r"bad\.yaml:3: field 'levels': levels must",
        ),
        (
            "id: t\ntitle: T\nlevels: {1: a, 2: b, 3: c, 4: d, 5: e}\n",
            r"bad\.yaml:1: missing required field 'areas'",
        ),
    ],
)
def test_bad_yaml_and_schema_errors(write_rules, catalog, text, pattern) -> None:
    with pytest.raises(RulesetError, match=pattern):
        load_rulesets([], [write_rules("bad.yaml", text)], catalog)


def test_missing_ruleset_file(tmp_path, catalog) -> None:
    with pytest.raises(RulesetError, match=r"nope\.yaml: no such ruleset file"):
        load_rulesets([], [tmp_path / "nope.yaml"], catalog)


def test_same_id_twice_without_extends(test_ruleset, write_rules, catalog) -> None:
    first = test_ruleset("- {id: a, title: A}")
    second = write_rules("t2.yaml", first.read_text())
    with pytest.raises(RulesetError, match=r"t2\.yaml:1: ruleset 't' is already loaded; write `extends: t`"):
        load_rulesets([], [first, second], catalog)


# --- round trip --------------------------------------------------------------------------------------------


def test_dump_round_trip_of_builtins(tmp_path, catalog) -> None:
    rulesets = load_rulesets(["ai-cmm", "mlops-report"], [], catalog)
    paths = []
    for rs in rulesets:
        path = tmp_path / f"{rs.id}.yaml"
        path.write_text(dump_ruleset_yaml(rs), encoding="utf-8")
        paths.append(path)
    again = load_rulesets([], paths, catalog)
    assert [r.model_dump() for r in again] == [r.model_dump() for r in rulesets]
    alone = load_rulesets([], [paths[0]], catalog)  # the other builtin comes in for areas.monitoring
    assert alone[0].model_dump() == rulesets[0].model_dump()


def test_dump_round_trip_with_overrides(write_rules, tmp_path, catalog) -> None:
    override = write_rules(
        "o.yaml",
        """
        extends: ai-cmm
        params: {tracking_min_runs: 3}
        criteria:
          mlops.tracking: {when: "signals.ml.tracking.runs_90d >= params.tracking_min_runs"}
          mlops.governance: {disabled: true}
        areas:
          - id: edgeops
            title: EdgeOps
            criteria:
              - {id: edgeops.x, level: 3, title: X, when: "signals.ml.production.count>0", recommendation: R}
        """,
    )
    effective = load_rulesets(["ai-cmm"], [override], catalog)[0]
    text = dump_ruleset_yaml(effective)
    dumped = tmp_path / "effective.yaml"
    dumped.write_text(text, encoding="utf-8")
    again = load_rulesets([], [dumped], catalog)[0]
    assert again.model_dump() == effective.model_dump()
    assert "disabled: true" in text and "tracking_min_runs: 3" in text


def test_disabled_criteria_are_only_syntax_checked(write_rules, catalog) -> None:
    # disabling is how a user sets aside a rule whose signal is not in their catalog
    override = write_rules(
        "o.yaml",
        """
        extends: ai-cmm
        criteria:
          mlops.tracking: {when: "signals.github.not_installed >= 1", disabled: true}
        """,
    )
    assert load_rulesets(["ai-cmm"], [override], catalog)
    broken = write_rules(
        "p.yaml", 'extends: ai-cmm\ncriteria:\n  mlops.tracking: {when: "1 >=", disabled: true}\n'
    )
    with pytest.raises(RulesetError, match=r"p\.yaml:3: criterion mlops\.tracking: CEL syntax error"):
        load_rulesets(["ai-cmm"], [broken], catalog)
