"""The criterion-sources table comes from the rulesets and the signal catalog: every criterion that is not
an attestation has a source that can decide it, and ladder items several sources can show list each."""

from __future__ import annotations

from typer.testing import CliRunner

from assay.cli import app
from assay.collectors.base import installed_collectors
from assay.evidence import Confidence as C
from assay.evidence import SignalSpec, SignalType
from assay.scoring import builtin_ruleset_ids, load_rulesets
from assay.scoring.expressions import junctions
from assay.scoring.sources import criterion_sources


def _rows() -> dict[str, str]:
    catalog = installed_collectors().catalog()
    rows = criterion_sources(load_rulesets(builtin_ruleset_ids(), [], catalog), catalog)
    return {r.criterion: r.text() for r in rows}


def test_every_observable_criterion_has_a_deciding_source() -> None:
    rows = _rows()
    assert len(rows) > 100
    assert all(text for text in rows.values())
    assert {c for c, t in rows.items() if t == "attestation only"} == {
        "peopleops.performance-objectives",
        "peopleops.ownership-culture",
        "aiops.enterprise-strategy",
        "collaboration.continuous-improvement",
    }


def test_ladder_items_several_sources_show_list_each() -> None:
    rows = _rows()
    assert rows["secops.pipeline-scanning"] == "github or jenkins"
    assert rows["secops.auto-promotion"] == "github or jenkins"
    assert rows["cloudops.tagging"] == "aws or azure"
    assert rows["cloudops.budget"] == rows["cloudops.project-budgets"] == "aws or azure"
    assert rows["secops.threat-detection"] == rows["aiops.initiative-budgets"] == "aws or azure"
    assert rows["mlops.governance"] == "aws or mlflow"
    # Experiment tracking and reproducibility: MLflow runs or SageMaker Experiments runs.
    for tracked in ("mlops.tracking", "mlops.version-control", "mlops.reproducibility"):
        assert rows[tracked] == "aws or mlflow", tracked
    assert (
        rows["cloudops.iac-repos"] == "github (also reads jenkins)"
    )  # GitHub's repositories are the population
    assert rows["monitoring.model-metrics"] == (
        "aws + prometheus or azure + prometheus or mlflow + prometheus"
    )
    assert rows["model-development.mlops-3"] == "area mlops"


def test_and_needs_every_operand_or_offers_each() -> None:
    spec = {
        n: SignalSpec(name=n, type=SignalType.COUNT, confidence=C.HIGH, description=n, source=s, reads=(s,),
                      decided_by=((s,),))
        for n, s in (("a.x", "aws"), ("g.x", "github"), ("j.x", "jenkins"))
    }  # fmt: skip
    from assay.scoring.model import Criterion
    from assay.scoring.sources import _alternatives  # the combination rule, over a hand-made catalog

    both = Criterion(
        id="c",
        level=2,
        title="t",
        recommendation="r",
        when="signals.a.x > 0 && (signals.g.x > 0 || signals.j.x > 0)",
    )
    assert [sorted(a) for a in _alternatives(both, spec)] == [["aws", "github"], ["aws", "jenkins"]]
    assert junctions(both.when or "").op == "and"


def test_assay_rules_sources_prints_the_table() -> None:
    out = CliRunner().invoke(app, ["rules", "sources", "--format", "md"])
    assert out.exit_code == 0, out.output
    assert "| ai-cmm | secops | 3 | `secops.pipeline-scanning`" in out.output
    assert "github or jenkins" in out.output
    assert "| ai-cmm | mlops | 2 | `mlops.tracking` Experiments are tracked | aws or mlflow |" in out.output
