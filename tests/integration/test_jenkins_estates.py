"""The Jenkins part of the fixture estates, end to end: Sandbox -> collect_bundle -> scoring.

Every Jenkins criterion at or below an estate's designed level passes; the ones above it that Jenkins
alone decides fail (others, such as monthly model deploys at Borealis, are held back by other criteria).
"""

from __future__ import annotations

from typing import Any

import pytest

from assay.collectors.base import installed_collectors
from assay.collectors.runner import collect_bundle
from assay.config import parse_config
from assay.evidence import Bundle
from assay.sandbox import Sandbox, load_estate
from assay.scoring import load_rulesets, score

pytestmark = pytest.mark.integration

JENKINS_CRITERIA = {
    "ai-cmm:secops": {"secops.pipeline-scanning": 3, "secops.auto-promotion": 4},
    "ai-cmm:mlops": {
        "mlops.training-pipeline": 3,
        "mlops.model-cd": 4,
        "mlops.validation-gate": 4,
        "mlops.continuous-training": 5,
    },
    "mlops-report:model-development": {"model-development.deploy-monthly": 4},
}


def audit(name: str) -> Bundle:
    registry = installed_collectors()
    with Sandbox(load_estate(name), sources=["jenkins"]) as sb:
        cfg = parse_config(sb.config, f"sandbox:{name}", registry)
        return collect_bundle(cfg.sections, registry, scope=name)


def criteria(bundle: Bundle) -> dict[str, dict[str, Any]]:
    catalog = installed_collectors().catalog()
    results = score(bundle, load_rulesets(["ai-cmm", "mlops-report"], [], catalog), catalog)
    return {
        f"{rs.id}:{a.id}": {c.id: c.status.value for c in a.criteria}
        for rs in results.rulesets
        for a in rs.areas
    }


@pytest.mark.parametrize("name", ["aurora-dynamics", "borealis-health", "cygnus-ai", "eridanus-energy"])
def test_jenkins_criteria_follow_the_designed_levels(name: str) -> None:
    bundle = audit(name)
    assert next(r for r in bundle.collectors if r.name == "jenkins").status == "ok"
    designed = load_estate(name).info.designed_levels
    got = criteria(bundle)
    for key, ids in JENKINS_CRITERIA.items():
        ruleset, area = key.split(":")
        for cid, level in ids.items():
            if level <= designed[ruleset][area]:
                assert got[key][cid] == "pass", (name, cid, got[key][cid])


def test_borealis_gates_deploys_by_hand_and_does_not_scan() -> None:
    got = criteria(audit("borealis-health"))
    # Jenkins shows neither; GitHub Actions could show both and is not connected here, so they stay open.
    assert got["ai-cmm:secops"]["secops.pipeline-scanning"] == "unknown"
    assert got["ai-cmm:secops"]["secops.auto-promotion"] == "unknown"
    assert got["ai-cmm:mlops"]["mlops.training-pipeline"] == "pass"
    assert got["ai-cmm:mlops"]["mlops.model-cd"] == "fail"  # the deploy waits for a person
    # Training is started by hand, but with only Jenkins connected MLflow's retraining could still show
    # continuous training: the `||` criterion stays open rather than failing on a missing source.
    assert got["ai-cmm:mlops"]["mlops.continuous-training"] == "unknown"
    assert got["ai-cmm:mlops"]["mlops.validation-gate"] == "fail"
    # It does ship the readmission model monthly, by hand; model development stays at 3 through MLOps.
    assert got["mlops-report:model-development"]["model-development.deploy-monthly"] == "pass"


def test_aurora_has_no_pipeline() -> None:
    got = criteria(audit("aurora-dynamics"))
    # Jenkins shows no training pipeline and no model deploys; SageMaker is not connected here, so the
    # criteria that either platform can satisfy stay open instead of failing.
    assert got["ai-cmm:mlops"]["mlops.training-pipeline"] == "unknown"
    assert got["ai-cmm:secops"]["secops.pipeline-scanning"] == "unknown"  # no deploy pipeline to scan
    assert got["mlops-report:model-development"]["model-development.deploy-monthly"] == "unknown"
