"""The CI gate never cries wolf: a good audit, then the same scope with every source unreachable.

The estate runs on the sandbox's local services (MLflow, Prometheus, Jenkins) for the first audit; the
second runs after they are gone (MLflow pointed at a closed port), so nothing is read. `--fail-on-drop`
must then say which sources were not read and exit 0 (4 under --strict), never 3; the incomplete audit is
recorded but is not the next audit's baseline.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from assay.sandbox import Sandbox, load_estate
from tests.e2e.test_cli import closed_port, run

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SOURCES = ["mlflow", "prometheus", "jenkins"]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    root = tmp_path_factory.mktemp("gate")
    config = root / "audit.yaml"
    with Sandbox(load_estate("cygnus-ai"), workdir=root / "sandbox", sources=SOURCES) as sandbox:
        assert sandbox.unavailable == []
        doc = {**sandbox.config, "history": str(root / "history.db")}
        config.write_text(yaml.safe_dump(doc))
        env = dict(os.environ)  # the sandbox's credentials, kept for the audits after it is gone
        good = run("audit", "-c", config, "-o", root / "good", "--fail-on-drop", "-q", env=env)
    doc["collectors"]["mlflow"] = {"tracking_uri": f"http://127.0.0.1:{closed_port()}", "max_retries": 0}
    config.write_text(yaml.safe_dump(doc))
    gone = run("audit", "-c", config, "-o", root / "gone", "--fail-on-drop", env=env)
    strict = run("audit", "-c", config, "-o", root / "strict", "--fail-on-drop", "--strict", "-q", env=env)
    return {"root": root, "good": good, "gone": gone, "strict": strict, "env": env}


def test_the_good_audit_passes_and_is_recorded(gate: dict) -> None:  # type: ignore[type-arg]
    assert gate["good"].returncode == 0, gate["good"].stderr
    results = json.loads((gate["root"] / "good" / "results.json").read_text())
    mlops = next(
        a for rs in results["rulesets"] if rs["id"] == "ai-cmm" for a in rs["areas"] if a["id"] == "mlops"
    )
    assert mlops["level"] >= 2, "the estate's evidence decides MLOps above the floor"


def test_unreachable_sources_are_no_drop_and_are_named(gate: dict) -> None:  # type: ignore[type-arg]
    gone = gate["gone"]
    said = " ".join(gone.stderr.split())
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "level dropped" not in said
    assert "undecided (" in said and "not read" in said
    for source in SOURCES:
        assert f"{source} (failed)" in said, said
    assert "ai-cmm:mlops undecided (" in said
    assert "recorded, but it will not serve as a baseline" in said


def test_strict_makes_it_exit_4_never_3(gate: dict) -> None:  # type: ignore[type-arg]
    assert gate["strict"].returncode == 4, gate["strict"].stderr
    assert "evidence incomplete (--strict)" in gate["strict"].stderr


def test_the_incomplete_audits_are_marked_and_never_the_baseline(gate: dict) -> None:  # type: ignore[type-arg]
    db = gate["root"] / "history.db"
    listing = run("history", "--db", db, "-f", "json")
    assert listing.returncode == 0, listing.stderr
    rows = json.loads(listing.stdout)
    assert [(r["id"], r["complete"]) for r in rows] == [(1, True), (2, False), (3, False)]
    assert all("mlflow (failed)" in r["incomplete"] for r in rows[1:])
    # audit 3 (strict) was judged against audit 1, not against the incomplete audit 2
    said = " ".join(gate["strict"].stderr.split())
    assert "--fail-on-drop compares with audit #1, the last complete audit of scope 'cygnus-ai'" in said
    diffed = run("diff", "1", "2", "--db", db, "--fail-on-drop", "-f", "json")
    assert diffed.returncode == 0, diffed.stderr
    judgement = json.loads(diffed.stdout)["judgement"]
    assert judgement["drops"] == [] and judgement["undecided"], "assay diff judges the same way"
