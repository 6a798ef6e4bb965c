"""`assay report RESULTS --format ...`: every format from a results file (and the bundle beside it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.bundleio import write_bundle
from assay.cli import app
from assay.errors import AssayError
from assay.evidence import Bundle
from assay.scoring import Results, write_results
from tests.reports import sample


@pytest.fixture
def out(tmp_path: Path, sample_results: Results, sample_bundle: Bundle) -> Path:
    write_results(sample_results, tmp_path / "results.json")
    write_bundle(sample_bundle, tmp_path / "evidence.json.gz")
    return tmp_path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("fmt", "needle"),
    [
        ("md", "Borealis Health is currently at Level 2 of MLOps maturity."),
        ("html", '<section class="area" id="area-mlops-report-collaboration">'),
        ("json", '"schema": "assay/result/v1"'),
        ("junit", '<testsuite name="mlops-report:collaboration"'),
        ("sarif", '"version": "2.1.0"'),
        ("prometheus", 'assay_area_level{area="mlops",ruleset="ai-cmm"} 3.0'),
        ("summary", "| Collaboration & Communication | 2–5 |"),
    ],
)
def test_each_format_to_stdout(out: Path, fmt: str, needle: str) -> None:
    assert needle in invoke(
        "report", str(out / "results.json"), "--format", fmt, "--history", str(out / "none.db")
    )


def test_the_bundle_beside_the_results_adds_evidence_details(out: Path) -> None:
    text = invoke("report", str(out), "--history", str(out / "none.db"))
    assert "| MlflowClient.search_runs | 2025-03-03 09:29:12 UTC |" in text
    # a bundle that is not the one the results were scored from is not used
    write_bundle(sample.bundle({"ml.tracking.runs_90d": 7}), out / "evidence.json.gz")
    text = invoke("report", str(out), "--history", str(out / "none.db"))
    assert "only the evidence ids are listed" in text
    assert not (out / "none.db").exists(), "reading history never creates a store"


def test_several_formats_and_charts_are_written_into_a_folder(out: Path, tmp_path: Path) -> None:
    target = tmp_path / "slides"
    invoke("report", str(out / "results.json"), "-f", "junit,sarif,charts", "-o", str(target))
    assert sorted(p.name for p in target.iterdir()) == ["charts", "junit.xml", "results.sarif"]
    assert len(list((target / "charts").glob("*.png"))) == 4
    assert json.loads((target / "results.sarif").read_text())["runs"][0]["tool"]["driver"]["name"] == "assay"
    invoke("report", str(out / "results.json"), "-f", "charts")
    assert (out / "charts" / "radar-ai-cmm.svg").exists(), "charts go beside the results without --out"


def test_unknown_format_is_a_clear_error(out: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(out), "-f", "docx"])
    assert isinstance(result.exception, AssayError)
    assert "'docx' is not a report format" in str(result.exception)


def test_fail_on_drop_needs_history(out: Path) -> None:
    result = CliRunner().invoke(
        app, ["score", str(out / "evidence.json.gz"), "--no-history", "--fail-on-drop"]
    )
    assert isinstance(result.exception, AssayError)
    assert "needs the history store" in str(result.exception)


def test_ruleset_limits_the_report_to_one_model(out: Path) -> None:
    text = invoke("report", str(out), "--ruleset", "ai-cmm", "--history", str(out / "none.db"))
    assert text.startswith("# GSA AI capability maturity model report\n")
    assert "MLOps maturity model" not in text and "Collaboration" not in text
    result = CliRunner().invoke(app, ["report", str(out), "--ruleset", "nope"])
    assert isinstance(result.exception, AssayError)
    assert "--ruleset 'nope' is not in these results; they hold: mlops-report, ai-cmm" in str(
        result.exception
    )


def test_config_fills_the_report_section(out: Path, tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text(
        "scope: borealis-health\nreport: {client: Borealis Health Trust, prepared_by: Northwind Advisory}\n"
        "collectors:\n  mlflow: {tracking_uri: 'http://127.0.0.1:9'}\n"
    )
    text = invoke("report", str(out), "--config", str(config), "--history", str(out / "none.db"))
    assert "· prepared for Borealis Health Trust · prepared by Northwind Advisory" in text
    assert "| Prepared for | Borealis Health Trust |" in text
